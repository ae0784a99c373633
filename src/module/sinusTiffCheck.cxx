// SPDX-License-Identifier: Apache-2.0
#include "sinusTiffCheck.h"

#include <algorithm>
#include <cctype>
#include <cstdarg>
#include <cstdio>
#include <filesystem>
#include <memory>
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
} // namespace

bool
LooksLikeTiff(const std::string & path)
{
  std::string extension = std::filesystem::path(path).extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (extension == ".tif" || extension == ".tiff")
    return true;
  std::unique_ptr<std::FILE, int (*)(std::FILE *)> file(std::fopen(path.c_str(), "rb"), std::fclose);
  unsigned char                                    mark[4];
  if (!file || std::fread(mark, 1, 4, file.get()) != 4)
    return false;
  return (mark[0] == 'I' && mark[1] == 'I' && mark[2] == 42 && mark[3] == 0) || (mark[0] == 'M' && mark[1] == 'M' && mark[2] == 0 && mark[3] == 42);
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
