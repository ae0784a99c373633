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
  sinus::RemoveTree(root);
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
  sinus::RemoveTree(root);
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

TEST(FileUtilities, RemoveTreeRemovesFoldersWithoutFollowingLinks)
{
  const fs::path root = ScratchDirectory("remove-tree");
  fs::create_directories(root / "tree" / "a" / "b");
  sinus::WriteFileAtomically(root / "tree" / "a" / "b" / "deep.txt", "x");
  sinus::WriteFileAtomically(root / "tree" / "top.txt", "y");
  fs::create_directories(root / "outside");
  sinus::WriteFileAtomically(root / "outside" / "kept.txt", "z");
  fs::create_directory_symlink(root / "outside", root / "tree" / "link");

  // tree, a, b, deep.txt, top.txt and the link itself; nothing behind the link.
  EXPECT_EQ(sinus::RemoveTree(root / "tree"), 6u);
  EXPECT_FALSE(fs::exists(root / "tree"));
  EXPECT_TRUE(fs::exists(root / "outside" / "kept.txt"));

  std::error_code error;
  EXPECT_EQ(sinus::RemoveTree(root / "tree", error), 0u); // nothing there: not an error
  EXPECT_FALSE(error);
  sinus::WriteFileAtomically(root / "file.txt", "f");
  EXPECT_EQ(sinus::RemoveTree(root / "file.txt"), 1u);
  EXPECT_FALSE(fs::exists(root / "file.txt"));
  // A path through a file cannot be looked at: an error, and the throwing form names the path.
  EXPECT_EQ(sinus::RemoveTree(root / "outside" / "kept.txt" / "below", error), static_cast<std::uintmax_t>(-1));
  EXPECT_TRUE(error);
  try
  {
    sinus::RemoveTree(root / "outside" / "kept.txt" / "below");
    ADD_FAILURE() << "no error";
  }
  catch (const fs::filesystem_error & e)
  {
    EXPECT_NE(std::string(e.what()).find("kept.txt/below"), std::string::npos) << e.what();
  }
  EXPECT_GT(sinus::RemoveTree(root), 0u);
  EXPECT_FALSE(fs::exists(root));
}
