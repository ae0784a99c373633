// SPDX-License-Identifier: Apache-2.0
// The model file's test-time mirroring entry: absent reads as off, stored only when on, anything but
// a boolean refused with the file's name.
#include "sinus/TestTimeMirror.h"

#include <gtest/gtest.h>

using sinus::Json;

TEST(TestTimeMirror, AbsentIsOffAndOnlyOnIsStored)
{
  Json metadata = Json::object();
  metadata["stage"] = "student";
  EXPECT_FALSE(sinus::ReadTestTimeMirror(metadata, "student.sinusseg"));
  sinus::WriteTestTimeMirror(metadata, true);
  EXPECT_TRUE(metadata.at("test_time_mirror").get<bool>());
  EXPECT_TRUE(sinus::ReadTestTimeMirror(metadata, "student.sinusseg"));
  sinus::WriteTestTimeMirror(metadata, false);
  EXPECT_FALSE(metadata.contains("test_time_mirror")) << metadata.dump();
  EXPECT_EQ(metadata.size(), 1u); // the other entries stay
  EXPECT_FALSE(sinus::ReadTestTimeMirror(metadata, "student.sinusseg"));
}

TEST(TestTimeMirror, NonBooleanEntryIsRefusedNamingTheFile)
{
  Json metadata = Json::object();
  metadata["test_time_mirror"] = "yes";
  try
  {
    sinus::ReadTestTimeMirror(metadata, "models/student.sinusseg");
    FAIL() << "a string is not a setting";
  }
  catch (const std::invalid_argument & e)
  {
    EXPECT_NE(std::string(e.what()).find("models/student.sinusseg"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("test_time_mirror"), std::string::npos) << e.what();
  }
  metadata["test_time_mirror"] = 1;
  EXPECT_THROW(sinus::ReadTestTimeMirror(metadata, "student.sinusseg"), std::invalid_argument);
}
