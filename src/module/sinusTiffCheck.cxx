// SPDX-License-Identifier: Apache-2.0
#include "sinusTiffCheck.h"

#include "sinus/FileUtilities.h"

#include <cstdarg>
#include <cstdio>
#include <fstream>
#include <limits>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <vector>

#include <tiffio.h>

namespace sinus
{
namespace
{
/** libtiff reports through process-wide handlers; the last error is kept for the message. */
thread_local std::string t_LastTiffError;

void
KeepError(const char * module, const char * format, va_list arguments)
{
  char text[512];
  std::vsnprintf(text, sizeof(text), format, arguments);
  t_LastTiffError = std::string(module ? module : "libtiff") + ": " + text;
}

void
IgnoreWarning(const char *, const char *, va_list)
{}

struct TiffCloser
{
  void operator()(TIFF * tiff) const { TIFFClose(tiff); }
};

[[noreturn]] void
Refuse(const std::string & path, const std::string & reason)
{
  throw std::runtime_error(path + ": not a readable TIFF (" + reason + "); the file is truncated or corrupt");
}

/** An unsigned integer of `width` bytes at `offset` in the file's byte order; nothing past the end. */
std::optional<uint64_t>
ReadUnsigned(std::ifstream & in, uint64_t offset, int width, bool bigEndian)
{
  unsigned char bytes[8] = {};
  in.clear();
  in.seekg(static_cast<std::streamoff>(offset));
  if (!in.read(reinterpret_cast<char *>(bytes), width))
    return std::nullopt;
  uint64_t value = 0;
  for (int i = 0; i < width; ++i)
    value |= static_cast<uint64_t>(bytes[bigEndian ? width - 1 - i : i]) << (8 * i);
  return value;
}

/** The byte order and sizes of a classic TIFF or a BigTIFF file. */
struct TiffLayout
{
  bool bigEndian = false;
  bool big = false; ///< BigTIFF: 8-byte counts and offsets, 20-byte entries
  int  OffsetWidth() const { return big ? 8 : 4; }
  int  CountWidth() const { return big ? 8 : 2; }
  int  EntryWidth() const { return big ? 20 : 12; }
};

/** Refuses an ASCII entry that is empty or whose last byte is not NUL, as TIFF 6.0 requires of
 *  every ASCII value: ITK 5.2's reader measures the strings of tags unknown to libtiff with strlen
 *  and reads past libtiff's buffer otherwise (found by fuzzing). An entry whose value lies past the
 *  end of the file is left to libtiff, which refuses or skips it. Returns false for an entry past
 *  the end of the file (a truncated directory, which libtiff refuses). */
bool
RequireTerminatedText(std::ifstream & in, const TiffLayout & layout, uint64_t entry, const std::string & path)
{
  constexpr uint64_t kAsciiType = 2;
  const auto         type = ReadUnsigned(in, entry + 2, 2, layout.bigEndian);
  if (!type)
    return false;
  if (*type != kAsciiType)
    return true;
  const auto tag = ReadUnsigned(in, entry, 2, layout.bigEndian);
  const auto count = ReadUnsigned(in, entry + 4, layout.OffsetWidth(), layout.bigEndian);
  if (!count || *count == 0)
    Refuse(path, "its text tag " + std::to_string(tag.value_or(0)) + " is empty, without the NUL a TIFF text ends with");
  const uint64_t valueField = entry + 4 + static_cast<uint64_t>(layout.OffsetWidth());
  const bool     inEntry = *count <= static_cast<uint64_t>(layout.OffsetWidth());
  const auto     start = inEntry ? std::optional<uint64_t>(valueField) : ReadUnsigned(in, valueField, layout.OffsetWidth(), layout.bigEndian);
  if (!start || *start > std::numeric_limits<uint64_t>::max() - *count)
    return true;
  const auto last = ReadUnsigned(in, *start + *count - 1, 1, layout.bigEndian);
  if (last && *last != 0)
    Refuse(path, "its text tag " + std::to_string(tag.value_or(0)) + " does not end with the NUL a TIFF text ends with");
  return true;
}

/** Walks the chain of image directories (classic TIFF and BigTIFF) and refuses one that loops
 *  back on itself or is longer than a radiograph's file can need (libtiff here stops such a chain
 *  with a warning, but the older libtiff inside ITK 5.2 spins on it; found by fuzzing), and every
 *  unterminated text entry of each directory. */
void
RequireWellFormedDirectories(const std::string & path)
{
  constexpr int      kMostDirectories = 64;
  constexpr uint64_t kMostEntries = 65535; // what a classic TIFF directory can hold; libtiff's limit for BigTIFF too
  std::ifstream      in(path, std::ios::binary);
  TiffLayout         layout;
  layout.bigEndian = ReadFileStart(path, 4).rfind("MM", 0) == 0;
  const auto version = ReadUnsigned(in, 2, 2, layout.bigEndian);
  layout.big = version && *version == 43;
  auto               offset = ReadUnsigned(in, layout.big ? 8 : 4, layout.OffsetWidth(), layout.bigEndian);
  std::set<uint64_t> seen;
  for (int directory = 0; offset && *offset != 0; ++directory)
  {
    if (!seen.insert(*offset).second)
      Refuse(path, "its directory chain loops back to offset " + std::to_string(*offset));
    if (directory >= kMostDirectories)
      Refuse(path, "more than " + std::to_string(kMostDirectories) + " image directories");
    const auto entries = ReadUnsigned(in, *offset, layout.CountWidth(), layout.bigEndian);
    if (!entries)
      return; // a directory past the end: libtiff refuses the file with its own error
    if (*entries > kMostEntries)
      Refuse(path, "a directory of " + std::to_string(*entries) + " entries");
    const uint64_t first = *offset + static_cast<uint64_t>(layout.CountWidth());
    for (uint64_t e = 0; e < *entries; ++e)
      if (!RequireTerminatedText(in, layout, first + e * static_cast<uint64_t>(layout.EntryWidth()), path))
        return;
    offset = ReadUnsigned(in, first + *entries * static_cast<uint64_t>(layout.EntryWidth()), layout.OffsetWidth(), layout.bigEndian);
  }
}
} // namespace

bool
LooksLikeTiff(const std::string & path)
{
  const std::string extension = LowerCaseExtension(path);
  const std::string mark = ReadFileStart(path, 4);
  return extension == ".tif" || extension == ".tiff" || mark == std::string("II*\0", 4) || mark == std::string("MM\0*", 4);
}

void
RequireReadableTiff(const std::string & path, unsigned long long largestPixels)
{
  // Installed once, for the process (this libtiff serves these checks only; ITK carries its own).
  static const bool installed = [] {
    TIFFSetErrorHandler(KeepError);
    TIFFSetWarningHandler(IgnoreWarning);
    return true;
  }();
  (void)installed;
  RequireWellFormedDirectories(path);
  t_LastTiffError.clear();
  std::unique_ptr<TIFF, TiffCloser> tiff(TIFFOpen(path.c_str(), "r"));
  if (!tiff)
    Refuse(path, t_LastTiffError.empty() ? "cannot open" : t_LastTiffError);
  uint32_t width = 0, height = 0;
  if (!TIFFGetField(tiff.get(), TIFFTAG_IMAGEWIDTH, &width) || !TIFFGetField(tiff.get(), TIFFTAG_IMAGELENGTH, &height) || width == 0 ||
      height == 0)
    Refuse(path, "no image size in its first directory");
  if (static_cast<unsigned long long>(width) * height > largestPixels)
    Refuse(path, "the header claims " + std::to_string(width) + "x" + std::to_string(height) + " pixels, more than this program reads");
  uint16_t samples = 1, bits = 1;
  TIFFGetFieldDefaulted(tiff.get(), TIFFTAG_SAMPLESPERPIXEL, &samples);
  TIFFGetFieldDefaulted(tiff.get(), TIFFTAG_BITSPERSAMPLE, &bits);
  if (samples < 1 || bits < 1 || bits > 64 || static_cast<unsigned long long>(width) * height * samples > largestPixels)
    Refuse(path, std::to_string(samples) + " samples of " + std::to_string(bits) + " bits per pixel at " + std::to_string(width) + "x" +
                   std::to_string(height) + " pixels is not an image this program reads");
  // Every strip or tile decoded as stored (any sample format), as ITK's reader will decode them.
  const bool     tiled = TIFFIsTiled(tiff.get()) != 0;
  const uint32_t pieces = tiled ? TIFFNumberOfTiles(tiff.get()) : TIFFNumberOfStrips(tiff.get());
  const tmsize_t pieceSize = tiled ? TIFFTileSize(tiff.get()) : TIFFStripSize(tiff.get());
  if (pieces == 0 || pieceSize <= 0)
    Refuse(path, t_LastTiffError.empty() ? "no image data" : t_LastTiffError);
  std::vector<unsigned char> buffer(static_cast<size_t>(pieceSize));
  for (uint32_t piece = 0; piece < pieces; ++piece)
  {
    const tmsize_t decoded = tiled ? TIFFReadEncodedTile(tiff.get(), piece, buffer.data(), pieceSize)
                                   : TIFFReadEncodedStrip(tiff.get(), piece, buffer.data(), pieceSize);
    if (decoded < 0)
      Refuse(path, t_LastTiffError.empty() ? "its image data cannot be decoded" : t_LastTiffError);
  }
}

} // namespace sinus
