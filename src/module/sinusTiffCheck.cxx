// SPDX-License-Identifier: Apache-2.0
#include "sinusTiffCheck.h"

#include "sinus/FileUtilities.h"

#include <cstdarg>
#include <cstdio>
#include <fstream>
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

/** Walks the chain of image directories (classic TIFF and BigTIFF) and refuses one that loops
 *  back on itself or is longer than a radiograph's file can need: libtiff here stops such a chain
 *  with a warning, but the older libtiff inside ITK 5.2 spins on it (found by fuzzing). */
void
RequireFiniteDirectoryChain(const std::string & path)
{
  constexpr int kMostDirectories = 64;
  std::ifstream in(path, std::ios::binary);
  const std::string start = ReadFileStart(path, 4);
  const bool        bigEndian = start.rfind("MM", 0) == 0;
  const auto        version = ReadUnsigned(in, 2, 2, bigEndian);
  const bool        big = version && *version == 43;
  auto              offset = ReadUnsigned(in, big ? 8 : 4, big ? 8 : 4, bigEndian);
  std::set<uint64_t> seen;
  for (int directory = 0; offset && *offset != 0; ++directory)
  {
    if (!seen.insert(*offset).second)
      Refuse(path, "its directory chain loops back to offset " + std::to_string(*offset));
    if (directory >= kMostDirectories)
      Refuse(path, "more than " + std::to_string(kMostDirectories) + " image directories");
    const auto entries = ReadUnsigned(in, *offset, big ? 8 : 2, bigEndian);
    if (!entries)
      return; // a directory past the end: libtiff refuses the file with its own error
    offset = ReadUnsigned(in, *offset + (big ? 8 : 2) + *entries * (big ? 20 : 12), big ? 8 : 4, bigEndian);
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
  RequireFiniteDirectoryChain(path);
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
