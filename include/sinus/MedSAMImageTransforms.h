// SPDX-License-Identifier: Apache-2.0
#ifndef sinus_MedSAMImageTransforms_h
#define sinus_MedSAMImageTransforms_h

#include "sinus/Raster.h"

#include <cstdint>
#include <functional>

namespace sinus
{

/** Called with the completed fraction in [0,1]; may throw to abort the computation. */
using ProgressCallback = std::function<void(double)>;

/** skimage.transform.resize(image, (outHeight, outWidth), order=3, mode='reflect', clip=True,
 *  preserve_range=True, anti_aliasing=True), reproduced operation by operation so that the uint8
 *  truncation that follows gives the same grey levels as MedSAM's Python pipeline:
 *   1. Gaussian anti-aliasing, sigma = max(0, (in/out - 1)/2) per spatial axis, scipy 'mirror'
 *      boundary, kernel radius int(4 sigma + 0.5) (AntiAliasGaussian1D);
 *   2. cubic B-spline prefilter on every axis, channel axis included (BSplinePrefilter1D);
 *   3. scipy.ndimage.zoom(grid_mode=True) evaluation at ((i + 0.5) * in/out - 0.5) with mirrored
 *      taps (ZoomCubicBSpline);
 *   4. clipping to the input's [min, max].
 *  `image` is (H, W, C); the result is (outHeight, outWidth, C) in float64. */
Raster<double>
ResizeLikeSkimage(const Raster<double> & image, int64_t outHeight, int64_t outWidth,
                  const ProgressCallback & progress = {});

/** numpy's `astype(np.uint8)` of values already clipped to [0, 255]: truncation toward zero. */
Raster<uint8_t>
TruncateToUInt8(const Raster<double> & image);

/** MedSAM's normalisation `(u8 - min) / max(max - min, 1e-8)` over the whole array, evaluated in
 *  float64 and stored as float32 (eq. of MedSAM_Inference.py). */
Raster<float>
MinMaxNormalize(const Raster<uint8_t> & image);

/** Brings a grey image into MedSAM's 8-bit range in place. With `rescale`, the image's [min, max]
 *  is mapped linearly to [0, 255] (a constant image becomes 0); without it, values outside
 *  [0, 255] are an error (std::out_of_range), never clamped. NaN or infinity is an error
 *  (std::invalid_argument). */
void
MapToMedSAMRange(Raster<double> & grey, bool rescale);

/** Everything MedSAM does to a grey radiograph before the image encoder: replicate to 3 channels,
 *  ResizeLikeSkimage to `inputSize` x `inputSize`, truncate to uint8, MinMaxNormalize.
 *  `grey` holds one channel of values in [0, 255]. */
struct MedSAMPreprocessed
{
  Raster<uint8_t> resizedUInt8; ///< (N, N, 3), the uint8 image MedSAM feeds to the normalisation
  Raster<float>   input;        ///< (N, N, 3), min-max normalised to [0, 1]
};
MedSAMPreprocessed
PreprocessForMedSAM(const Raster<double> & grey, int64_t inputSize, const ProgressCallback & progress = {});


/** `probability > threshold` as a 0/`foreground` mask (MedSAM thresholds at 0.5). */
Raster<uint8_t>
ThresholdProbability(const Raster<float> & probability, float threshold = 0.5f, uint8_t foreground = 1);

} // namespace sinus

#endif
