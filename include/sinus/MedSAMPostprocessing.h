// SPDX-License-Identifier: Apache-2.0
#ifndef sinus_MedSAMPostprocessing_h
#define sinus_MedSAMPostprocessing_h

#include "sinus/Raster.h"

#include <cstdint>

namespace sinus
{

/** torch.nn.functional.interpolate(mode='bilinear', align_corners=False) of one float32 channel
 *  from (H, W) to (outHeight, outWidth), computed by LibTorch itself. Used to
 *  bring MedSAM's low-resolution probability map back to the radiograph's grid. */
Raster<float>
ResizeBilinearAlignCornersFalse(const Raster<float> & image, int64_t outHeight, int64_t outWidth);

} // namespace sinus

#endif
