// SPDX-License-Identifier: Apache-2.0
#include "sinusJpegEncoder.h"

#include <cmath>
#include <string>
#include <csetjmp>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

#include <jpeglib.h>

namespace sinus
{
namespace
{
/** libjpeg's error manager with a way back out of libjpeg and the reason of the failure. */
struct JpegFailure
{
  jpeg_error_mgr manager;
  std::jmp_buf   back;
  char           reason[JMSG_LENGTH_MAX] = {};
};

[[noreturn]] void
KeepReasonAndLeave(j_common_ptr codec)
{
  auto * failure = reinterpret_cast<JpegFailure *>(codec->err);
  codec->err->format_message(codec, failure->reason);
  std::longjmp(failure->back, 1);
}

/** The libjpeg calls between setjmp and their end: only plain data lives in this frame, so a
 *  longjmp out of libjpeg skips no destructor. Returns false after a libjpeg error. */
bool
EncodeScanlines(jpeg_compress_struct & codec, JpegFailure & failure, const uint8_t * pixels, uint32_t width, uint32_t height, int channels,
                const UINT16 density[2], int quality, unsigned char ** bytes, unsigned long * size)
{
  if (setjmp(failure.back))
    return false;
  jpeg_create_compress(&codec);
  jpeg_mem_dest(&codec, bytes, size);
  codec.image_width = width;
  codec.image_height = height;
  codec.input_components = channels;
  codec.in_color_space = channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_set_defaults(&codec);
  jpeg_set_quality(&codec, quality, TRUE);
  if (density[0] != 0)
  {
    codec.density_unit = 1; // dots per inch
    codec.X_density = density[0];
    codec.Y_density = density[1];
  }
  jpeg_start_compress(&codec, TRUE);
  const size_t rowBytes = static_cast<size_t>(width) * static_cast<size_t>(channels);
  while (codec.next_scanline < codec.image_height)
  {
    JSAMPROW row = const_cast<JSAMPROW>(pixels + codec.next_scanline * rowBytes);
    jpeg_write_scanlines(&codec, &row, 1);
  }
  jpeg_finish_compress(&codec);
  return true;
}
} // namespace

std::string
EncodeJpeg(const uint8_t * pixels, uint32_t width, uint32_t height, int channels, double spacingX, double spacingY, int quality)
{
  if ((channels != 1 && channels != 3) || width == 0 || height == 0 || quality < 1 || quality > 100)
    throw std::runtime_error("JPEG holds 8-bit grey or RGB pixels of a non-empty image");
  UINT16 density[2] = { 0, 0 }; // none: spacing 1
  if (spacingX != 1.0 || spacingY != 1.0)
  {
    const double dpi[2] = { 25.4 / spacingX, 25.4 / spacingY };
    for (int axis = 0; axis < 2; ++axis)
    {
      if (!(dpi[axis] >= 0.5 && dpi[axis] < 65535.5))
        throw std::runtime_error("JPEG encoder: a spacing of " + std::to_string(axis == 0 ? spacingX : spacingY) +
                                 " mm is not a JFIF density (1 to 65535 dots per inch)");
      density[axis] = static_cast<UINT16>(std::lround(dpi[axis]));
    }
  }
  jpeg_compress_struct codec{};
  JpegFailure          failure;
  codec.err = jpeg_std_error(&failure.manager);
  failure.manager.error_exit = KeepReasonAndLeave;
  unsigned char * bytes = nullptr;
  unsigned long   size = 0;
  const bool      encoded = EncodeScanlines(codec, failure, pixels, width, height, channels, density, quality, &bytes, &size);
  jpeg_destroy_compress(&codec);
  std::string result;
  if (encoded)
    result.assign(reinterpret_cast<const char *>(bytes), size);
  std::free(bytes);
  if (!encoded)
    throw std::runtime_error(std::string("JPEG encoder: ") + failure.reason);
  return result;
}

} // namespace sinus
