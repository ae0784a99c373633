// SPDX-License-Identifier: Apache-2.0
// Each model's postprocessing, chosen on the validation images and written into its model file, so
// that `sinusseg predict` gives what the evaluation measured: the evaluation stage's first step, and
// the refinement stage's for the teacher when the pseudo-labels are its postprocessed masks.
#include "PipelineStages.h"

#include "sinus/PostprocessingSelection.h"
#include "sinus/TestTimeMirror.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace sinus
{
namespace
{
/** How far below the plain threshold's mean validation Dice a candidate may fall: the choice is
 *  for fewer stray objects and merged neighbours (HD95), not for trading overlap away. */
constexpr double kPostprocessingDiceTolerance = 0.002;

/** The smallest labelled object as a fraction of its image (0 when no labelled mask has one). */
double
SmallestLabelledObjectFraction(const std::vector<SegmentationSample> & labelled)
{
  double smallest = std::numeric_limits<double>::infinity();
  for (const SegmentationSample & s : labelled)
    if (s.smallestObjectFraction > 0)
      smallest = std::min(smallest, s.smallestObjectFraction);
  return std::isinf(smallest) ? 0.0 : smallest;
}
} // namespace

std::optional<PostprocessingChoice>
ChooseStagePostprocessing(const StageContext & context, PipelineStage stage, SegmenterImpl & model, const std::string & modelName,
                          bool mirrorAveraged)
{
  std::vector<SegmentationSample> validation;
  for (const SegmentationSample & s : context.data.validation)
    if (!s.fullLabel.Empty())
      validation.push_back(s);
  if (validation.empty())
  {
    context.Message(stage, modelName + ": no labelled validation images: postprocessing stays > 0.5");
    return std::nullopt;
  }
  const std::vector<Raster<float>>   probabilities = PredictOriginalProbabilities(model, validation, context.config.predictionBatch, context.device, mirrorAveraged);
  std::vector<ValidationProbability> images;
  for (size_t i = 0; i < validation.size(); ++i)
    images.push_back(ValidationProbability{ probabilities[i], validation[i].fullLabel, validation[i].spacing });
  const double smallest = SmallestLabelledObjectFraction(context.data.labelled);
  PostprocessingChoice choice = ChoosePostprocessing(images, PostprocessingCandidates(smallest, context.config.postprocessing), kPostprocessingDiceTolerance);
  const PostprocessingScore &plain = choice.Plain(), &chosen = choice.Chosen();
  context.Message(stage, modelName + ": postprocessing chosen on " + std::to_string(images.size()) + " validation images" +
                                               (mirrorAveraged ? " (mirror-averaged)" : "") + ": " + choice.chosen.Describe() + " (validation Dice " +
                                               std::to_string(plain.meanDice) + " -> " + std::to_string(chosen.meanDice) +
                                               ", HD95 " + std::to_string(plain.meanNormalizedHD95) + " -> " +
                                               std::to_string(chosen.meanNormalizedHD95) + " of the diagonal)");
  return choice;
}

MaskPostprocessing
ChooseAndStorePostprocessing(const StageContext & context, PipelineStage stage, const std::filesystem::path & modelPath, SegmenterImpl & model,
                             const Json & metadata, const std::string & modelName, bool mirrorAveraged, Json * report)
{
  std::optional<PostprocessingChoice> choice;
  if (context.config.postprocessing != PostprocessingSearch::Off)
    choice = ChooseStagePostprocessing(context, stage, model, modelName, mirrorAveraged);
  Json stored = metadata;
  if (choice)
    choice->chosen.WriteToModelMetadata(stored);
  WriteTestTimeMirror(stored, mirrorAveraged);
  // Rewritten only when something changed: a model file shared by several runs (ablation rows
  // share the teacher) stays byte for byte the same.
  if (stored != metadata)
    SaveSegmenterModel(modelPath.string(), model, stored);
  if (report && choice)
    *report = choice->ToJson();
  return choice ? choice->chosen : MaskPostprocessing{};
}

} // namespace sinus
