// SPDX-License-Identifier: Apache-2.0
#include "sinus/PostprocessingSelection.h"

#include "sinus/SegmentationMetrics.h"

#include <cmath>
#include <utility>
#include <stdexcept>

namespace sinus
{
namespace
{
PostprocessingScore
ScoreCandidate(const std::vector<ValidationProbability> & images, const MaskPostprocessing & candidate)
{
  PostprocessingScore score{ candidate, 0.0, 0.0 };
  for (const ValidationProbability & image : images)
  {
    const Raster<uint8_t>     mask = ApplyMaskPostprocessing(image.probability, candidate);
    const SegmentationMetrics m =
      ComputeSegmentationMetrics(mask.data.data(), image.reference.data.data(), MaskGrid{ { mask.width, mask.height }, image.spacing });
    score.meanDice += m.dice;
    score.meanNormalizedHD95 += std::isnan(m.hd95.normalized) ? 1.0 : m.hd95.normalized;
  }
  score.meanDice /= static_cast<double>(images.size());
  score.meanNormalizedHD95 /= static_cast<double>(images.size());
  return score;
}

void
CheckValidationImages(const std::vector<ValidationProbability> & images)
{
  if (images.empty())
    throw std::invalid_argument("postprocessing choice: no validation images with labels");
  for (size_t i = 0; i < images.size(); ++i)
  {
    const ValidationProbability & image = images[i];
    if (image.probability.height != image.reference.height || image.probability.width != image.reference.width ||
        image.probability.channels != 1 || image.reference.channels != 1)
      throw std::invalid_argument("postprocessing choice: validation image " + std::to_string(i) + " has a probability map of " +
                                  std::to_string(image.probability.height) + "x" + std::to_string(image.probability.width) +
                                  " but a reference of " + std::to_string(image.reference.height) + "x" +
                                  std::to_string(image.reference.width));
  }
}
} // namespace

PostprocessingSearch
ParsePostprocessingSearch(const std::string & text)
{
  for (PostprocessingSearch s : { PostprocessingSearch::Off, PostprocessingSearch::SmallObjects, PostprocessingSearch::SmallObjectsAndValleys,
                                   PostprocessingSearch::SmallObjectsAndThreshold })
    if (text == ToString(s))
      return s;
  throw std::invalid_argument("unknown postprocessing '" + text +
                              "' (known: off, small_objects, small_objects_and_valleys, small_objects_and_threshold)");
}

const char *
ToString(PostprocessingSearch search)
{
  switch (search)
  {
    case PostprocessingSearch::Off:
      return "off";
    case PostprocessingSearch::SmallObjects:
      return "small_objects";
    case PostprocessingSearch::SmallObjectsAndValleys:
      return "small_objects_and_valleys";
    case PostprocessingSearch::SmallObjectsAndThreshold:
      break;
  }
  return "small_objects_and_threshold";
}

Json
PostprocessingScore::ToJson() const
{
  Json j = postprocessing.ToJson();
  j["mean_dice"] = meanDice;
  j["mean_normalized_hd95"] = meanNormalizedHD95;
  return j;
}

const PostprocessingScore &
PostprocessingChoice::Chosen() const
{
  for (const PostprocessingScore & s : scores)
    if (s.postprocessing == chosen)
      return s;
  throw std::logic_error("postprocessing choice: the chosen candidate has no score");
}

Json
PostprocessingChoice::ToJson() const
{
  Json j = Json::object();
  j["chosen"] = chosen.ToJson();
  j["validation_chosen"] = Chosen().ToJson();
  j["validation_plain"] = Plain().ToJson();
  Json all = Json::array();
  for (const PostprocessingScore & s : scores)
    all.push_back(s.ToJson());
  j["validation_candidates"] = all;
  return j;
}

std::vector<MaskPostprocessing>
PostprocessingCandidates(double smallestLabelledObjectFraction, PostprocessingSearch search)
{
  if (!(smallestLabelledObjectFraction >= 0.0 && smallestLabelledObjectFraction <= 1.0))
    throw std::invalid_argument("postprocessing candidates: the smallest labelled object must be a fraction in [0, 1] of the image, not " +
                                std::to_string(smallestLabelledObjectFraction));
  std::vector<MaskPostprocessing> candidates{ MaskPostprocessing{} };
  if (search == PostprocessingSearch::Off)
    return candidates;
  const std::vector<double> thresholds = search == PostprocessingSearch::SmallObjectsAndThreshold
                                           ? std::vector<double>{ 0.4, 0.5, 0.6, 0.7 }
                                           : std::vector<double>{ 0.5 };
  // (width fraction, depth); (0, 0) is no cut.
  std::vector<std::pair<double, double>> valleys{ { 0.0, 0.0 } };
  if (search == PostprocessingSearch::SmallObjectsAndValleys)
    for (double width : { 0.014, 0.021 })
      for (double depth : { 0.05, 0.1, 0.15 })
        valleys.emplace_back(width, depth);
  for (double threshold : thresholds)
    for (const auto & [valleyWidth, valleyDepth] : valleys)
      for (double multiple : { 0.0, 0.5, 1.0, 2.0 })
      {
        const MaskPostprocessing c{ threshold, multiple * smallestLabelledObjectFraction, valleyWidth, valleyDepth };
        // A size of the whole image or more would remove everything: not a candidate.
        if (c.Plain() || (multiple > 0 && smallestLabelledObjectFraction == 0) || c.minimumObjectFraction >= 1.0)
          continue;
        candidates.push_back(c);
      }
  return candidates;
}

PostprocessingChoice
ChoosePostprocessing(const std::vector<ValidationProbability> & images, const std::vector<MaskPostprocessing> & candidates,
                     double diceTolerance)
{
  CheckValidationImages(images);
  if (candidates.empty() || !candidates.front().Plain())
    throw std::invalid_argument("postprocessing choice: the first candidate must be the plain > 0.5");
  if (!(diceTolerance >= 0.0))
    throw std::invalid_argument("postprocessing choice: the Dice tolerance must not be negative");
  PostprocessingChoice choice;
  for (const MaskPostprocessing & c : candidates)
  {
    c.Validate("postprocessing candidate");
    choice.scores.push_back(ScoreCandidate(images, c));
  }
  const double lowestDice = choice.Plain().meanDice - diceTolerance;
  const PostprocessingScore * best = &choice.Plain();
  for (const PostprocessingScore & s : choice.scores)
    if (s.meanDice >= lowestDice && s.meanNormalizedHD95 < best->meanNormalizedHD95)
      best = &s;
  choice.chosen = best->postprocessing;
  return choice;
}

} // namespace sinus
