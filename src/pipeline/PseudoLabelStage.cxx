// SPDX-License-Identifier: Apache-2.0
// Pseudo-labels: the frozen teacher on every training image, without augmentation (optionally
// averaged with its prediction on the mirror image).
#include "PipelineStages.h"

#include "sinus/RankCoordination.h"

namespace sinus
{

namespace
{
/** The teacher's logits of `samples`: each rank predicts its RankShare, and every rank receives all. */
torch::Tensor
ShardedTeacherLogits(const StageContext & context, SegmenterImpl & teacher, const std::vector<SegmentationSample> & samples,
                     const std::string & which)
{
  const DataParallelGroup &               group = ProcessGroup();
  const IndexRange                        mine = RankShare(static_cast<int64_t>(samples.size()), group.Rank(), group.WorldSize());
  const std::vector<SegmentationSample>   share(samples.begin() + mine.begin, samples.begin() + mine.end);
  const auto                              abort = [&] { return context.AbortRequested(); };
  const auto                              predict = context.config.pseudoLabelMirror ? &PredictMirrorAveragedLogits : &PredictSampleLogits;
  torch::Tensor                           logits;
  RunOnEveryRank(group, "predicting the " + which + " images' pseudo-labels",
                 [&] { logits = share.empty() ? torch::Tensor() : predict(teacher, share, context.config.predictionBatch, context.device, abort); });
  return GatherRows(group, logits, mine, static_cast<int64_t>(samples.size()), "gathering the " + which + " images' pseudo-labels");
}
} // namespace

void
RunPseudoLabelStage(const StageContext & context)
{
  const std::vector<SegmentationSample> & labelled = context.data.labelled;
  const std::vector<SegmentationSample> & unlabelled = context.data.unlabelled;
  Segmenter           teacher = LoadStageSegmenter(context, context.folder.File("teacher.sinusseg"), PipelineStage::PseudoLabels);
  const int64_t       total = static_cast<int64_t>(labelled.size() + unlabelled.size());
  const torch::Tensor labelledLogits = ShardedTeacherLogits(context, *teacher, labelled, "labelled");
  context.Progress(PipelineStage::PseudoLabels, static_cast<int64_t>(labelled.size()), total);
  const torch::Tensor unlabelledLogits = ShardedTeacherLogits(context, *teacher, unlabelled, "unlabelled");
  context.Progress(PipelineStage::PseudoLabels, total, total);
  const auto path = context.folder.File("pseudo_labels.pt");
  RunOnLeader(ProcessGroup(), "saving the pseudo-labels", [&] {
    SaveStageTensors(path, { { "labelled_logits", labelledLogits }, { "unlabelled_logits", unlabelledLogits } }, context.StageNames());
  });
  context.Message(PipelineStage::PseudoLabels, "teacher logits of " + std::to_string(total) + " images in " + path.string());
}

} // namespace sinus
