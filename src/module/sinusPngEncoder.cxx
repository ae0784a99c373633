// SPDX-License-Identifier: Apache-2.0
#include "sinusPngEncoder.h"

#include <png.h>

#include <csetjmp>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace sinus
{
namespace
{
/** What libpng's callbacks reach: the bytes written so far and the reason of a failure. */
struct PngOutput
{
  std::string bytes;
  char        error[256] = {};
};

void
AppendBytes(png_structp png, png_bytep data, png_size_t length)
{
  static_cast<PngOutput *>(png_get_io_ptr(png))->bytes.append(reinterpret_cast<const char *>(data), length);
}

void
FlushNothing(png_structp)
{}

[[noreturn]] void
KeepErrorAndLeave(png_structp png, png_const_charp message)
{
  auto * output = static_cast<PngOutput *>(png_get_error_ptr(png));
  std::strncpy(output->error, message ? message : "unknown error", sizeof(output->error) - 1);
  png_longjmp(png, 1);
}

void
IgnoreWarning(png_structp, png_const_charp)
{}

/** The libpng calls between setjmp and its end: only plain data lives in this frame, so a longjmp
 *  out of libpng skips no destructor. Returns false after a libpng error. */
bool
EncodeRows(png_structp png, png_infop info, png_bytep * rows, uint32_t width, uint32_t height, int colourType, int bitDepth, double spacingX,
           double spacingY, bool compress)
{
  if (setjmp(png_jmpbuf(png)))
    return false;
  png_set_compression_level(png, compress ? 6 : 0);
  png_set_IHDR(png, info, width, height, bitDepth, colourType, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_set_sCAL(png, info, PNG_SCALE_METER, spacingX, spacingY); // the unit ITK writes (and reads back as its spacing)
  png_write_info(png, info);
  const uint16_t probe = 1;
  if (bitDepth == 16 && *reinterpret_cast<const uint8_t *>(&probe) == 1)
    png_set_swap(png); // PNG stores 16-bit samples big-endian
  png_write_image(png, rows);
  png_write_end(png, nullptr);
  return true;
}
} // namespace

std::string
EncodePng(const void * pixels, uint32_t width, uint32_t height, int channels, int bitDepth, double spacingX, double spacingY,
          bool compress)
{
  if ((bitDepth != 8 && bitDepth != 16) || channels < 1 || channels > 4 || channels == 2 || width == 0 || height == 0)
    throw std::runtime_error("PNG holds 8- or 16-bit grey, RGB or RGBA pixels of a non-empty image");
  const int colourType = channels == 1 ? PNG_COLOR_TYPE_GRAY : channels == 3 ? PNG_COLOR_TYPE_RGB : PNG_COLOR_TYPE_RGB_ALPHA;
  PngOutput output;
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &output, KeepErrorAndLeave, IgnoreWarning);
  png_infop   info = png ? png_create_info_struct(png) : nullptr;
  if (!png || !info)
  {
    png_destroy_write_struct(&png, nullptr);
    throw std::runtime_error("PNG encoder: out of memory");
  }
  png_set_write_fn(png, &output, AppendBytes, FlushNothing);
  const size_t           rowBytes = static_cast<size_t>(width) * static_cast<size_t>(channels) * static_cast<size_t>(bitDepth / 8);
  std::vector<png_bytep> rows(height);
  for (uint32_t y = 0; y < height; ++y)
    rows[y] = const_cast<png_bytep>(static_cast<const png_byte *>(pixels) + y * rowBytes);
  const bool encoded = EncodeRows(png, info, rows.data(), width, height, colourType, bitDepth, spacingX, spacingY, compress);
  png_destroy_write_struct(&png, &info);
  if (!encoded)
    throw std::runtime_error(std::string("PNG encoder: ") + output.error);
  return std::move(output.bytes);
}

} // namespace sinus
