// SPDX-License-Identifier: Apache-2.0
#include "sinus/FileUtilities.h"
#include "sinusTestSupport.h"

#include <gtest/gtest.h>

namespace fs = std::filesystem;

TEST(FileUtilities, StagingDirectoryAppearsOnlyOnCommit)
{
  const fs::path root = ScratchDirectory("staging");
  {
    sinus::StagingDirectory staging(root / "out");
    sinus::WriteFileAtomically(staging.Path() / "a.txt", "hello");
    EXPECT_FALSE(fs::exists(root / "out"));
    staging.Commit();
  }
  EXPECT_EQ(sinus::ReadTextFile(root / "out" / "a.txt"), "hello");
  try
  {
    sinus::StagingDirectory staging(root / "failed");
    sinus::WriteFileAtomically(staging.Path() / "a.txt", "partial");
    throw std::runtime_error("simulated failure");
  }
  catch (const std::runtime_error &)
  {
  }
  EXPECT_FALSE(fs::exists(root / "failed"));
  for (const auto & entry : fs::directory_iterator(root))
  {
    EXPECT_EQ(entry.path().filename(), "out") << "left behind: " << entry.path();
  }
  EXPECT_THROW(sinus::StagingDirectory(root / "out"), std::runtime_error); // not empty
  fs::create_directories(root / "empty");
  EXPECT_NO_THROW(sinus::StagingDirectory(root / "empty"));
  fs::remove_all(root);
}

TEST(FileUtilities, AtomicWriteReplacesWholeFiles)
{
  const fs::path root = ScratchDirectory("atomic");
  sinus::WriteFileAtomically(root / "f.json", "one");
  sinus::WriteFileAtomically(root / "f.json", "two");
  EXPECT_EQ(sinus::ReadTextFile(root / "f.json"), "two");
  EXPECT_EQ(std::distance(fs::directory_iterator(root), fs::directory_iterator()), 1);
  EXPECT_THROW(sinus::WriteFileAtomically(root / "missing-folder" / "f", "x"), std::runtime_error);
  EXPECT_THROW(sinus::ReadTextFile(root / "nope"), std::runtime_error);
  fs::remove_all(root);
}

TEST(FileUtilities, ReadTextFileRefusesAFileLargerThanItsLimitFromItsSize)
{
  const fs::path root = ScratchDirectory("text_limit");
  sinus::WriteFileAtomically(root / "big.csv", std::string(2000, 'x'));
  EXPECT_EQ(sinus::ReadTextFile(root / "big.csv", 2000).size(), 2000u);
  try
  {
    sinus::ReadTextFile(root / "big.csv", 1999);
    FAIL() << "a file over the limit was read";
  }
  catch (const std::runtime_error & e)
  {
    EXPECT_NE(std::string(e.what()).find((root / "big.csv").string() + ": 2000 bytes, more than the"), std::string::npos) << e.what();
  }
}
