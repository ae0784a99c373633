#include "sinus/SegmenterTraining.h"

#include "sinus/FileUtilities.h"
#include "sinus/Losses.h"
#include "sinus/MedSAMImageTransforms.h"
#include "sinus/ModelFile.h"
#include "sinus/PortableRandom.h"
#include "sinus/SegmentationMetrics.h"
#include "sinus/TrainingCheckpoint.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <set>
#include <sstream>

namespace sinus
{

SamConfig
SegmenterPreset(const std::string & name, int64_t inputSize)
{
  SamConfig c = SamConfig::VitB();
  if (name == "small")
  {
    c.imageEncoder.imgSize = 256;
    c.imageEncoder.embedDim = 192;
    c.imageEncoder.depth = 4;
    c.imageEncoder.numHeads = 3;
    c.imageEncoder.outChans = 128;
    c.imageEncoder.windowSize = 8;
    c.imageEncoder.globalAttnIndexes = { 1, 3 };
    c.promptEncoder.embedDim = 128;
    c.maskDecoder.transformerDim = 128;
    c.maskDecoder.transformerEmbeddingDim = 128;
    c.maskDecoder.transformerNumHeads = 4;
    c.maskDecoder.transformerMlpDim = 512;
    c.maskDecoder.iouHeadHiddenDim = 128;
  }
  else if (name != "vit_b")
  {
    throw std::invalid_argument("unknown model preset '" + name + "' (known: small, vit_b)");
  }
  if (inputSize > 0)
  {
    if (inputSize % c.imageEncoder.patchSize != 0 || inputSize < 4 * c.imageEncoder.patchSize)
      throw std::invalid_argument("input size " + std::to_string(inputSize) + " must be a multiple of the patch size " +
                                  std::to_string(c.imageEncoder.patchSize) + " and at least 4 patches");
    c.imageEncoder.imgSize = inputSize;
  }
  const int64_t grid = c.imageEncoder.imgSize / c.imageEncoder.patchSize;
  c.promptEncoder.imageEmbeddingHeight = grid;
  c.promptEncoder.imageEmbeddingWidth = grid;
  c.promptEncoder.inputImageHeight = c.imageEncoder.imgSize;
  c.promptEncoder.inputImageWidth = c.imageEncoder.imgSize;
  return c;
}

namespace
{
int64_t
LogitGrid(int64_t inputSize)
{
  return inputSize / 4;
}

torch::Tensor
ResizeMaskToLogitGrid(const Raster<uint8_t> & mask, int64_t grid)
{
  torch::Tensor t = torch::empty({ 1, 1, mask.height, mask.width }, torch::kFloat32);
  float *       out = t.data_ptr<float>();
  for (size_t i = 0; i < mask.data.size(); ++i)
    out[i] = mask.data[i] != 0 ? 1.0f : 0.0f;
  namespace F = torch::nn::functional;
  // Area averaging keeps the fraction of foreground in each logit cell (a soft label at the border).
  if (mask.height >= grid && mask.width >= grid)
    t = F::adaptive_avg_pool2d(t, F::AdaptiveAvgPool2dFuncOptions({ grid, grid }));
  else
    t = F::interpolate(t, F::InterpolateFuncOptions().size(std::vector<int64_t>{ grid, grid }).mode(torch::kBilinear).align_corners(false));
  return t[0].contiguous();
}
} // namespace

SegmentationSample
MakeSegmentationSample(const std::string & name, const Raster<double> & grey, const Raster<uint8_t> & mask, int64_t inputSize,
                       const std::vector<double> & spacing)
{
  if (grey.channels != 1)
    throw std::invalid_argument(name + ": expected a grey image, got " + std::to_string(grey.channels) + " channels");
  if (!mask.Empty() && (mask.height != grey.height || mask.width != grey.width))
    throw std::invalid_argument(name + ": label is " + std::to_string(mask.width) + "x" + std::to_string(mask.height) +
                                " but the image is " + std::to_string(grey.width) + "x" + std::to_string(grey.height));
  SegmentationSample sample;
  sample.name = name;
  sample.height = grey.height;
  sample.width = grey.width;
  sample.spacing = spacing;
  const MedSAMPreprocessed pre = PreprocessForMedSAM(grey, inputSize);
  sample.image = torch::from_blob(const_cast<uint8_t *>(pre.resizedUInt8.data.data()), { inputSize, inputSize, 3 }, torch::kUInt8)
                   .permute({ 2, 0, 1 })
                   .contiguous();
  if (!mask.Empty())
  {
    sample.label = ResizeMaskToLogitGrid(mask, LogitGrid(inputSize));
    sample.fullLabel = Raster<uint8_t>(mask.height, mask.width);
    for (size_t i = 0; i < mask.data.size(); ++i)
      sample.fullLabel.data[i] = mask.data[i] != 0 ? 1 : 0;
  }
  return sample;
}

torch::Tensor
NormalizeSampleImages(const torch::Tensor & imagesUInt8)
{
  // MedSAM: (u8 - min) / clip(max - min, 1e-8), over each whole 3-channel image.
  const torch::Tensor x = imagesUInt8.to(torch::kFloat32);
  const torch::Tensor flat = x.flatten(1);
  const torch::Tensor low = std::get<0>(flat.min(1)).view({ -1, 1, 1, 1 });
  const torch::Tensor high = std::get<0>(flat.max(1)).view({ -1, 1, 1, 1 });
  return (x - low) / (high - low).clamp_min(1e-8);
}

torch::Tensor
FullImageBoxLogits(SamImpl & model, const torch::Tensor & images)
{
  const int64_t       batch = images.size(0);
  const double        size = static_cast<double>(model.config.imageEncoder.imgSize);
  const torch::Tensor embeddings = model.image_encoder->forward(images);
  const torch::Tensor boxes =
    torch::tensor({ 0.0, 0.0, size, size }, torch::TensorOptions().dtype(torch::kFloat32).device(images.device()))
      .view({ 1, 4 })
      .expand({ batch, 4 })
      .contiguous();
  return model.DecodeBoxes(embeddings, boxes).first;
}

torch::Tensor
PredictSampleLogits(SamImpl & model, const std::vector<SegmentationSample> & samples, int64_t batchSize, const torch::Device & device,
                    const std::function<bool()> & shouldAbort)
{
  torch::NoGradGuard         noGrad;
  std::vector<torch::Tensor> parts;
  for (size_t first = 0; first < samples.size(); first += static_cast<size_t>(batchSize))
  {
    if (shouldAbort && shouldAbort())
      throw SegmenterTrainingAborted("prediction aborted");
    std::vector<torch::Tensor> images;
    for (size_t i = first; i < std::min(samples.size(), first + static_cast<size_t>(batchSize)); ++i)
      images.push_back(samples[i].image);
    parts.push_back(FullImageBoxLogits(model, NormalizeSampleImages(torch::stack(images)).to(device)).to(torch::kCPU));
  }
  if (parts.empty())
  {
    const int64_t grid = LogitGrid(model.config.imageEncoder.imgSize);
    return torch::empty({ 0, 1, grid, grid });
  }
  return torch::cat(parts);
}

Raster<uint8_t>
LogitsToOriginalMask(const torch::Tensor & logits, int64_t height, int64_t width)
{
  namespace F = torch::nn::functional;
  const torch::Tensor probability =
    F::interpolate(torch::sigmoid(logits.to(torch::kCPU, torch::kFloat32).view({ 1, 1, logits.size(-2), logits.size(-1) })),
                   F::InterpolateFuncOptions().size(std::vector<int64_t>{ height, width }).mode(torch::kBilinear).align_corners(false));
  const torch::Tensor mask = (probability > 0.5).to(torch::kUInt8).contiguous();
  Raster<uint8_t>     out(height, width);
  std::memcpy(out.data.data(), mask.data_ptr<uint8_t>(), out.data.size());
  return out;
}

double
MeanDiceOnOriginalGrid(const torch::Tensor & logits, const std::vector<SegmentationSample> & samples)
{
  double  sum = 0;
  int64_t count = 0;
  for (size_t i = 0; i < samples.size(); ++i)
  {
    const SegmentationSample & s = samples[i];
    if (s.fullLabel.Empty())
      continue;
    const Raster<uint8_t> prediction = LogitsToOriginalMask(logits[static_cast<int64_t>(i)], s.height, s.width);
    int64_t               both = 0, predicted = 0, reference = 0;
    for (size_t k = 0; k < prediction.data.size(); ++k)
    {
      both += (prediction.data[k] & s.fullLabel.data[k]);
      predicted += prediction.data[k];
      reference += s.fullLabel.data[k];
    }
    sum += (predicted + reference == 0) ? 1.0 : 2.0 * static_cast<double>(both) / static_cast<double>(predicted + reference);
    ++count;
  }
  return count == 0 ? -1.0 : sum / static_cast<double>(count);
}

DistillationMode
ParseDistillationMode(const std::string & text)
{
  if (text == "off")
    return DistillationMode::Off;
  if (text == "unweighted")
    return DistillationMode::Unweighted;
  if (text == "weighted")
    return DistillationMode::Weighted;
  throw std::invalid_argument("unknown distillation mode '" + text + "' (known: off, unweighted, weighted)");
}

const char *
ToString(DistillationMode mode)
{
  switch (mode)
  {
    case DistillationMode::Off:
      return "off";
    case DistillationMode::Unweighted:
      return "unweighted";
    case DistillationMode::Weighted:
      break;
  }
  return "weighted";
}

SegmenterTrainingOptions
SegmenterTrainingOptions::FromJson(const Json & json, const SegmenterTrainingOptions & defaults)
{
  const std::string where = "segmenter training";
  RequireKnownKeys(json,
                   { "epochs", "batch_size", "steps_per_epoch", "learning_rate", "weight_decay", "seed", "trainable", "augmentation", "alpha", "beta",
                     "temperature", "tau", "distillation", "distil_unlabelled" },
                   where);
  SegmenterTrainingOptions o = defaults;
  ReadJsonField(json, "epochs", o.epochs, where);
  ReadJsonField(json, "batch_size", o.batchSize, where);
  ReadJsonField(json, "steps_per_epoch", o.stepsPerEpoch, where);
  ReadJsonField(json, "learning_rate", o.learningRate, where);
  ReadJsonField(json, "weight_decay", o.weightDecay, where);
  ReadJsonField(json, "seed", o.seed, where);
  ReadJsonField(json, "alpha", o.alpha, where);
  ReadJsonField(json, "beta", o.beta, where);
  ReadJsonField(json, "temperature", o.temperature, where);
  ReadJsonField(json, "tau", o.tau, where);
  ReadJsonField(json, "distil_unlabelled", o.distilUnlabelled, where);
  if (const Json * parts = json.Find("trainable"))
  {
    if (!parts->IsArray())
      throw std::invalid_argument(where + ": 'trainable' must be an array of part names");
    o.trainableParts.clear();
    for (const Json & p : parts->AsArray())
      o.trainableParts.push_back(p.AsString());
  }
  if (const Json * mode = json.Find("distillation"))
    o.distillation = ParseDistillationMode(mode->AsString());
  if (const Json * augmentation = json.Find("augmentation"))
    o.augmentation = AugmentationOptions::FromJson(*augmentation, o.augmentation);
  o.Validate();
  return o;
}

Json
SegmenterTrainingOptions::ToJson() const
{
  Json j = Json::Object();
  j["epochs"] = epochs;
  j["batch_size"] = batchSize;
  j["steps_per_epoch"] = stepsPerEpoch;
  j["learning_rate"] = learningRate;
  j["weight_decay"] = weightDecay;
  j["seed"] = static_cast<int64_t>(seed);
  Json parts = Json::Array();
  for (const auto & p : trainableParts)
    parts.PushBack(p);
  j["trainable"] = parts;
  j["augmentation"] = augmentation.ToJson();
  j["alpha"] = alpha;
  j["beta"] = beta;
  j["temperature"] = temperature;
  j["tau"] = tau;
  j["distillation"] = ToString(distillation);
  j["distil_unlabelled"] = distilUnlabelled;
  return j;
}

void
SegmenterTrainingOptions::Validate() const
{
  const auto require = [](bool ok, const std::string & what) {
    if (!ok)
      throw std::invalid_argument("segmenter training: " + what);
  };
  require(epochs >= 1 && batchSize >= 1, "epochs and batch_size must be at least 1");
  require(stepsPerEpoch >= 0, "steps_per_epoch must not be negative (0 = one pass over the longer list)");
  require(learningRate > 0 && std::isfinite(learningRate), "learning_rate must be positive");
  require(weightDecay >= 0, "weight_decay must not be negative");
  require(alpha >= 0 && alpha <= 1, "alpha must lie in [0, 1]");
  require(beta >= 0, "beta must not be negative");
  require(temperature > 0, "temperature must be positive");
  require(tau > 0, "tau must be positive");
  require(!trainableParts.empty(), "'trainable' names no part: nothing would be trained");
  for (const auto & p : trainableParts)
    require(p == "image_encoder" || p == "prompt_encoder" || p == "mask_decoder",
            "unknown trainable part '" + p + "' (known: image_encoder, prompt_encoder, mask_decoder)");
  augmentation.Validate();
}

// ------------------------------------------------------------------------------------------------
namespace
{
Json
RecordToJson(const SegmenterEpochRecord & r)
{
  Json j = Json::Object();
  j["epoch"] = r.epoch;
  j["supervised"] = r.supervised;
  j["distillation_raw"] = r.distillationRaw;
  j["distillation_weighted"] = r.distillationWeighted;
  j["unsupervised"] = r.unsupervised;
  j["total"] = r.total;
  j["mean_weight"] = r.meanWeight;
  j["mean_hd95"] = r.meanHD95;
  j["validation_dice"] = r.validationDice;
  j["best"] = r.best;
  j["seconds"] = r.seconds;
  return j;
}

SegmenterEpochRecord
RecordFromJson(const Json & j)
{
  SegmenterEpochRecord r;
  r.epoch = j.At("epoch").AsInteger();
  r.supervised = j.At("supervised").AsNumber();
  r.distillationRaw = j.At("distillation_raw").AsNumber();
  r.distillationWeighted = j.At("distillation_weighted").AsNumber();
  r.unsupervised = j.At("unsupervised").AsNumber();
  r.total = j.At("total").AsNumber();
  r.meanWeight = j.At("mean_weight").AsNumber();
  r.meanHD95 = j.At("mean_hd95").AsNumber();
  r.validationDice = j.At("validation_dice").AsNumber();
  r.best = j.At("best").AsBoolean();
  r.seconds = j.At("seconds").AsNumber();
  return r;
}

constexpr const char * kCheckpointFormat = "sinusseg-segmenter-checkpoint-1";

struct SegmenterState
{
  Sam &                               model;
  torch::optim::AdamW &               optimizer;
  std::vector<SegmenterEpochRecord> & log;
  double &                            bestDice;
};

void
SaveSegmenterCheckpoint(const std::string & path, const SegmenterState & s, const std::string & identity)
{
  try
  {
    WriteTrainingCheckpoint(path, kCheckpointFormat, identity, [&](torch::serialize::OutputArchive & archive) {
      torch::serialize::OutputArchive weights, optimizer;
      s.model->save(weights);
      s.optimizer.save(optimizer);
      archive.write("weights", weights);
      archive.write("optimizer", optimizer);
      Json log = Json::Array();
      for (const auto & r : s.log)
        log.PushBack(RecordToJson(r));
      archive.write("log", c10::IValue(log.Dump()));
      archive.write("best_dice", c10::IValue(s.bestDice));
    });
  }
  catch (const TrainingCheckpointError & e)
  {
    throw SegmenterTrainingError(e.what());
  }
}

void
LoadSegmenterCheckpoint(const std::string & path, SegmenterState & s, const std::string & identity, const torch::Device & device)
{
  try
  {
    ReadTrainingCheckpoint(
      path, kCheckpointFormat, "SinusSeg teacher/student", identity,
      [&](torch::serialize::InputArchive & archive) {
        torch::serialize::InputArchive weights, optimizer;
        archive.read("weights", weights);
        archive.read("optimizer", optimizer);
        s.model->load(weights);
        s.optimizer.load(optimizer);
        c10::IValue log, bestDice;
        archive.read("log", log);
        archive.read("best_dice", bestDice);
        s.bestDice = bestDice.toDouble();
        s.log.clear();
        const Json records = Json::Parse(log.toStringRef());
        for (const Json & r : records.AsArray())
          s.log.push_back(RecordFromJson(r));
      },
      device);
  }
  catch (const TrainingCheckpointError & e)
  {
    throw SegmenterTrainingError(e.what());
  }
}

std::vector<torch::Tensor>
SelectTrainableParameters(SamImpl & model, const std::vector<std::string> & parts)
{
  const std::set<std::string> chosen(parts.begin(), parts.end());
  std::vector<torch::Tensor>  trainable;
  for (const auto & child : model.named_children())
  {
    const bool train = chosen.count(child.key()) > 0;
    for (auto & p : child.value()->parameters())
    {
      p.set_requires_grad(train);
      if (train)
        trainable.push_back(p);
    }
  }
  return trainable;
}

torch::Tensor
StackField(const std::vector<SegmentationSample> & samples, const std::vector<int64_t> & indices, bool images)
{
  std::vector<torch::Tensor> parts;
  for (int64_t i : indices)
    parts.push_back(images ? samples[static_cast<size_t>(i)].image : samples[static_cast<size_t>(i)].label);
  return torch::stack(parts);
}

torch::Tensor
Rows(const torch::Tensor & all, const std::vector<int64_t> & indices)
{
  return all.index_select(0, torch::tensor(indices, torch::kInt64));
}

std::string
Describe(const std::vector<SegmentationSample> & samples)
{
  // The data's identity in the checkpoint: names and label presence, so a resumed run cannot
  // silently continue on another data set.
  uint64_t hash = SplitMix64(samples.size());
  for (const auto & s : samples)
  {
    for (char c : s.name)
      hash = SplitMix64(hash ^ static_cast<uint8_t>(c));
    hash = SplitMix64(hash ^ (s.label.defined() ? 1u : 2u));
  }
  std::ostringstream out;
  out << samples.size() << ":" << std::hex << hash;
  return out.str();
}
} // namespace

std::vector<SegmenterEpochRecord>
TrainSegmenter(Sam & model, const std::vector<SegmentationSample> & labelled, const std::vector<SegmentationSample> & unlabelled,
               const std::vector<SegmentationSample> & validation, const StudentTargets * targets,
               const SegmenterTrainingOptions & options, const SegmenterStageFiles & files, bool resume, const torch::Device & device,
               const SegmenterTrainingCallbacks & callbacks, const Json & modelMetadata)
{
  options.Validate();
  const std::string stage = files.stage.empty() ? std::string("segmenter") : files.stage;
  if (labelled.empty())
    throw SegmenterTrainingError(stage + ": no labelled images to train on");
  const int64_t grid = LogitGrid(model->config.imageEncoder.imgSize);
  for (const auto & s : labelled)
    if (!s.label.defined() || s.label.size(-1) != grid || s.image.size(-1) != model->config.imageEncoder.imgSize)
      throw SegmenterTrainingError(stage + ": labelled image " + s.name + " was not prepared for input size " +
                                   std::to_string(model->config.imageEncoder.imgSize));
  const bool student = targets != nullptr;
  const bool useUnlabelled = student && !unlabelled.empty();
  if (student)
  {
    if (!targets->labelledTeacherLogits.defined() || targets->labelledTeacherLogits.size(0) != static_cast<int64_t>(labelled.size()))
      throw SegmenterTrainingError(stage + ": teacher logits are missing for the labelled images");
    if (useUnlabelled && (!targets->pseudoLabels.defined() || targets->pseudoLabels.size(0) != static_cast<int64_t>(unlabelled.size()) ||
                          !targets->unlabelledTeacherLogits.defined() ||
                          targets->unlabelledTeacherLogits.size(0) != static_cast<int64_t>(unlabelled.size())))
      throw SegmenterTrainingError(stage + ": pseudo-labels or teacher logits are missing for the unlabelled images");
    if (targets->labelledTeacherLogits.size(-1) != grid)
      throw SegmenterTrainingError(stage + ": the teacher's logits are " + std::to_string(targets->labelledTeacherLogits.size(-1)) +
                                   " pixels wide but the student's are " + std::to_string(grid) +
                                   "; teacher and student need the same input size");
  }

  model->to(device);
  torch::optim::AdamW optimizer(SelectTrainableParameters(*model, options.trainableParts),
                                torch::optim::AdamWOptions(options.learningRate).weight_decay(options.weightDecay));
  std::vector<SegmenterEpochRecord> log;
  double                            bestDice = -2;
  SegmenterState                    state{ model, optimizer, log, bestDice };

  Json identity = Json::Object();
  identity["stage"] = stage;
  identity["model"] = model->config.ToJson();
  Json optionsJson = options.ToJson();
  optionsJson["epochs"] = nullptr; // may grow on resume
  identity["options"] = optionsJson;
  identity["labelled"] = Describe(labelled);
  identity["unlabelled"] = useUnlabelled ? Describe(unlabelled) : std::string("none");
  const std::string identityText = identity.Dump();
  if (resume && !files.checkpointPath.empty() && std::filesystem::exists(files.checkpointPath))
    LoadSegmenterCheckpoint(files.checkpointPath, state, identityText, device);

  const int64_t nl = static_cast<int64_t>(labelled.size()), nu = useUnlabelled ? static_cast<int64_t>(unlabelled.size()) : 0;
  // An epoch visits the longer list once, unless a fixed number of steps is asked for (ablations
  // give every student the same optimisation budget, with or without unlabelled images).
  const int64_t epochSamples = options.stepsPerEpoch > 0 ? options.stepsPerEpoch * options.batchSize : std::max(nl, nu);
  const int64_t batches = (epochSamples + options.batchSize - 1) / options.batchSize;
  const auto    nonFinite = [&](const char * what, double value, int64_t epoch, int64_t batch) {
    throw SegmenterTrainingError(stage + " training: " + what + " loss is " + std::to_string(value) + " at epoch " +
                                 std::to_string(epoch) + ", batch " + std::to_string(batch) +
                                 (files.checkpointPath.empty() ? std::string() : "; the last good checkpoint is kept in " + files.checkpointPath));
  };

  for (int64_t epoch = static_cast<int64_t>(log.size()) + 1; epoch <= options.epochs; ++epoch)
  {
    model->train();
    // Randomness from (seed, epoch) only, so a resumed run draws what an uninterrupted one would.
    PortableRandom       random(SplitMix64(options.seed) ^ (static_cast<uint64_t>(epoch) * 0x9E3779B97F4A7C15ull));
    std::vector<int64_t> orderL(static_cast<size_t>(nl)), orderU(static_cast<size_t>(nu));
    for (int64_t i = 0; i < nl; ++i)
      orderL[static_cast<size_t>(i)] = i;
    for (int64_t i = 0; i < nu; ++i)
      orderU[static_cast<size_t>(i)] = i;
    random.Shuffle(orderL);
    random.Shuffle(orderU);
    SegmenterEpochRecord record;
    record.epoch = epoch;
    const auto start = std::chrono::steady_clock::now();
    int64_t    weightCount = 0;
    for (int64_t batch = 0; batch < batches; ++batch)
    {
      if (callbacks.shouldAbort && callbacks.shouldAbort())
        throw SegmenterTrainingAborted(stage + " training aborted in epoch " + std::to_string(epoch));
      std::vector<int64_t> indexL, indexU;
      const int64_t        first = batch * options.batchSize;
      const int64_t        count = std::min(options.batchSize, epochSamples - first);
      for (int64_t k = 0; k < count; ++k)
      {
        indexL.push_back(orderL[static_cast<size_t>((first + k) % nl)]);
        if (nu > 0)
          indexU.push_back(orderU[static_cast<size_t>((first + k) % nu)]);
      }
      const int64_t bl = static_cast<int64_t>(indexL.size()), bu = static_cast<int64_t>(indexU.size());

      // One forward pass over labelled and unlabelled images together; every per-pixel target is
      // warped with its image's transform.
      torch::Tensor images = StackField(labelled, indexL, true);
      torch::Tensor maps = StackField(labelled, indexL, false);
      torch::Tensor teacherLogits;
      if (student)
      {
        teacherLogits = Rows(targets->labelledTeacherLogits, indexL);
        if (bu > 0)
        {
          images = torch::cat({ images, StackField(unlabelled, indexU, true) });
          maps = torch::cat({ maps, Rows(targets->pseudoLabels, indexU) });
          teacherLogits = torch::cat({ teacherLogits, Rows(targets->unlabelledTeacherLogits, indexU) });
        }
      }
      const BatchAugmentation augmentation = DrawBatchAugmentation(images.size(0), options.augmentation, random);
      const torch::Tensor     input = AugmentImages(NormalizeSampleImages(images.to(device)), augmentation);
      const torch::Tensor     targetMaps = WarpTargets(maps.to(device), augmentation, /*repeatBorder=*/false);

      optimizer.zero_grad();
      const torch::Tensor logits = FullImageBoxLogits(*model, input);
      const torch::Tensor logitsL = logits.slice(0, 0, bl);
      const torch::Tensor supervised = SupervisedLoss(logitsL, targetMaps.slice(0, 0, bl));
      torch::Tensor       total = supervised;
      SegmenterBatchReport report;
      report.epoch = epoch;
      report.batch = batch + 1;
      report.batches = batches;
      report.supervised = supervised.item<double>();
      if (student)
      {
        const torch::Tensor warpedTeacher = WarpTargets(teacherLogits.to(device), augmentation, /*repeatBorder=*/true);
        const int64_t       distilled = (options.distilUnlabelled && bu > 0) ? bl + bu : bl;
        torch::Tensor       distillation = torch::zeros({}, logits.options());
        if (options.distillation != DistillationMode::Off)
        {
          const torch::Tensor teacherPart = warpedTeacher.slice(0, 0, distilled), studentPart = logits.slice(0, 0, distilled);
          if (options.distillation == DistillationMode::Weighted)
          {
            const WeightedDistillation w = WeightedKnowledgeDistillationLoss(teacherPart, studentPart, options.temperature, options.tau);
            distillation = w.loss;
            for (size_t i = 0; i < w.weights.size(); ++i)
            {
              record.meanWeight += w.weights[i];
              record.meanHD95 += w.hd95[i];
              record.distillationRaw += w.rawKD[i];
              report.meanWeight += w.weights[i] / static_cast<double>(w.weights.size());
              report.distillationRaw += w.rawKD[i] / static_cast<double>(w.weights.size());
              ++weightCount;
            }
          }
          else
          {
            const torch::Tensor perImage = KnowledgeDistillationPerImage(teacherPart, studentPart, options.temperature);
            distillation = perImage.mean();
            record.distillationRaw += perImage.sum().item<double>();
            record.meanWeight += static_cast<double>(perImage.size(0));
            weightCount += perImage.size(0);
            report.distillationRaw = perImage.mean().item<double>();
            report.meanWeight = 1;
          }
        }
        torch::Tensor unsupervised = torch::zeros({}, logits.options());
        if (bu > 0)
          unsupervised = UnsupervisedLoss(logits.slice(0, bl, bl + bu), targetMaps.slice(0, bl, bl + bu));
        total = StudentObjective(supervised, distillation, unsupervised, options.alpha, options.beta);
        const double distillationValue = distillation.item<double>(), unsupervisedValue = unsupervised.item<double>();
        if (!std::isfinite(distillationValue))
          nonFinite("distillation", distillationValue, epoch, batch + 1);
        if (!std::isfinite(unsupervisedValue))
          nonFinite("unsupervised", unsupervisedValue, epoch, batch + 1);
        record.distillationWeighted += distillationValue / static_cast<double>(batches);
        record.unsupervised += unsupervisedValue / static_cast<double>(batches);
        report.unsupervised = unsupervisedValue;
      }
      const double totalValue = total.item<double>();
      if (!std::isfinite(report.supervised))
        nonFinite("supervised", report.supervised, epoch, batch + 1);
      if (!std::isfinite(totalValue))
        nonFinite("total", totalValue, epoch, batch + 1);
      total.backward();
      optimizer.step();
      record.supervised += report.supervised / static_cast<double>(batches);
      record.total += totalValue / static_cast<double>(batches);
      report.total = totalValue;
      if (callbacks.onBatch)
        callbacks.onBatch(report);
    }
    if (weightCount > 0)
    {
      record.meanWeight /= static_cast<double>(weightCount);
      record.meanHD95 /= static_cast<double>(weightCount);
      record.distillationRaw /= static_cast<double>(weightCount);
    }
    model->eval();
    if (!validation.empty())
      record.validationDice = MeanDiceOnOriginalGrid(
        PredictSampleLogits(*model, validation, options.batchSize, device, callbacks.shouldAbort), validation);
    // The best epoch by validation Dice (the latest one without validation data) is the model file.
    const double score = validation.empty() ? static_cast<double>(epoch) : record.validationDice;
    record.best = score > bestDice;
    record.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (record.best)
    {
      bestDice = score;
      if (!files.modelPath.empty())
      {
        Json metadata = modelMetadata.IsObject() ? modelMetadata : Json::Object();
        metadata["stage"] = stage;
        metadata["epoch"] = epoch;
        if (!validation.empty())
          metadata["validation_dice"] = record.validationDice;
        model->to(torch::kCPU);
        SaveSamModel(files.modelPath, *model, metadata);
        model->to(device);
      }
    }
    log.push_back(record);
    if (!files.checkpointPath.empty())
      SaveSegmenterCheckpoint(files.checkpointPath, state, identityText);
    if (callbacks.onEpoch)
      callbacks.onEpoch(log);
  }
  model->eval();
  return log;
}

std::string
FormatSegmenterLogCsv(const std::vector<SegmenterEpochRecord> & log)
{
  std::string out = "epoch,total,supervised,distillation_raw,distillation_weighted,unsupervised,mean_weight,mean_hd95_px,"
                    "validation_dice,best,seconds\n";
  char        line[512];
  for (const auto & r : log)
  {
    std::snprintf(line, sizeof(line), "%lld,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,%s,%d,%.3f\n", static_cast<long long>(r.epoch), r.total,
                  r.supervised, r.distillationRaw, r.distillationWeighted, r.unsupervised, r.meanWeight, r.meanHD95,
                  r.validationDice < -0.5 ? "" : std::to_string(r.validationDice).c_str(), r.best ? 1 : 0, r.seconds);
    out += line;
  }
  return out;
}

} // namespace sinus
