// SPDX-License-Identifier: Apache-2.0
// Refinement of the unlabelled images' pseudo-labels with SinusCycle-GAN, or with the teacher's own
// postprocessing, or none (by setting).
#include "PipelineStages.h"

#include "sinus/FileUtilities.h"
#include "sinus/MaskPostprocessing.h"
#include "sinus/ModelFile.h"
#include "sinus/TensorDictionary.h"

#include <cstdio>
#include <vector>

namespace sinus
{
namespace fs = std::filesystem;

namespace
{
torch::Tensor
BinaryMasks(const torch::Tensor & logits)
{
  return (logits > 0).to(torch::kFloat32);
}

/** Teacher masks and ground truth of the labelled images (paired) and the unlabelled images'
 *  teacher masks, on the refiner's working grid and the context's device. */
RefinerTrainingData
RefinerInput(const StageContext & context, const RefinerConfig & refiner, const torch::Tensor & labelledLogits,
             const torch::Tensor & unlabelledLogits)
{
  const int64_t              h = refiner.workingHeight, w = refiner.workingWidth, grid = labelledLogits.size(-1);
  std::vector<torch::Tensor> labels;
  for (const auto & s : context.data.labelled)
    labels.push_back(s.LabelAt(grid));
  RefinerTrainingData d;
  d.pairedTeacher = ResizeMasksToWorkingGrid(BinaryMasks(labelledLogits), h, w).to(context.device);
  d.pairedTruth = ResizeMasksToWorkingGrid(torch::stack(labels), h, w).to(context.device);
  d.unpairedTeacher = ResizeMasksToWorkingGrid(BinaryMasks(unlabelledLogits), h, w).to(context.device);
  d.unpairedTruth = d.pairedTruth;
  return d;
}

SinusCycleGAN
TrainStageRefiner(const StageContext & context, const RefinerConfig & refinerConfig, const RefinerTrainingData & input)
{
  const RefinerTrainingOptions & training = context.config.refinerTraining;
  const fs::path                 checkpoint = context.folder.File("refinement.checkpoint");
  if (!context.options.resume)
  {
    std::error_code ec;
    fs::remove(checkpoint, ec);
  }
  const int64_t longer = std::max(input.unpairedTeacher.size(0), input.unpairedTruth.size(0));
  const int64_t batches = (longer + training.batchSize - 1) / training.batchSize;
  RefinerTrainingCallbacks callbacks;
  callbacks.shouldAbort = [&] { return context.AbortRequested(); };
  callbacks.onBatch = [&](int64_t epoch, int64_t batch, int64_t) {
    context.Progress(PipelineStage::Refinement, (epoch - 1) * batches + batch, training.epochs * batches);
  };
  callbacks.onEpoch = [&](const std::vector<RefinerEpochRecord> & log) {
    WriteFileAtomically(context.folder.File("refinement_log.csv"), FormatRefinerLogCsv(log));
    char line[200];
    std::snprintf(line, sizeof(line), "epoch %lld/%lld: generator loss %.4f, correction %.4f, %.1f s", static_cast<long long>(log.back().epoch),
                  static_cast<long long>(training.epochs), log.back().total, log.back().correction, log.back().seconds);
    context.Message(PipelineStage::Refinement, line);
  };
  torch::manual_seed(training.seed);
  SinusCycleGAN refiner(refinerConfig);
  try
  {
    refiner->to(context.device);
    TrainRefiner(refiner, input, training, checkpoint.string(), context.options.resume, callbacks);
  }
  catch (const RefinerTrainingAborted &)
  {
    throw;
  }
  catch (const std::exception & e)
  {
    throw StageError(PipelineStage::Refinement, e.what());
  }
  refiner->eval();
  return refiner;
}

void
ReportChangedPixels(const StageContext & context, const torch::Tensor & refined, const torch::Tensor & teacherMasks)
{
  const double changed = (refined != teacherMasks).to(torch::kFloat64).mean().item<double>();
  char         text[160];
  std::snprintf(text, sizeof(text), "refined %lld pseudo-labels; %.2f %% of their pixels changed", static_cast<long long>(refined.size(0)),
                100.0 * changed);
  context.Message(PipelineStage::Refinement, text);
}

/** The teacher's masks of `logits` (N, 1, H, W) through the postprocessing chosen for the teacher on
 *  the validation images, which is stored in its model file: the evaluation finds the same. */
torch::Tensor
PostprocessedTeacherMasks(const StageContext & context, const torch::Tensor & logits)
{
  const fs::path           path = context.folder.File("teacher.sinusseg");
  Json                     metadata;
  Segmenter                teacher = LoadStageSegmenter(context, path, PipelineStage::Refinement, &metadata);
  // Chosen on the validation probabilities made as the pseudo-labels' logits were (mirror-averaged
  // or not); the evaluation chooses again with its own setting.
  const MaskPostprocessing postprocessing = ChooseAndStorePostprocessing(context, PipelineStage::Refinement, path, *teacher, metadata, "teacher",
                                                                         context.config.pseudoLabelMirror);
  const torch::Tensor      probabilities = torch::sigmoid(logits.to(torch::kCPU, torch::kFloat32));
  const int64_t            count = probabilities.size(0);
  std::vector<torch::Tensor> masks;
  for (int64_t i = 0; i < count; ++i)
  {
    if (context.AbortRequested())
      throw SegmenterTrainingAborted("pseudo-label postprocessing aborted");
    const Raster<uint8_t> mask = ApplyMaskPostprocessing(TensorToRaster<float>(probabilities[i][0]), postprocessing);
    // gt() makes a tensor of its own: nothing aliases the raster after this iteration.
    masks.push_back(torch::from_blob(const_cast<uint8_t *>(mask.data.data()), { 1, mask.height, mask.width }, torch::kUInt8).gt(0).to(torch::kFloat32));
    context.Progress(PipelineStage::Refinement, i + 1, count);
  }
  context.Message(PipelineStage::Refinement, "pseudo-labels: the teacher's masks with " + postprocessing.Describe());
  return torch::stack(masks);
}
} // namespace

void
RunRefinementStage(const StageContext & context)
{
  const Json          names = context.StageNames();
  const fs::path      pseudoPath = context.folder.File("pseudo_labels.pt");
  const torch::Tensor labelledLogits = LoadStageTensor(pseudoPath, "labelled_logits", PipelineStage::Refinement, names);
  const torch::Tensor unlabelledLogits = LoadStageTensor(pseudoPath, "unlabelled_logits", PipelineStage::Refinement, names);
  torch::Tensor       pseudo = BinaryMasks(unlabelledLogits);
  if (context.config.refinement == RefinementMode::Off || context.data.unlabelled.empty())
  {
    context.Message(PipelineStage::Refinement, context.data.unlabelled.empty() ? "no unlabelled images: nothing to refine"
                                                                               : "refinement off: the teacher's masks are the pseudo-labels");
    SaveStageTensors(context.folder.File("refined_pseudo_labels.pt"), { { "pseudo_labels", pseudo } }, names);
    return;
  }
  if (context.config.refinement == RefinementMode::Postprocessing)
  {
    const torch::Tensor postprocessed = PostprocessedTeacherMasks(context, unlabelledLogits);
    ReportChangedPixels(context, postprocessed, pseudo);
    SaveStageTensors(context.folder.File("refined_pseudo_labels.pt"), { { "pseudo_labels", postprocessed } }, names);
    return;
  }
  RefinerConfig refinerConfig = context.config.refiner;
  refinerConfig.correctionCbam = context.config.refinement == RefinementMode::WithCbam;
  context.Message(PipelineStage::Refinement, std::string("training SinusCycle-GAN ") + (refinerConfig.correctionCbam ? "with" : "without") +
                                               " CBAM on " + std::to_string(context.data.labelled.size()) + " labelled pairs and " +
                                               std::to_string(context.data.unlabelled.size()) + " unlabelled teacher masks");
  const RefinerTrainingData input = RefinerInput(context, refinerConfig, labelledLogits, unlabelledLogits);
  SinusCycleGAN             refiner = TrainStageRefiner(context, refinerConfig, input);
  Json                      metadata = Json::object();
  metadata["stage"] = "refinement";
  SaveRefinerModel(context.folder.File("refiner.sinusseg").string(), *refiner, metadata);
  torch::NoGradGuard  noGrad;
  const torch::Tensor refinedLogits = refiner->RefineLogits(MaskToGeneratorRange(input.unpairedTeacher));
  const int64_t       grid = unlabelledLogits.size(-1);
  const torch::Tensor refined = (ResizeMasksToWorkingGrid(torch::sigmoid(refinedLogits), grid, grid) > 0.5).to(torch::kCPU, torch::kFloat32);
  ReportChangedPixels(context, refined, pseudo);
  SaveStageTensors(context.folder.File("refined_pseudo_labels.pt"), { { "pseudo_labels", refined } }, names);
}

} // namespace sinus
