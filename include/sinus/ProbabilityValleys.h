// SPDX-License-Identifier: Apache-2.0
#ifndef sinus_ProbabilityValleys_h
#define sinus_ProbabilityValleys_h

#include "sinus/Raster.h"

#include <cstdint>

namespace sinus
{

/** Grey-level closing (maximum, then minimum) of a one-channel image with a `width x width` square,
 *  the window clipped at the image border. `width` must be odd and at least 1. */
Raster<float>
SquareClosing(const Raster<float> & image, int64_t width);

/** The pixels of a probability map that lie on a narrow valley: the map's closing with a
 *  `width x width` square exceeds it there by more than `depth`, and the pixel is no higher than
 *  both its left and right neighbours or both its upper and lower ones (the valley's floor, one
 *  pixel wide). Such valleys are where a network, seeing the image at a lower resolution than the
 *  labels, blurs the narrow gap between two neighbouring objects (the space between two teeth) into
 *  a dip that still stays above the threshold; cutting along the floor separates the objects and
 *  takes almost no area away. 1 on valley floors, 0 elsewhere. */
Raster<uint8_t>
ProbabilityValleyFloors(const Raster<float> & probability, int64_t width, double depth);

} // namespace sinus

#endif
