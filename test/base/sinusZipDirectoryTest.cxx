// SPDX-License-Identifier: Apache-2.0
// The zip directory reader that runs before LibTorch's: a real checkpoint passes; truncated files,
// sizes the file cannot back and compressed entries that would unpack to gigabytes are refused.
#include "sinus/FileUtilities.h"
#include "sinus/ZipDirectory.h"
#include "sinusTestSupport.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>

namespace fs = std::filesystem;

namespace
{
std::vector<sinus::ZipEntry>
Directory(const std::string & bytes)
{
  std::istringstream in(bytes);
  return sinus::ReadZipDirectory(in, bytes.size(), "test.zip");
}

std::string
ErrorOf(const std::string & bytes)
{
  try
  {
    sinus::RequireBoundedEntries(Directory(bytes), bytes.size(), "test.zip");
  }
  catch (const sinus::ZipArchiveError & e)
  {
    return e.what();
  }
  return "";
}

/** The golden checkpoint written by torch.save. */
std::string
GoldenCheckpoint()
{
  const fs::path path = fs::path(SharedDirectory()) / "reference" / "golden" / "tiny_sam.pth";
  return sinus::ReadTextFile(path, fs::file_size(path));
}

/** Overwrites `width` little-endian bytes at `at`. */
void
Patch(std::string & bytes, size_t at, uint64_t value, int width)
{
  for (int i = 0; i < width; ++i)
    bytes[at + static_cast<size_t>(i)] = static_cast<char>((value >> (8 * i)) & 0xFF);
}

/** Offset of the first central directory entry of `bytes`, as its end record gives it. */
size_t
FirstEntry(const std::string & bytes)
{
  const size_t end = bytes.rfind(std::string("PK\x05\x06", 4));
  size_t       offset = 0;
  for (int i = 0; i < 4; ++i)
    offset |= static_cast<size_t>(static_cast<unsigned char>(bytes[end + 16 + static_cast<size_t>(i)])) << (8 * i);
  return offset;
}
} // namespace

TEST(ZipDirectory, ReadsEveryEntryOfATorchSaveCheckpoint)
{
  const std::string                  bytes = GoldenCheckpoint();
  const std::vector<sinus::ZipEntry> entries = Directory(bytes);
  ASSERT_EQ(entries.size(), 176u);
  EXPECT_EQ(entries.front().name.substr(entries.front().name.find('/') + 1), "data.pkl");
  for (const auto & e : entries)
    EXPECT_EQ(e.method, 0) << e.name;
  EXPECT_EQ(ErrorOf(bytes), "");
  EXPECT_NO_THROW(sinus::RequireBoundedZipArchive((fs::path(SharedDirectory()) / "reference" / "golden" / "tiny_sam.pth").string()));
}

TEST(ZipDirectory, RefusesTruncatedFilesAndDirectoriesOutsideTheFile)
{
  const std::string bytes = GoldenCheckpoint();
  EXPECT_NE(ErrorOf(bytes.substr(0, bytes.size() / 2)).find("test.zip: not a zip archive (no end-of-directory record)"), std::string::npos);
  EXPECT_NE(ErrorOf(bytes.substr(0, 10)).find("test.zip: not a zip archive (10 bytes)"), std::string::npos);
  // The end record moved to a shorter file: its directory now lies past the end.
  const std::string tail = bytes.substr(bytes.rfind(std::string("PK\x05\x06", 4)));
  EXPECT_NE(ErrorOf(std::string(64, 'x') + tail).find("lies outside the file"), std::string::npos);
  // More entries claimed than the directory's bytes can hold.
  std::string many = bytes;
  Patch(many, many.rfind(std::string("PK\x05\x06", 4)) + 10, 60000, 2);
  EXPECT_NE(ErrorOf(many).find("claims 60000 entries"), std::string::npos) << ErrorOf(many);
}

TEST(ZipDirectory, RefusesSizesTheFileCannotBackAndCompressedEntriesThatUnpackToGigabytes)
{
  const std::string bytes = GoldenCheckpoint();
  const size_t      entry = FirstEntry(bytes);
  ASSERT_EQ(bytes.substr(entry, 4), std::string("PK\x01\x02", 4));
  // A stored entry claiming 3.7 GB: refused before any reader allocates it.
  std::string large = bytes;
  Patch(large, entry + 20, 4000000000u, 4);
  Patch(large, entry + 24, 4000000000u, 4);
  EXPECT_NE(ErrorOf(large).find("claims 4000000000 bytes at offset"), std::string::npos) << ErrorOf(large);
  // Packed and unpacked sizes that differ for a stored entry.
  std::string mismatched = bytes;
  Patch(mismatched, entry + 24, 1000000, 4);
  EXPECT_NE(ErrorOf(mismatched).find("claims 1000000 bytes but holds"), std::string::npos) << ErrorOf(mismatched);
  // A deflated entry: allowed when small (LibTorch's own archives deflate their code records),
  // refused when it would unpack to more than 16 MiB -- the zip bomb.
  std::string small = bytes;
  Patch(small, entry + 10, 8, 2);
  Patch(small, entry + 24, 1000, 4);
  EXPECT_EQ(ErrorOf(small), "");
  std::string bomb = bytes;
  Patch(bomb, entry + 10, 8, 2);
  Patch(bomb, entry + 24, 4000000000u, 4);
  EXPECT_NE(ErrorOf(bomb).find("would unpack to 4000000000 bytes"), std::string::npos) << ErrorOf(bomb);
  EXPECT_NE(ErrorOf(bomb).find("refused, not inflated"), std::string::npos);
}
