// SPDX-License-Identifier: Apache-2.0
#ifndef sinusPngEncoder_h
#define sinusPngEncoder_h

#include <cstdint>
#include <string>

namespace sinus
{

/** The bytes of a PNG file holding `height` rows of `width` pixels of `channels` samples (1 grey,
 *  3 RGB, 4 RGBA) of `bitDepth` bits (8, or 16 in the machine's byte order), encoded in memory by
 *  libpng under an error handler of our own; throws std::runtime_error with libpng's reason. The
 *  pixel spacing goes into an sCAL chunk, as ITK's PNG writer stores it.
 *  ITK 5.2's PNG writer crashes (a segmentation fault, or a double free) when a write fails in
 *  the middle of the image, as on a full disk: images are encoded here and written by us. */
std::string
EncodePng(const void * pixels, uint32_t width, uint32_t height, int channels, int bitDepth, double spacingX, double spacingY,
          bool compress);

} // namespace sinus

#endif
