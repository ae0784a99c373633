// SPDX-License-Identifier: Apache-2.0
#ifndef sinus_PostprocessingSelection_h
#define sinus_PostprocessingSelection_h

#include "sinus/MaskPostprocessing.h"

#include <vector>

namespace sinus
{

/** What the choice may change: nothing (the plain `> 0.5`), the smallest kept object at the
 *  plain threshold, that and a cut along narrow probability valleys, or the smallest object and
 *  the threshold. Removing small objects only takes away stray detections; a valley cut or a
 *  higher threshold also separates neighbours merged across narrow gaps -- the cut along a
 *  one-pixel line, the threshold at the cost of some overlap (Documentation/benchmarks.md measures
 *  all three). */
enum class PostprocessingSearch
{
  Off,
  SmallObjects,
  SmallObjectsAndValleys,
  SmallObjectsAndThreshold
};
/** "off" | "small_objects" | "small_objects_and_valleys" | "small_objects_and_threshold" */
PostprocessingSearch
ParsePostprocessingSearch(const std::string & text);
const char *
ToString(PostprocessingSearch search);

/** One validation image as the choice needs it: the model's probability map and the 0/1 reference
 *  on the image's own grid, and its x, y spacing. */
struct ValidationProbability
{
  Raster<float>       probability;
  Raster<uint8_t>     reference;
  std::vector<double> spacing{ 1.0, 1.0 };
};

/** A candidate's mean Dice and mean HD95 (normalised by the image diagonal) over the validation
 *  images. An image where the candidate predicts nothing but the reference has something counts
 *  the whole diagonal (1), the worst distance there is. */
struct PostprocessingScore
{
  MaskPostprocessing postprocessing;
  double             meanDice = 0;
  double             meanNormalizedHD95 = 0;
  Json               ToJson() const;
};

struct PostprocessingChoice
{
  MaskPostprocessing               chosen;
  std::vector<PostprocessingScore> scores; ///< every candidate, the plain `> 0.5` first
  const PostprocessingScore &      Plain() const { return scores.front(); }
  const PostprocessingScore &      Chosen() const;
  Json                             ToJson() const; ///< chosen, plain, chosen's score, every score
};

/** The candidates: the plain threshold 0.5 (with SmallObjects and SmallObjectsAndValleys) or
 *  0.4, 0.5, 0.6, 0.7 (with SmallObjectsAndThreshold); with SmallObjectsAndValleys each without a
 *  cut and cutting valleys 1.4% and 2.1% of the shorter side wide (7 and 11 pixels on 512 x 512)
 *  deeper than 0.05, 0.1 and 0.15; each of these without removal and removing objects smaller than
 *  1/2, 1 and 2 times the smallest object of the labelled masks
 *  (`smallestLabelledObjectFraction` of the image; 0 gives no removal; sizes of the whole
 *  image or more are left out, as they would remove everything). The plain `> 0.5`
 *  comes first. The range is nnU-Net's idea -- decide postprocessing on held-out cases -- widened
 *  to thresholds and to the object size the labels themselves never go below. */
std::vector<MaskPostprocessing>
PostprocessingCandidates(double smallestLabelledObjectFraction, PostprocessingSearch search);

/** Scores every candidate on the validation images and chooses, among the candidates whose mean
 *  Dice is at most `diceTolerance` below the plain threshold's, the one with the lowest mean HD95;
 *  the plain one unless another is strictly better. The first candidate must be the plain one. */
PostprocessingChoice
ChoosePostprocessing(const std::vector<ValidationProbability> & images, const std::vector<MaskPostprocessing> & candidates,
                     double diceTolerance);

} // namespace sinus

#endif
