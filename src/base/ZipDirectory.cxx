// SPDX-License-Identifier: Apache-2.0
// The central directory of a zip archive, read with every field checked against the file's size
// before use. LibTorch's reader (miniz) trusts an entry's declared size and allocates it; this
// check runs first, so a hostile checkpoint is refused before anything large is allocated.
#include "sinus/ZipDirectory.h"

#include <algorithm>
#include <filesystem>
#include <fstream>

namespace sinus
{
namespace
{
constexpr std::uint32_t kEndSignature = 0x06054b50;
constexpr std::uint32_t kZip64LocatorSignature = 0x07064b50;
constexpr std::uint32_t kZip64EndSignature = 0x06064b50;
constexpr std::uint32_t kEntrySignature = 0x02014b50;
constexpr std::uint64_t kEndSize = 22;
constexpr std::uint64_t kZip64LocatorSize = 20;
constexpr std::uint64_t kZip64EndSize = 56;
constexpr std::uint64_t kEntrySize = 46;
constexpr std::uint64_t kLongestComment = 0xFFFF;
constexpr std::uint16_t kZip64ExtraField = 0x0001;
constexpr std::uint32_t k32BitMarker = 0xFFFFFFFF;
constexpr std::uint16_t k16BitMarker = 0xFFFF;

/** Little-endian fields of a byte buffer; reading past its end is an error naming the file. */
class FieldReader
{
public:
  FieldReader(const std::string & bytes, const std::string & source, const char * what)
    : m_Bytes(bytes)
    , m_Source(source)
    , m_What(what)
  {}
  std::uint64_t Unsigned(size_t width)
  {
    Require(width);
    std::uint64_t v = 0;
    for (size_t i = 0; i < width; ++i)
      v |= static_cast<std::uint64_t>(static_cast<unsigned char>(m_Bytes[m_Pos + i])) << (8 * i);
    m_Pos += width;
    return v;
  }
  std::string Text(size_t length)
  {
    Require(length);
    std::string s = m_Bytes.substr(m_Pos, length);
    m_Pos += length;
    return s;
  }
  size_t Position() const { return m_Pos; }
  void   Seek(size_t position) { m_Pos = position; }

private:
  void Require(size_t width) const
  {
    if (width > m_Bytes.size() - m_Pos)
      throw ZipArchiveError(m_Source + ": truncated " + m_What + " in the zip directory");
  }
  const std::string & m_Bytes;
  const std::string & m_Source;
  const char *        m_What;
  size_t              m_Pos = 0;
};

std::string
ReadAt(std::istream & in, std::uint64_t offset, std::uint64_t length, const std::string & source)
{
  std::string bytes(static_cast<size_t>(length), '\0');
  in.clear();
  in.seekg(static_cast<std::streamoff>(offset));
  in.read(bytes.data(), static_cast<std::streamsize>(length));
  if (static_cast<std::uint64_t>(in.gcount()) != length)
    throw ZipArchiveError(source + ": cannot read " + std::to_string(length) + " bytes at offset " + std::to_string(offset));
  return bytes;
}

/** Where the central directory lies and how many entries it holds. */
struct DirectoryExtent
{
  std::uint64_t entries = 0;
  std::uint64_t size = 0;
  std::uint64_t offset = 0;
};

/** Position of the end record in `tail` (the file's last bytes), searched from the end as a
 *  comment may follow it. */
size_t
FindEndRecord(const std::string & tail, const std::string & source)
{
  for (size_t at = tail.size() - kEndSize + 1; at-- > 0;)
  {
    FieldReader r(tail, source, "end record");
    r.Seek(at);
    if (r.Unsigned(4) == kEndSignature)
      return at;
  }
  throw ZipArchiveError(source + ": not a zip archive (no end-of-directory record)");
}

DirectoryExtent
ReadZip64Extent(std::istream & in, std::uint64_t fileSize, std::uint64_t endOffset, const std::string & source)
{
  if (endOffset < kZip64LocatorSize)
    throw ZipArchiveError(source + ": zip64 end record announced but its locator is missing");
  const std::string locatorBytes = ReadAt(in, endOffset - kZip64LocatorSize, kZip64LocatorSize, source);
  FieldReader       locator(locatorBytes, source, "zip64 locator");
  if (locator.Unsigned(4) != kZip64LocatorSignature)
    throw ZipArchiveError(source + ": zip64 end record announced but its locator is missing");
  locator.Unsigned(4);
  const std::uint64_t recordOffset = locator.Unsigned(8);
  if (recordOffset > fileSize || kZip64EndSize > fileSize - recordOffset)
    throw ZipArchiveError(source + ": the zip64 end record lies outside the file");
  const std::string recordBytes = ReadAt(in, recordOffset, kZip64EndSize, source);
  FieldReader       record(recordBytes, source, "zip64 end record");
  if (record.Unsigned(4) != kZip64EndSignature)
    throw ZipArchiveError(source + ": bad zip64 end record signature");
  record.Seek(32);
  DirectoryExtent extent;
  extent.entries = record.Unsigned(8);
  extent.size = record.Unsigned(8);
  extent.offset = record.Unsigned(8);
  return extent;
}

DirectoryExtent
ReadExtent(std::istream & in, std::uint64_t fileSize, const std::string & source)
{
  if (fileSize < kEndSize)
    throw ZipArchiveError(source + ": not a zip archive (" + std::to_string(fileSize) + " bytes)");
  const std::uint64_t tailSize = std::min(fileSize, kEndSize + kLongestComment);
  const std::string   tail = ReadAt(in, fileSize - tailSize, tailSize, source);
  const size_t        at = FindEndRecord(tail, source);
  FieldReader         end(tail, source, "end record");
  end.Seek(at + 10);
  DirectoryExtent extent;
  extent.entries = end.Unsigned(2);
  extent.size = end.Unsigned(4);
  extent.offset = end.Unsigned(4);
  if (extent.entries == k16BitMarker || extent.size == k32BitMarker || extent.offset == k32BitMarker)
    extent = ReadZip64Extent(in, fileSize, fileSize - tailSize + at, source);
  if (extent.offset > fileSize || extent.size > fileSize - extent.offset)
    throw ZipArchiveError(source + ": the zip directory (" + std::to_string(extent.size) + " bytes at offset " +
                          std::to_string(extent.offset) + ") lies outside the file");
  if (extent.entries > extent.size / kEntrySize)
    throw ZipArchiveError(source + ": the zip directory claims " + std::to_string(extent.entries) + " entries in " +
                          std::to_string(extent.size) + " bytes");
  return extent;
}

/** The zip64 extra field replaces, in this order, each of the 32-bit fields set to all ones. */
void
ApplyZip64Extra(const std::string & extra, ZipEntry & entry, bool sizeMarked, bool packedMarked, bool offsetMarked,
                const std::string & source)
{
  FieldReader r(extra, source, "extra field");
  while (r.Position() + 4 <= extra.size())
  {
    const auto   id = static_cast<std::uint16_t>(r.Unsigned(2));
    const size_t length = static_cast<size_t>(r.Unsigned(2));
    const size_t next = r.Position() + length;
    if (next > extra.size())
      throw ZipArchiveError(source + ": truncated extra field of entry '" + entry.name + "'");
    if (id == kZip64ExtraField)
    {
      const std::string field = r.Text(length);
      FieldReader       values(field, source, "zip64 extra field");
      if (sizeMarked)
        entry.uncompressedSize = values.Unsigned(8);
      if (packedMarked)
        entry.compressedSize = values.Unsigned(8);
      if (offsetMarked)
        entry.localHeaderOffset = values.Unsigned(8);
      return;
    }
    r.Seek(next);
  }
  if (sizeMarked || packedMarked || offsetMarked)
    throw ZipArchiveError(source + ": entry '" + entry.name + "' needs a zip64 extra field and has none");
}

ZipEntry
ReadEntry(FieldReader & r, const std::string & source)
{
  if (r.Unsigned(4) != kEntrySignature)
    throw ZipArchiveError(source + ": bad zip directory entry signature at directory offset " + std::to_string(r.Position() - 4));
  ZipEntry entry;
  r.Unsigned(6); // versions, flags
  entry.method = static_cast<std::uint16_t>(r.Unsigned(2));
  r.Unsigned(8); // time, date, CRC-32
  entry.compressedSize = r.Unsigned(4);
  entry.uncompressedSize = r.Unsigned(4);
  const size_t nameLength = static_cast<size_t>(r.Unsigned(2));
  const size_t extraLength = static_cast<size_t>(r.Unsigned(2));
  const size_t commentLength = static_cast<size_t>(r.Unsigned(2));
  r.Unsigned(8); // first disk, attributes
  entry.localHeaderOffset = r.Unsigned(4);
  entry.name = r.Text(nameLength);
  const std::string extra = r.Text(extraLength);
  r.Text(commentLength);
  ApplyZip64Extra(extra, entry, entry.uncompressedSize == k32BitMarker, entry.compressedSize == k32BitMarker,
                  entry.localHeaderOffset == k32BitMarker, source);
  return entry;
}
} // namespace

std::vector<ZipEntry>
ReadZipDirectory(std::istream & in, std::uint64_t fileSize, const std::string & source)
{
  const DirectoryExtent extent = ReadExtent(in, fileSize, source);
  const std::string     directory = ReadAt(in, extent.offset, extent.size, source);
  FieldReader           r(directory, source, "entry");
  std::vector<ZipEntry> entries;
  entries.reserve(static_cast<size_t>(extent.entries));
  for (std::uint64_t i = 0; i < extent.entries; ++i)
    entries.push_back(ReadEntry(r, source));
  return entries;
}

void
RequireBoundedEntries(const std::vector<ZipEntry> & entries, std::uint64_t fileSize, const std::string & source)
{
  std::uint64_t stored = 0, unpacked = 0;
  for (const ZipEntry & e : entries)
  {
    if (e.localHeaderOffset > fileSize || e.compressedSize > fileSize - e.localHeaderOffset)
      throw ZipArchiveError(source + ": entry '" + e.name + "' claims " + std::to_string(e.compressedSize) + " bytes at offset " +
                            std::to_string(e.localHeaderOffset) + ", beyond the file's " + std::to_string(fileSize) + " bytes");
    if (e.method == 0)
    {
      if (e.compressedSize != e.uncompressedSize)
        throw ZipArchiveError(source + ": stored entry '" + e.name + "' claims " + std::to_string(e.uncompressedSize) + " bytes but holds " +
                              std::to_string(e.compressedSize));
      stored += e.compressedSize;
      if (stored > fileSize)
        throw ZipArchiveError(source + ": the entries claim more bytes than the file's " + std::to_string(fileSize));
      continue;
    }
    unpacked += std::min(e.uncompressedSize, kLargestCompressedTotal + 1);
    if (e.uncompressedSize > kLargestCompressedEntry || unpacked > kLargestCompressedTotal)
      throw ZipArchiveError(source + ": compressed entry '" + e.name + "' would unpack to " + std::to_string(e.uncompressedSize) +
                            " bytes from " + std::to_string(e.compressedSize) + " (at most " + std::to_string(kLargestCompressedEntry >> 20) +
                            " MiB each and " + std::to_string(kLargestCompressedTotal >> 20) +
                            " MiB in all; tensors are stored uncompressed): refused, not inflated");
  }
}

void
RequireBoundedZipArchive(const std::string & path)
{
  std::ifstream in(path, std::ios::binary);
  std::error_code ec;
  const std::uintmax_t size = std::filesystem::file_size(path, ec);
  if (!in || ec)
    throw ZipArchiveError(path + ": cannot open the file for reading");
  RequireBoundedEntries(ReadZipDirectory(in, size, path), size, path);
}

} // namespace sinus
