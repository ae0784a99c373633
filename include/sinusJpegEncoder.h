// SPDX-License-Identifier: Apache-2.0
#ifndef sinusJpegEncoder_h
#define sinusJpegEncoder_h

#include <cstdint>
#include <string>

namespace sinus
{

/** The bytes of a baseline JPEG file of `height` rows of `width` 8-bit pixels of `channels`
 *  samples (1 grey, 3 RGB) at `quality` (ITK's default: 95), encoded in memory by libjpeg under an
 *  error handler of our own; throws std::runtime_error with libjpeg's reason. A spacing other than
 *  1 goes into the JFIF density in dots per inch (the spacing taken in millimetres). ITK 5.2's JPEG
 *  writer keeps libjpeg's default handler, which ends the whole process (exit 1) when a write
 *  fails, as on a full disk: images are encoded here and written by us. */
std::string
EncodeJpeg(const uint8_t * pixels, uint32_t width, uint32_t height, int channels, double spacingX, double spacingY, int quality);

} // namespace sinus

#endif
