// SPDX-License-Identifier: Apache-2.0
#ifndef sinus_MaskPostprocessing_h
#define sinus_MaskPostprocessing_h

#include "sinus/Json.h"
#include "sinus/Raster.h"

#include <cstdint>
#include <optional>
#include <string>

namespace sinus
{

/** How a probability map becomes the final mask: foreground where the probability exceeds
 *  `threshold`, cut along the floors of probability valleys narrower than `valleyWidthFraction`
 *  of the image's shorter side and deeper than `valleyDepth` (ProbabilityValleyFloors; off when the
 *  width is 0), then every 8-connected object smaller than `minimumObjectFraction` of the image's
 *  pixels removed. Sizes are fractions of the image so that one model file means the same on a
 *  512 x 512 and a 2943 x 1435 radiograph. The default is the plain `> 0.5`. Training chooses it
 *  per model on the validation images (ChoosePostprocessing) and stores it in the model file. */
struct MaskPostprocessing
{
  double threshold = 0.5;
  double minimumObjectFraction = 0.0;
  double valleyWidthFraction = 0.0;
  double valleyDepth = 0.0;

  bool Plain() const { return threshold == 0.5 && minimumObjectFraction == 0.0 && !CutsValleys(); }
  bool CutsValleys() const { return valleyWidthFraction > 0.0; }
  /** Objects below this many pixels are removed on an image of `pixels` pixels (rounded up). */
  int64_t MinimumObjectPixels(int64_t pixels) const;
  /** The valley square's width in pixels on a `height x width` image: the fraction of the shorter
   *  side rounded to the nearest pixel, made odd (one more when even), at least 3. */
  int64_t ValleyWidthPixels(int64_t height, int64_t width) const;
  /** Throws std::invalid_argument unless 0 < threshold < 1, 0 <= minimumObjectFraction < 1,
   *  0 <= valleyWidthFraction <= 0.5, and 0 < valleyDepth < 1 when valleys are cut (0 otherwise). */
  void Validate(const std::string & where) const;
  /** {"threshold", "minimum_object_fraction"} and, when valleys are cut, "valley_width_fraction"
   *  and "valley_depth" (files written before valleys existed read as no cut). */
  Json ToJson() const;
  static MaskPostprocessing FromJson(const Json & json, const std::string & where);
  /** The postprocessing a model file's metadata stores (its "postprocessing" entry), if any;
   *  errors name `modelPath`. */
  static std::optional<MaskPostprocessing> FromModelMetadata(const Json & metadata, const std::string & modelPath);
  /** Stores this postprocessing in a model file's metadata (what FromModelMetadata reads). */
  void WriteToModelMetadata(Json & metadata) const;
  bool operator==(const MaskPostprocessing & other) const
  {
    return threshold == other.threshold && minimumObjectFraction == other.minimumObjectFraction &&
           valleyWidthFraction == other.valleyWidthFraction && valleyDepth == other.valleyDepth;
  }
  /** "> 0.5" or "> 0.6, cut along valleys under 1.4% of the shorter side deeper than 0.1, objects
   *  under 0.2% of the image removed": for logs and reports. */
  std::string Describe() const;
};

/** Removes every 8-connected object of fewer than `minimumPixels` non-zero pixels; the others keep
 *  their values. */
Raster<uint8_t>
RemoveSmallObjects(const Raster<uint8_t> & mask, int64_t minimumPixels);

/** The pixel count of the smallest 8-connected object of a mask (0 when it has none). */
int64_t
SmallestObjectPixels(const Raster<uint8_t> & mask);

/** `foreground` where the postprocessed probability map is foreground, 0 elsewhere. */
Raster<uint8_t>
ApplyMaskPostprocessing(const Raster<float> & probability, const MaskPostprocessing & postprocessing, uint8_t foreground = 1);

} // namespace sinus

#endif
