// SPDX-License-Identifier: Apache-2.0
// Pseudo-labels: the frozen teacher on every training image, without augmentation (optionally
// averaged with its prediction on the mirror image).
#include "PipelineStages.h"

namespace sinus
{

void
RunPseudoLabelStage(const StageContext & context)
{
  const std::vector<SegmentationSample> & labelled = context.data.labelled;
  const std::vector<SegmentationSample> & unlabelled = context.data.unlabelled;
  Segmenter           teacher = LoadStageSegmenter(context, context.folder.File("teacher.sinusseg"), PipelineStage::PseudoLabels);
  const int64_t       total = static_cast<int64_t>(labelled.size() + unlabelled.size());
  const auto          abort = [&] { return context.AbortRequested(); };
  const auto          predict = context.config.pseudoLabelMirror ? &PredictMirrorAveragedLogits : &PredictSampleLogits;
  const torch::Tensor labelledLogits = predict(*teacher, labelled, context.config.predictionBatch, context.device, abort);
  context.Progress(PipelineStage::PseudoLabels, static_cast<int64_t>(labelled.size()), total);
  const torch::Tensor unlabelledLogits = predict(*teacher, unlabelled, context.config.predictionBatch, context.device, abort);
  context.Progress(PipelineStage::PseudoLabels, total, total);
  const auto path = context.folder.File("pseudo_labels.pt");
  SaveStageTensors(path, { { "labelled_logits", labelledLogits }, { "unlabelled_logits", unlabelledLogits } }, context.StageNames());
  context.Message(PipelineStage::PseudoLabels, "teacher logits of " + std::to_string(total) + " images in " + path.string());
}

} // namespace sinus
