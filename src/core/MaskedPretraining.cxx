// SPDX-License-Identifier: Apache-2.0
#include "sinus/MaskedPretraining.h"

#include "sinus/LossText.h"
#include "sinus/MaskedAutoencoderDecoder.h"
#include "sinus/PatchMasking.h"
#include "sinus/GradientAveraging.h"
#include "sinus/PatchReconstructionHead.h"
#include "sinus/RankCoordination.h"
#include "sinus/SegmentationSample.h"
#include "sinus/SegmenterRegistry.h"
#include "sinus/TrainingCheckpoint.h"

#include <chrono>
#include <cmath>
#include <filesystem>

namespace sinus
{

namespace
{
constexpr const char * kCheckpointFormat = "sinusseg-pretraining-checkpoint-1";

/** Encoder features brought to the patch grid (an encoder that stops above stride 16, e.g. a
 *  shallow U-Net, is average-pooled to it). */
torch::Tensor
OnPatchGrid(const torch::Tensor & features, int64_t grid)
{
  if (features.size(2) == grid && features.size(3) == grid)
    return features;
  if (features.size(2) < grid)
    throw MaskedPretrainingError("the encoder's features (" + std::to_string(features.size(2)) + " x " + std::to_string(features.size(3)) +
                                 ") are coarser than the " + std::to_string(grid) + " x " + std::to_string(grid) + " patch grid");
  return torch::adaptive_avg_pool2d(features, { grid, grid });
}

/** Each image flipped left-right with probability 1/2 (radiographs are nearly symmetric; the
 *  masks are the main augmentation, as in MAE). */
torch::Tensor
RandomHorizontalFlip(const torch::Tensor & images)
{
  const torch::Tensor flip = (torch::rand({ images.size(0), 1, 1, 1 }) < 0.5).to(images.device());
  return torch::where(flip, images.flip({ 3 }), images);
}
} // namespace

std::string
MaskedPretrainingOptions::ObjectiveFor(const SegmenterImpl & segmenter) const
{
  if (objective == "auto")
    return segmenter.EncodesPatchSubsets() ? "mae" : "masked_image";
  if (objective == "mae" && !segmenter.EncodesPatchSubsets())
    throw std::invalid_argument("objective mae: the " + segmenter.Architecture() +
                                " encoder must see the whole image (convolutions or windowed attention); use masked_image");
  return objective;
}

double
MaskedPretrainingOptions::MaskRatioFor(const std::string & chosen) const
{
  if (maskRatio > 0)
    return maskRatio;
  return chosen == "mae" ? 0.75 : 0.6;
}

double
MaskedPretrainingOptions::LearningRateAt(int64_t epoch) const
{
  const double progress = static_cast<double>(epoch - 1) / static_cast<double>(std::max<int64_t>(epochs, 1));
  return learningRate * 0.5 * (1.0 + std::cos(M_PI * progress));
}

Json
MaskedPretrainingOptions::ToJson() const
{
  return Json{ { "objective", objective },         { "mask_ratio", maskRatio },       { "epochs", epochs },
               { "batch_size", batchSize },        { "learning_rate", learningRate }, { "weight_decay", weightDecay },
               { "seed", seed },                   { "decoder_dim", decoderDim },     { "decoder_depth", decoderDepth },
               { "decoder_heads", decoderHeads } };
}

void
MaskedPretrainingOptions::Validate() const
{
  if (objective != "auto" && objective != "mae" && objective != "masked_image")
    throw std::invalid_argument("unknown pretraining objective '" + objective + "' (known: auto, mae, masked_image)");
  if (maskRatio < 0 || maskRatio >= 1)
    throw std::invalid_argument("mask ratio " + std::to_string(maskRatio) + " must lie in (0, 1) (0: the objective's default)");
  if (epochs < 1 || batchSize < 1)
    throw std::invalid_argument("pretraining needs at least one epoch and a batch of at least one image");
  if (!(learningRate > 0) || weightDecay < 0)
    throw std::invalid_argument("pretraining learning rate must be positive and weight decay non-negative");
  if (decoderDim < 1 || decoderDepth < 0 || decoderHeads < 1 || decoderDim % decoderHeads != 0)
    throw std::invalid_argument("MAE decoder width must be a positive multiple of its heads");
}


struct MaskedPretrainer::State
{
  SegmenterImpl &                      segmenter;
  MaskedPretrainingOptions             options;
  torch::Device                        device;
  std::string                          objective;
  double                               ratio = 0;
  int64_t                              size = 0, grid = 0, channels = 3;
  MaskedAutoencoderDecoder             decoder{ nullptr };
  PatchReconstructionHead              head{ nullptr };
  std::vector<std::string>             encoderParameters;
  std::vector<MaskedPretrainingRecord> log;
  const DataParallelGroup &            group = ProcessGroup();

  State(SegmenterImpl & s, const MaskedPretrainingOptions & o, const torch::Device & d)
    : segmenter(s)
    , options(o)
    , device(d)
  {}

  int64_t              Patches() const { return grid * grid; }
  torch::nn::Module &  Reconstructor() { return decoder ? static_cast<torch::nn::Module &>(*decoder) : *head; }
  void                 BuildReconstructor();
  void                 FindEncoderParameters();
  torch::Tensor        Predict(const torch::Tensor & images, const PatchMask & mask);
  std::vector<torch::Tensor> TrainableParameters();
  std::string          Identity(const std::vector<torch::Tensor> & images) const;
  void                 Save(const std::string & path, const std::vector<torch::Tensor> & images, torch::optim::AdamW & optimizer);
  void                 Load(const std::string & path, const std::vector<torch::Tensor> & images, torch::optim::AdamW & optimizer);
  torch::Tensor        Batch(const std::vector<torch::Tensor> & images, const torch::Tensor & order, int64_t first, int64_t count) const;
  /** One optimiser step on the global batch of `count` images from `first` (this rank's rows of
   *  it in a data-parallel job); returns the batch's mean loss over every rank. */
  double Step(const std::vector<torch::Tensor> & images, const torch::Tensor & order, int64_t first, int64_t count,
              torch::optim::AdamW & optimizer);
  /** In a data-parallel job: every rank has the same images and resumes from the same epoch, and
   *  starts from rank 0's weights. */
  void RequireSameStart(const std::vector<torch::Tensor> & images);
  MaskedPretrainingRecord Epoch(int64_t epoch, const std::vector<torch::Tensor> & images, torch::optim::AdamW & optimizer,
                                const MaskedPretrainingCallbacks & callbacks);
};

void
MaskedPretrainer::State::BuildReconstructor()
{
  // One forward pass on a blank image tells the width of the encoder's output.
  torch::NoGradGuard  noGrad;
  const torch::Tensor blank = torch::zeros({ 1, channels, size, size }, device);
  const int64_t       patchValues = kPretrainingPatchSize * kPretrainingPatchSize * channels;
  torch::manual_seed(options.seed);
  if (objective == "mae")
  {
    const torch::Tensor all = torch::arange(Patches(), torch::TensorOptions().dtype(torch::kLong).device(device)).unsqueeze(0);
    const int64_t       width = segmenter.EncodeVisiblePatches(blank, all).size(2);
    decoder = MaskedAutoencoderDecoder(width, Patches(), patchValues, options.decoderDim, options.decoderDepth, options.decoderHeads);
  }
  else
  {
    head = PatchReconstructionHead(OnPatchGrid(segmenter.EncoderFeatures(blank), grid).size(1), patchValues);
  }
  Reconstructor().to(device);
}

void
MaskedPretrainer::State::FindEncoderParameters()
{
  // The parameters the objective reaches are the ones a gradient arrives at.
  for (auto & p : segmenter.parameters())
    p.set_requires_grad(true);
  const PatchMask mask = RandomPatchMask(1, Patches(), ratio, device);
  Predict(torch::zeros({ 1, channels, size, size }, device), mask).sum().backward();
  for (auto & item : segmenter.named_parameters())
  {
    if (item.value().grad().defined())
      encoderParameters.push_back(item.key());
    item.value().mutable_grad() = torch::Tensor();
  }
  for (auto & p : Reconstructor().parameters())
    p.mutable_grad() = torch::Tensor();
  if (encoderParameters.empty())
    throw MaskedPretrainingError("the " + segmenter.Architecture() + " encoder has no parameters to pretrain");
}

torch::Tensor
MaskedPretrainer::State::Predict(const torch::Tensor & images, const PatchMask & mask)
{
  if (objective == "mae")
    return decoder->forward(segmenter.EncodeVisiblePatches(images, mask.visible), mask.visible);
  return head->forward(OnPatchGrid(segmenter.EncoderFeatures(BlankHiddenPatches(images, mask.masked, kPretrainingPatchSize)), grid));
}

std::vector<torch::Tensor>
MaskedPretrainer::State::TrainableParameters()
{
  std::vector<torch::Tensor> trainable = Reconstructor().parameters();
  const auto                 named = segmenter.named_parameters();
  for (const auto & name : encoderParameters)
    trainable.push_back(named[name]);
  return trainable;
}

std::string
MaskedPretrainer::State::Identity(const std::vector<torch::Tensor> & images) const
{
  Json o = options.ToJson();
  o["epochs"] = nullptr; // may grow on resume
  int64_t checksum = 0;
  for (const auto & image : images)
    checksum += image.to(torch::kLong).sum().item<int64_t>();
  return Json{ { "model", SegmenterSpec{ segmenter.Architecture(), segmenter.ConfigJson() }.ToJson() },
               { "options", o },
               { "images", static_cast<int64_t>(images.size()) },
               { "pixel_sum", checksum } }
    .dump();
}

void
MaskedPretrainer::State::Save(const std::string & path, const std::vector<torch::Tensor> & images, torch::optim::AdamW & optimizer)
{
  WriteTrainingCheckpoint(path, kCheckpointFormat, Identity(images), [&](torch::serialize::OutputArchive & archive) {
    torch::serialize::OutputArchive weights, reconstructor, optimizerState;
    segmenter.save(weights);
    Reconstructor().save(reconstructor);
    optimizer.save(optimizerState);
    archive.write("weights", weights);
    archive.write("reconstructor", reconstructor);
    archive.write("optimizer", optimizerState);
    Json records = Json::array();
    for (const auto & r : log)
      records.push_back(Json{ { "epoch", r.epoch }, { "loss", r.loss }, { "learning_rate", r.learningRate }, { "seconds", r.seconds } });
    archive.write("log", c10::IValue(records.dump()));
  });
}

void
MaskedPretrainer::State::Load(const std::string & path, const std::vector<torch::Tensor> & images, torch::optim::AdamW & optimizer)
{
  ReadTrainingCheckpoint(
    path, kCheckpointFormat, "SinusSeg pretraining", Identity(images),
    [&](torch::serialize::InputArchive & archive) {
      torch::serialize::InputArchive weights, reconstructor, optimizerState;
      archive.read("weights", weights);
      archive.read("reconstructor", reconstructor);
      archive.read("optimizer", optimizerState);
      segmenter.load(weights);
      Reconstructor().load(reconstructor);
      optimizer.load(optimizerState);
      c10::IValue text;
      archive.read("log", text);
      const Json records = ParseJson(text.toStringRef());
      log.clear();
      for (const Json & r : records)
        log.push_back(MaskedPretrainingRecord{ r.at("epoch").get<int64_t>(), r.at("loss").get<double>(),
                                               r.at("learning_rate").get<double>(), r.at("seconds").get<double>() });
    },
    device);
}

torch::Tensor
MaskedPretrainer::State::Batch(const std::vector<torch::Tensor> & images, const torch::Tensor & order, int64_t first, int64_t count) const
{
  std::vector<torch::Tensor> chosen;
  for (int64_t i = first; i < first + count; ++i)
    chosen.push_back(images[static_cast<size_t>(order[i].item<int64_t>())]);
  return NormalizeSampleImages(torch::stack(chosen)).to(device);
}

void
MaskedPretrainer::State::RequireSameStart(const std::vector<torch::Tensor> & images)
{
  if (!group.Distributed())
    return;
  const std::vector<bool> same = SameOnEveryRank(group, { static_cast<int64_t>(images.size()), static_cast<int64_t>(log.size()) },
                                                  "pretraining: comparing the ranks' images and checkpoints");
  if (!same[0] || !same[1])
    throw MaskedPretrainingError("rank " + std::to_string(group.Rank()) + ": the ranks read different images or resume from different epochs (this rank: " +
                                 std::to_string(images.size()) + " images, " + std::to_string(log.size()) +
                                 " epochs done); start every rank with the same options and a checkpoint folder they all see");
  BroadcastModuleState(group, segmenter);
  BroadcastModuleState(group, Reconstructor());
}

double
MaskedPretrainer::State::Step(const std::vector<torch::Tensor> & images, const torch::Tensor & order, int64_t first, int64_t count,
                              torch::optim::AdamW & optimizer)
{
  // Every rank draws the whole global batch's flips and masks from the same generator, so the
  // ranks together see what one process would, then trains on its own block of it.
  const torch::Tensor batch = RandomHorizontalFlip(Batch(images, order, first, count));
  const PatchMask     mask = RandomPatchMask(batch.size(0), Patches(), ratio, device);
  const IndexRange    mine = RankShare(count, group.Rank(), group.WorldSize());
  const double        share = static_cast<double>(mine.Size()) / static_cast<double>(count);
  optimizer.zero_grad();
  double value = 0;
  if (mine.Size() > 0)
  {
    const torch::Tensor rows = batch.narrow(0, mine.begin, mine.Size());
    const PatchMask     rowMask{ mask.masked.narrow(0, mine.begin, mine.Size()), mask.visible.narrow(0, mine.begin, mine.Size()) };
    const torch::Tensor loss = HiddenPatchLoss(Predict(rows, rowMask), NormalisedPatchTargets(rows, kPretrainingPatchSize), rowMask.masked);
    value = loss.item<double>();
    if (std::isfinite(value))
      loss.backward();
  }
  value = group.Sum(share * value, "pretraining: the batch's loss");
  if (!std::isfinite(value))
    return value;
  AverageGradients(group, TrainableParameters(), share);
  optimizer.step();
  return value;
}

MaskedPretrainingRecord
MaskedPretrainer::State::Epoch(int64_t epoch, const std::vector<torch::Tensor> & images, torch::optim::AdamW & optimizer,
                               const MaskedPretrainingCallbacks & callbacks)
{
  const auto start = std::chrono::steady_clock::now();
  // Each epoch draws its order, flips and masks from its own seed: a resumed run repeats them.
  torch::manual_seed(options.seed * 1000003ull + static_cast<uint64_t>(epoch));
  MaskedPretrainingRecord record{ epoch, 0.0, options.LearningRateAt(epoch), 0.0 };
  for (auto & parameterGroup : optimizer.param_groups())
    static_cast<torch::optim::AdamWOptions &>(parameterGroup.options()).lr(record.learningRate);
  // batch_size is per process, as in DistributedDataParallel: a step takes batch_size images from
  // each rank.
  const int64_t       n = static_cast<int64_t>(images.size());
  const int64_t       globalBatch = options.batchSize * group.WorldSize();
  const int64_t       batches = (n + globalBatch - 1) / globalBatch;
  const torch::Tensor order = torch::randperm(n, torch::kLong);
  for (int64_t b = 0; b < batches; ++b)
  {
    if (group.AnyRank(callbacks.shouldAbort && callbacks.shouldAbort(), "pretraining: checking for a stop request"))
      throw MaskedPretrainingError("pretraining stopped during epoch " + std::to_string(epoch) + "; the checkpoint of the epochs before is kept");
    const double value = Step(images, order, b * globalBatch, std::min(globalBatch, n - b * globalBatch), optimizer);
    if (!std::isfinite(value))
      throw MaskedPretrainingError("pretraining loss is " + LossText(value) + " at epoch " + std::to_string(epoch) + ", batch " +
                                   std::to_string(b + 1) + "; lower --lr (the checkpoint of the epochs before is kept)");
    record.loss += value / static_cast<double>(batches);
    if (callbacks.onBatch && group.Leader())
      callbacks.onBatch(epoch, b + 1, batches, value);
  }
  record.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return record;
}

MaskedPretrainer::MaskedPretrainer(SegmenterImpl & segmenter, const MaskedPretrainingOptions & options, const torch::Device & device)
  : m_State(std::make_unique<State>(segmenter, options, device))
{
  options.Validate();
  State & s = *m_State;
  s.objective = options.ObjectiveFor(segmenter);
  s.ratio = options.MaskRatioFor(s.objective);
  s.size = segmenter.InputSize();
  s.grid = s.size / kPretrainingPatchSize;
  segmenter.to(device);
  segmenter.train();
  s.BuildReconstructor();
  s.FindEncoderParameters();
}

MaskedPretrainer::~MaskedPretrainer() = default;

std::vector<MaskedPretrainingRecord>
MaskedPretrainer::Train(const std::vector<torch::Tensor> & images, const std::string & checkpointPath, bool resume,
                        const MaskedPretrainingCallbacks & callbacks)
{
  State & s = *m_State;
  if (images.size() < 2)
    throw MaskedPretrainingError("pretraining needs at least 2 images, got " + std::to_string(images.size()));
  for (const auto & image : images)
    if (image.dim() != 3 || image.size(0) != s.channels || image.size(1) != s.size || image.size(2) != s.size)
      throw MaskedPretrainingError("pretraining images must be " + std::to_string(s.channels) + " x " + std::to_string(s.size) + " x " +
                                   std::to_string(s.size) + " (the network's input)");
  torch::optim::AdamW optimizer(s.TrainableParameters(), torch::optim::AdamWOptions(s.options.learningRate).weight_decay(s.options.weightDecay));
  try
  {
    if (resume && !checkpointPath.empty() && std::filesystem::exists(checkpointPath))
      s.Load(checkpointPath, images, optimizer);
    s.RequireSameStart(images);
    s.segmenter.train();
    for (int64_t epoch = static_cast<int64_t>(s.log.size()) + 1; epoch <= s.options.epochs; ++epoch)
    {
      s.log.push_back(s.Epoch(epoch, images, optimizer, callbacks));
      // Rank 0 alone writes the checkpoint and the log (the others' copies are the same).
      RunOnLeader(s.group, "pretraining: saving the checkpoint of epoch " + std::to_string(epoch), [&] {
        if (!checkpointPath.empty())
          s.Save(checkpointPath, images, optimizer);
        if (callbacks.onEpoch)
          callbacks.onEpoch(s.log);
      });
    }
  }
  catch (const TrainingCheckpointError & e)
  {
    throw MaskedPretrainingError(e.what());
  }
  s.segmenter.eval();
  return s.log;
}

ReconstructionExamples
MaskedPretrainer::Reconstruct(const std::vector<torch::Tensor> & images, uint64_t seed)
{
  State &           s = *m_State;
  torch::NoGradGuard noGrad;
  s.segmenter.eval();
  s.Reconstructor().eval();
  torch::manual_seed(seed);
  const torch::Tensor order = torch::arange(static_cast<int64_t>(images.size()), torch::kLong);
  const torch::Tensor original = s.Batch(images, order, 0, static_cast<int64_t>(images.size()));
  const PatchMask     mask = RandomPatchMask(original.size(0), s.Patches(), s.ratio, s.device);
  // Predictions are in each patch's normalised units: back to pixels with the original's statistics.
  const torch::Tensor patches = Patchify(original, kPretrainingPatchSize);
  const torch::Tensor mean = patches.mean(-1, true), deviation = (patches.var(-1, true, true) + 1e-6).sqrt();
  const torch::Tensor predicted = s.Predict(original, mask) * deviation + mean;
  const torch::Tensor hidden = mask.masked.unsqueeze(-1);
  const torch::Tensor joined = predicted * hidden + patches * (1.0 - hidden);
  ReconstructionExamples examples;
  examples.original = original.cpu();
  examples.masked = BlankHiddenPatches(original, mask.masked, kPretrainingPatchSize).cpu();
  examples.reconstruction = Unpatchify(joined, kPretrainingPatchSize, s.channels, s.size, s.size).clamp(0.0, 1.0).cpu();
  s.Reconstructor().train();
  return examples;
}

const std::string &
MaskedPretrainer::Objective() const
{
  return m_State->objective;
}

double
MaskedPretrainer::MaskRatio() const
{
  return m_State->ratio;
}

const std::vector<std::string> &
MaskedPretrainer::EncoderParameters() const
{
  return m_State->encoderParameters;
}

Json
MaskedPretrainer::Description(int64_t images) const
{
  const State & s = *m_State;
  return Json{ { "objective", s.objective },
               { "mask_ratio", s.ratio },
               { "patch_size", kPretrainingPatchSize },
               { "options", s.options.ToJson() },
               { "images", images },
               { "epochs", static_cast<int64_t>(s.log.size()) },
               { "final_loss", s.log.empty() ? 0.0 : s.log.back().loss },
               { "encoder_parameters", s.encoderParameters } };
}

} // namespace sinus
