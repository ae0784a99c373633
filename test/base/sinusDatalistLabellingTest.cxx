// SPDX-License-Identifier: Apache-2.0
// New labels into a datalist (`sinusseg import-via --datalist`): unlabelled training images only.
#include "sinus/DatalistLabelling.h"
#include "sinus/FileUtilities.h"
#include "sinus/Json.h"
#include "sinusTestSupport.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace fs = std::filesystem;
using namespace sinus;

namespace
{
/** a.png labelled, b.png and c.png unlabelled, v.png validation, t.png test. */
fs::path
WriteSmallDatalist(const std::string & name)
{
  const fs::path root = ScratchDirectory(name);
  fs::create_directories(root / "data" / "images");
  WriteFileAtomically(root / "data" / "list.json", R"({
  "description": "kept as it is",
  "training": [
    {"image": "images/a.png", "label": "masks/a.png"},
    {"image": "images/b.png"},
    {"image": "./images/../images/c.png"}
  ],
  "validation": [{"image": "images/v.png", "label": "masks/v.png"}],
  "test": [{"image": "images/t.png", "label": "masks/t.png"}]
}
)");
  return root;
}
} // namespace

TEST(DatalistLabelling, LabelsUnlabelledTrainingImagesAndKeepsEverythingElse)
{
  const fs::path           root = WriteSmallDatalist("labelling_adds");
  std::vector<std::string> problems;
  const std::string        text = AddTrainingLabels((root / "data" / "list.json").string(),
                                                    { { (root / "data" / "images" / "b.png").string(), (root / "new" / "b.png").string() },
                                                      { (root / "data" / "images" / "c.png").string(), (root / "new" / "c.png").string() } },
                                                    problems);
  ASSERT_TRUE(problems.empty()) << problems.front();
  const Json j = ParseJson(text);
  EXPECT_EQ(j.begin().key(), "description");
  EXPECT_EQ(j.at("training")[0].at("label"), "masks/a.png");
  EXPECT_EQ(j.at("training")[1].at("label"), "../new/b.png"); // relative to the datalist's folder
  EXPECT_EQ(j.at("training")[2].at("image"), "./images/../images/c.png");
  EXPECT_EQ(j.at("training")[2].at("label"), "../new/c.png");
  EXPECT_EQ(j.at("validation").size(), 1u);
  EXPECT_EQ(j.at("test").size(), 1u);
}

TEST(DatalistLabelling, RefusesHeldOutImagesRelabellingAndStrangers)
{
  const fs::path           root = WriteSmallDatalist("labelling_refuses");
  const fs::path           images = root / "data" / "images";
  std::vector<std::string> problems;
  AddTrainingLabels((root / "data" / "list.json").string(),
                    { { (images / "t.png").string(), "m/t.png" },
                      { (images / "v.png").string(), "m/v.png" },
                      { (images / "a.png").string(), "m/a.png" },
                      { (images / "x.png").string(), "m/x.png" },
                      { (images / "b.png").string(), "m/b.png" },
                      { (root / "data" / "images" / ".." / "images" / "b.png").string(), "m/b2.png" } },
                    problems);
  ASSERT_EQ(problems.size(), 5u);
  EXPECT_NE(problems[0].find("t.png: a test image: never labelled for training"), std::string::npos) << problems[0];
  EXPECT_NE(problems[1].find("v.png: a validation image"), std::string::npos) << problems[1];
  EXPECT_NE(problems[2].find("a.png: already labelled (training[0])"), std::string::npos) << problems[2];
  EXPECT_NE(problems[3].find("x.png: not in the datalist"), std::string::npos) << problems[3];
  EXPECT_NE(problems[4].find("b.png: labelled twice in this import"), std::string::npos) << problems[4];
  for (const auto & p : problems)
    EXPECT_EQ(p.rfind((root / "data" / "list.json").string(), 0), 0u) << p; // every problem names the datalist
}

TEST(DatalistLabelling, AnImageListedForTrainingAndTestStaysHeldOut)
{
  const fs::path root = ScratchDirectory("labelling_held_out");
  WriteFileAtomically(root / "list.json", R"({"training": [{"image": "t.png"}], "test": [{"image": "t.png", "label": "t_mask.png"}]})");
  std::vector<std::string> problems;
  AddTrainingLabels((root / "list.json").string(), { { (root / "t.png").string(), "m.png" } }, problems);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find("a test image"), std::string::npos) << problems[0];
}

TEST(DatalistLabelling, AnUnreadableDatalistIsAProblem)
{
  const fs::path root = ScratchDirectory("labelling_unreadable");
  WriteFileAtomically(root / "list.json", "{\"training\": [");
  std::vector<std::string> problems;
  AddTrainingLabels((root / "list.json").string(), {}, problems);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find("cannot read the datalist"), std::string::npos) << problems[0];
  problems.clear();
  AddTrainingLabels((root / "missing.json").string(), {}, problems);
  EXPECT_EQ(problems.size(), 1u);
}
