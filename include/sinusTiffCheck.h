// SPDX-License-Identifier: Apache-2.0
#ifndef sinusTiffCheck_h
#define sinusTiffCheck_h

#include <string>

namespace sinus
{

/** Whether ITK would hand the file at `path` to its TIFF reader: a TIFF extension (.tif, .tiff,
 *  any case) or a TIFF byte-order mark (II*\0, MM\0*) at its start. */
bool
LooksLikeTiff(const std::string & path);

/** Opens the TIFF file with libtiff and decodes its first image, and throws std::runtime_error
 *  naming the file and libtiff's reason when it cannot: ITK 5.2's TIFF reader ends the process
 *  (std::terminate) on some corrupt files, found by fuzzing. A first image of more than
 *  `largestPixels` pixels is refused before decoding. */
void
RequireReadableTiff(const std::string & path, unsigned long long largestPixels);

} // namespace sinus

#endif
