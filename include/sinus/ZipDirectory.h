// SPDX-License-Identifier: Apache-2.0
#ifndef sinus_ZipDirectory_h
#define sinus_ZipDirectory_h

#include <cstdint>
#include <istream>
#include <stdexcept>
#include <string>
#include <vector>

namespace sinus
{

/** A zip archive whose directory is malformed, or whose entries could not be read without trusting
 *  sizes the file cannot back. The message names the file. */
class ZipArchiveError : public std::runtime_error
{
public:
  using std::runtime_error::runtime_error;
};

/** One entry of a zip archive's central directory (zip64 sizes and offsets resolved). */
struct ZipEntry
{
  std::string   name;
  std::uint16_t method = 0;            ///< 0 stored, 8 deflated, ...
  std::uint64_t compressedSize = 0;
  std::uint64_t uncompressedSize = 0;
  std::uint64_t localHeaderOffset = 0;
};

/** Reads the central directory of the zip archive `in` (of `fileSize` bytes) -- the end record,
 *  its zip64 form, every entry -- checking each count, size and offset against the file before
 *  using it, so that no field can make it read or allocate more than the file holds. `source`
 *  names the file in errors. */
std::vector<ZipEntry>
ReadZipDirectory(std::istream & in, std::uint64_t fileSize, const std::string & source);

/** What a compressed entry may unpack to: LibTorch's own archives (training checkpoints) deflate
 *  their few small code and constant records; tensors are always stored uncompressed. */
constexpr std::uint64_t kLargestCompressedEntry = std::uint64_t{ 16 } << 20;
constexpr std::uint64_t kLargestCompressedTotal = std::uint64_t{ 64 } << 20;

/** Refuses an archive that would make a reader allocate more than it can back: a stored entry's
 *  size the same packed and unpacked and its bytes inside the file, the stored entries together no
 *  larger than the file, and a compressed entry -- the shape of a zip bomb -- unpacking to at most
 *  kLargestCompressedEntry (kLargestCompressedTotal for all of them). The error names the entry
 *  and its claimed size; nothing is inflated. */
void
RequireBoundedEntries(const std::vector<ZipEntry> & entries, std::uint64_t fileSize, const std::string & source);

/** Both checks on the file at `path`; every error's message starts with "PATH: ". */
void
RequireBoundedZipArchive(const std::string & path);

} // namespace sinus

#endif
