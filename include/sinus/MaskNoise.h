// SPDX-License-Identifier: Apache-2.0
#ifndef sinus_MaskNoise_h
#define sinus_MaskNoise_h

#include "sinus/Json.h"
#include "sinus/Raster.h"

#include <cstdint>

namespace sinus
{

/** The error model of a teacher's sinus masks, used to test SinusCycle-GAN against known clean
 *  masks. Every length is a fraction of the mask's width, so one setting fits every resolution.
 *  The corrupted mask is {signed distance + offset + smooth jitter > 0}, then holes, specks, a
 *  missed part and a bulge are applied (each documented in Documentation/Refinement.md). */
struct MaskNoiseOptions
{
  double  boundaryJitter = 0.012;       ///< amplitude of a smooth random displacement of the boundary
  double  jitterCorrelation = 0.03;     ///< its correlation length (spacing of the random control grid)
  double  offsetMin = -0.01;            ///< uniform erosion (< 0, under-segmentation) ...
  double  offsetMax = 0.01;             ///< ... or dilation (> 0, over-segmentation), drawn per mask
  int64_t holesMax = 4;                 ///< 0..holesMax elliptic holes inside the mask
  double  holeRadiusMin = 0.004, holeRadiusMax = 0.012;
  int64_t specksMax = 6;                ///< 0..specksMax false-positive blobs near the mask
  double  speckRadiusMin = 0.002, speckRadiusMax = 0.008;
  double  speckDistance = 0.04;         ///< how far from the mask's bounding box specks may land
  double  missedPartProbability = 0.6;  ///< chance that a straight cut removes part of one component
  double  missedPartFraction = 0.3;     ///< at most this fraction of that component's extent is cut off
  double  bulgeProbability = 0.6;       ///< chance of an elliptic leak attached to the boundary
  double  bulgeRadiusMin = 0.008, bulgeRadiusMax = 0.02;

  static MaskNoiseOptions FromJson(const Json & json);
  Json                    ToJson() const;
};

/** Corrupts a clean mask (non-zero = foreground) deterministically from `seed`; returns 0/1. */
Raster<uint8_t>
CorruptMask(const Raster<uint8_t> & clean, const MaskNoiseOptions & options, uint64_t seed);

} // namespace sinus

#endif
