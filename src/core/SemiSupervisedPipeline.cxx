#include "sinus/SemiSupervisedPipeline.h"

#include "sinus/FileUtilities.h"
#include "sinus/ModelFile.h"
#include "sinus/StateDict.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace sinus
{
namespace fs = std::filesystem;

RefinementMode
ParseRefinementMode(const std::string & text)
{
  if (text == "off")
    return RefinementMode::Off;
  if (text == "no_cbam")
    return RefinementMode::WithoutCbam;
  if (text == "cbam")
    return RefinementMode::WithCbam;
  throw std::invalid_argument("unknown refinement mode '" + text + "' (known: off, no_cbam, cbam)");
}

const char *
ToString(RefinementMode mode)
{
  switch (mode)
  {
    case RefinementMode::Off:
      return "off";
    case RefinementMode::WithoutCbam:
      return "no_cbam";
    case RefinementMode::WithCbam:
      break;
  }
  return "cbam";
}

SemiSupervisedConfig
SemiSupervisedConfig::Preset(const std::string & name)
{
  SemiSupervisedConfig c;
  c.preset = name;
  c.teacherModel = SegmenterPreset(name);
  c.studentModel = c.teacherModel;
  if (name == "vit_b")
  {
    // The paper: AdamW lr 1e-5, batch 8, 10 epochs for teacher and student; SinusCycle-GAN 100
    // epochs, batch 10, at its paper size.
    c.refiner = RefinerConfig::Paper();
    c.refinerTraining = RefinerTrainingOptions{};
    return c;
  }
  // small: trained from scratch on a CPU, where lr 1e-5 does not move randomly initialised
  // weights within minutes. These settings were chosen on phantoms with the data set's own
  // validation split (Documentation/Training.md).
  c.teacher.learningRate = 5e-4;
  c.teacher.epochs = 50;
  c.teacher.batchSize = 4;
  c.teacher.trainableParts = { "image_encoder", "prompt_encoder", "mask_decoder" };
  c.student = c.teacher;
  c.student.epochs = 20;
  c.refiner = RefinerConfig::Small();
  c.refiner.generatorFilters = 8;
  c.refiner.generatorBlocks = 3;
  c.refiner.discriminatorFilters = 8;
  c.refiner.correctionFilters = 8;
  c.refinerTraining.epochs = 12;
  c.refinerTraining.batchSize = 4;
  c.refinerTraining.learningRate = 1e-3;
  return c;
}

SemiSupervisedConfig
SemiSupervisedConfig::FromJson(const Json & json)
{
  const std::string where = "training configuration";
  if (!json.IsObject())
    throw std::invalid_argument(where + ": expected a JSON object");
  RequireKnownKeys(json,
                   { "preset", "input_size", "student_preset", "teacher_model", "student_model", "teacher", "student", "refiner",
                     "refiner_training", "refinement", "use_unlabelled", "prediction_batch" },
                   where);
  std::string preset = "small";
  ReadJsonField(json, "preset", preset, where);
  SemiSupervisedConfig c = Preset(preset);
  int64_t              inputSize = 0;
  ReadJsonField(json, "input_size", inputSize, where);
  std::string studentPreset;
  ReadJsonField(json, "student_preset", studentPreset, where);
  if (inputSize > 0)
    c.teacherModel = SegmenterPreset(preset, inputSize);
  if (const Json * m = json.Find("teacher_model"))
    c.teacherModel = SamConfig::FromJson(*m);
  // The student is the teacher's architecture unless named otherwise; a student preset takes the
  // teacher's input size, so that both produce logits on the same grid.
  c.studentModel = studentPreset.empty() ? c.teacherModel : SegmenterPreset(studentPreset, c.teacherModel.imageEncoder.imgSize);
  if (const Json * m = json.Find("student_model"))
    c.studentModel = SamConfig::FromJson(*m);
  if (const Json * t = json.Find("teacher"))
    c.teacher = SegmenterTrainingOptions::FromJson(*t, c.teacher);
  if (const Json * s = json.Find("student"))
    c.student = SegmenterTrainingOptions::FromJson(*s, c.student);
  if (const Json * r = json.Find("refiner"))
    c.refiner = RefinerConfig::FromJson(*r, c.refiner);
  if (const Json * r = json.Find("refiner_training"))
    c.refinerTraining = RefinerTrainingOptions::FromJson(*r, c.refinerTraining);
  if (const Json * r = json.Find("refinement"))
    c.refinement = ParseRefinementMode(r->AsString());
  ReadJsonField(json, "use_unlabelled", c.useUnlabelled, where);
  ReadJsonField(json, "prediction_batch", c.predictionBatch, where);
  c.Validate();
  return c;
}

Json
SemiSupervisedConfig::ToJson() const
{
  Json j = Json::Object();
  j["preset"] = preset;
  j["teacher_model"] = teacherModel.ToJson();
  j["student_model"] = studentModel.ToJson();
  j["teacher"] = teacher.ToJson();
  j["student"] = student.ToJson();
  j["refiner"] = refiner.ToJson();
  j["refiner_training"] = refinerTraining.ToJson();
  j["refinement"] = ToString(refinement);
  j["use_unlabelled"] = useUnlabelled;
  j["prediction_batch"] = predictionBatch;
  return j;
}

void
SemiSupervisedConfig::Validate() const
{
  teacher.Validate();
  student.Validate();
  refiner.Validate();
  if (predictionBatch < 1)
    throw std::invalid_argument("training configuration: prediction_batch must be at least 1");
  // KD compares logits pixel by pixel, so both networks must produce the same logit grid; the
  // rest of the architecture may differ (e.g. a ViT-B teacher and a small student).
  if (teacherModel.imageEncoder.imgSize != studentModel.imageEncoder.imgSize)
    throw std::invalid_argument("training configuration: teacher input " + std::to_string(teacherModel.imageEncoder.imgSize) +
                                " and student input " + std::to_string(studentModel.imageEncoder.imgSize) +
                                " differ; knowledge distillation needs logits on the same grid");
}

// ------------------------------------------------------------------------------------------------
const std::vector<AblationVariant> &
AblationVariants()
{
  using D = DistillationMode;
  using R = RefinementMode;
  static const std::vector<AblationVariant> variants{
    { "labelled_only", "Labelled data only (MedSAM fine-tuned)", false, false, R::Off, D::Off },
    { "kd", "+ KD (no w_i)", true, false, R::Off, D::Unweighted },
    { "unlabelled_kd", "+ unlabelled data, KD (no w_i)", true, true, R::Off, D::Unweighted },
    { "refine_no_cbam_kd", "+ refinement without CBAM, KD (no w_i)", true, true, R::WithoutCbam, D::Unweighted },
    { "refine_cbam_kd", "+ refinement with CBAM, KD (no w_i)", true, true, R::WithCbam, D::Unweighted },
    { "weighted_kd", "Weighted KD without refinement", true, true, R::Off, D::Weighted },
    { "full", "Full method (refinement with CBAM + weighted KD)", true, true, R::WithCbam, D::Weighted },
  };
  return variants;
}

const AblationVariant &
FindAblationVariant(const std::string & name)
{
  std::string known;
  for (const auto & v : AblationVariants())
  {
    if (v.name == name)
      return v;
    known += (known.empty() ? "" : ", ") + v.name;
  }
  throw std::invalid_argument("unknown ablation variant '" + name + "' (known: " + known + ")");
}

SemiSupervisedConfig
ApplyAblationVariant(const SemiSupervisedConfig & base, const AblationVariant & variant)
{
  SemiSupervisedConfig c = base;
  c.useUnlabelled = variant.useUnlabelled;
  c.refinement = variant.refinement;
  c.student.distillation = variant.distillation;
  return c;
}

// ------------------------------------------------------------------------------------------------
const std::vector<PipelineStage> &
AllPipelineStages()
{
  static const std::vector<PipelineStage> stages{ PipelineStage::Teacher, PipelineStage::PseudoLabels, PipelineStage::Refinement,
                                                  PipelineStage::Student, PipelineStage::Evaluation };
  return stages;
}

const char *
ToString(PipelineStage stage)
{
  switch (stage)
  {
    case PipelineStage::Teacher:
      return "teacher";
    case PipelineStage::PseudoLabels:
      return "pseudo-labels";
    case PipelineStage::Refinement:
      return "refinement";
    case PipelineStage::Student:
      return "student";
    case PipelineStage::Evaluation:
      break;
  }
  return "evaluation";
}

PipelineStage
ParsePipelineStage(const std::string & text)
{
  for (PipelineStage s : AllPipelineStages())
    if (text == ToString(s))
      return s;
  throw std::invalid_argument("unknown stage '" + text + "' (known: teacher, pseudo-labels, refinement, student, evaluation)");
}

torch::Device
ParseTrainingDevice(const std::string & text)
{
  if (text == "cpu")
    return torch::Device(torch::kCPU);
  if (text.rfind("cuda", 0) == 0)
  {
    if (!torch::cuda::is_available())
      throw std::invalid_argument("--device " + text + ": this LibTorch build has no usable CUDA device (" +
                                  std::to_string(torch::cuda::device_count()) + " found); use --device cpu or a CUDA LibTorch");
    return torch::Device(text);
  }
  throw std::invalid_argument("unknown device '" + text + "' (known: cpu, cuda, cuda:N)");
}

// ------------------------------------------------------------------------------------------------
std::vector<EvaluatedCase>
EvaluateModelOnSamples(SamImpl & model, const std::string & modelName, const std::vector<SegmentationSample> & samples,
                       int64_t batchSize, const torch::Device & device)
{
  const torch::Tensor        logits = PredictSampleLogits(model, samples, batchSize, device);
  std::vector<EvaluatedCase> cases;
  for (size_t i = 0; i < samples.size(); ++i)
  {
    const SegmentationSample & s = samples[i];
    if (s.fullLabel.Empty())
      throw std::invalid_argument("evaluation: test image " + s.name + " has no label");
    EvaluatedCase c;
    c.model = modelName;
    c.name = s.name;
    c.source = s.source;
    c.reference = s.fullLabel;
    c.prediction = LogitsToOriginalMask(logits[static_cast<int64_t>(i)], s.height, s.width);
    c.metrics = ComputeSegmentationMetrics(c.prediction.data.data(), s.fullLabel.data.data(),
                                           MaskGrid{ { s.width, s.height }, s.spacing });
    cases.push_back(std::move(c));
  }
  return cases;
}

ModelSummary
SummarizeModel(const std::vector<EvaluatedCase> & cases, const std::string & modelName)
{
  std::vector<double> dice, recall, precision, hdPx, hdPhys, hdNorm, worstPx, worstPhys, worstNorm, zeros, ones;
  for (const auto & c : cases)
  {
    if (c.model != modelName)
      continue;
    const SegmentationMetrics & m = c.metrics;
    dice.push_back(m.dice);
    recall.push_back(m.recall);
    precision.push_back(m.precision);
    hdPx.push_back(m.hd95.pixels);
    hdPhys.push_back(m.hd95.physical);
    hdNorm.push_back(m.hd95.normalized);
    // An undefined HD95 (one mask empty) counts as the worst case, the image diagonal; an
    // undefined recall/precision as 0.
    worstPx.push_back(m.diagonal.pixels);
    worstPhys.push_back(m.diagonal.physical);
    worstNorm.push_back(m.diagonal.normalized);
    zeros.push_back(0.0);
  }
  ModelSummary s;
  s.model = modelName;
  s.dice = Summarize(dice, zeros);
  s.recall = Summarize(recall, zeros);
  s.precision = Summarize(precision, zeros);
  s.hd95Pixels = Summarize(hdPx, worstPx);
  s.hd95Physical = Summarize(hdPhys, worstPhys);
  s.hd95Normalized = Summarize(hdNorm, worstNorm);
  return s;
}

std::string
FormatEvaluationTableCsv(const std::vector<EvaluatedCase> & cases)
{
  std::string out = "model,case,dice,recall,precision,hd95_px,hd95_physical,hd95_normalized\n";
  char        line[512];
  for (const auto & c : cases)
  {
    const SegmentationMetrics & m = c.metrics;
    std::snprintf(line, sizeof(line), ",%.17g,%.17g,%.17g,%.17g,%.17g,%.17g\n", m.dice, m.recall, m.precision, m.hd95.pixels,
                  m.hd95.physical, m.hd95.normalized);
    out += c.model + "," + c.name + line;
  }
  return out;
}

namespace
{
Json
SummaryToJson(const MetricSummary & s)
{
  Json j = Json::Object();
  j["mean"] = s.mean;
  j["std"] = s.std;
  j["median"] = s.median;
  j["min"] = s.min;
  j["max"] = s.max;
  j["undefined_replaced_by_worst_case"] = static_cast<int64_t>(s.replaced);
  j["count"] = static_cast<int64_t>(s.count);
  return j;
}

Json
FiniteOrNull(double v)
{
  return std::isfinite(v) ? Json(v) : Json(nullptr);
}
} // namespace

Json
EvaluationToJson(const std::vector<EvaluatedCase> & cases, const std::vector<ModelSummary> & summaries)
{
  Json j = Json::Object();
  Json list = Json::Array();
  for (const auto & c : cases)
  {
    Json row = Json::Object();
    row["model"] = c.model;
    row["case"] = c.name;
    row["dice"] = FiniteOrNull(c.metrics.dice);
    row["recall"] = FiniteOrNull(c.metrics.recall);
    row["precision"] = FiniteOrNull(c.metrics.precision);
    row["hd95_px"] = FiniteOrNull(c.metrics.hd95.pixels);
    row["hd95_physical"] = FiniteOrNull(c.metrics.hd95.physical);
    row["hd95_normalized"] = FiniteOrNull(c.metrics.hd95.normalized);
    list.PushBack(row);
  }
  j["cases"] = list;
  Json summary = Json::Object();
  for (const auto & s : summaries)
  {
    Json m = Json::Object();
    m["dice"] = SummaryToJson(s.dice);
    m["recall"] = SummaryToJson(s.recall);
    m["precision"] = SummaryToJson(s.precision);
    m["hd95_px"] = SummaryToJson(s.hd95Pixels);
    m["hd95_physical"] = SummaryToJson(s.hd95Physical);
    m["hd95_normalized"] = SummaryToJson(s.hd95Normalized);
    summary[s.model] = m;
  }
  j["summary"] = summary;
  j["units"] = "hd95_px: pixels of the original image; hd95_physical: image spacing units (mm when the files carry mm); "
               "hd95_normalized: divided by the image diagonal";
  return j;
}

// ------------------------------------------------------------------------------------------------
namespace
{
class StageError : public std::runtime_error
{
public:
  StageError(PipelineStage stage, const std::string & message)
    : std::runtime_error(std::string(ToString(stage)) + " stage: " + message)
  {}
};

/** The tensors one stage hands to the next, saved as a LibTorch archive (no pickle). */
void
SaveTensors(const fs::path & path, const std::vector<std::pair<std::string, torch::Tensor>> & tensors, const Json & names)
{
  torch::serialize::OutputArchive archive;
  for (const auto & [key, value] : tensors)
    archive.write(key, value.to(torch::kCPU));
  archive.write("names", c10::IValue(names.Dump()));
  const fs::path temporary = TemporarySibling(path);
  archive.save_to(temporary.string());
  CommitFile(temporary, path);
}

Json
NamesOf(const std::vector<SegmentationSample> & samples)
{
  Json a = Json::Array();
  for (const auto & s : samples)
    a.PushBack(s.name);
  return a;
}

torch::Tensor
LoadTensor(const fs::path & path, const std::string & key, PipelineStage stage, const Json & expectedNames)
{
  if (!fs::exists(path))
    throw StageError(stage, path.string() + " is missing; run the earlier stages first (or all stages)");
  try
  {
    torch::serialize::InputArchive archive;
    archive.load_from(path.string());
    c10::IValue names;
    archive.read("names", names);
    if (Json::Parse(names.toStringRef()).Dump() != expectedNames.Dump())
      throw std::runtime_error("it was made for other images than the datalist's");
    torch::Tensor t;
    archive.read(key, t);
    return t;
  }
  catch (const std::exception & e)
  {
    throw StageError(stage, path.string() + ": " + std::string(e.what()).substr(0, 200));
  }
}

Sam
InitialSegmenter(const SamConfig & config, uint64_t seed, const std::string & initCheckpoint)
{
  // Teacher and student start from the same initial weights for a given seed ("initialised like
  // the teacher was"), or from the official checkpoint.
  torch::manual_seed(seed);
  Sam model(config);
  if (!initCheckpoint.empty())
    LoadStateDictStrict(*model, LoadStateDict(initCheckpoint), initCheckpoint);
  return model;
}

torch::Tensor
BinaryMasks(const torch::Tensor & logits)
{
  return (logits > 0).to(torch::kFloat32);
}

std::string
ShortLosses(const SegmenterBatchReport & r, bool student)
{
  char text[200];
  if (student)
    std::snprintf(text, sizeof(text), "loss %.4f  sup %.4f  kd %.1f  unsup %.4f  w %.3f", r.total, r.supervised, r.distillationRaw,
                  r.unsupervised, r.meanWeight);
  else
    std::snprintf(text, sizeof(text), "loss %.4f", r.total);
  return text;
}
} // namespace

PipelineResult
RunSemiSupervisedPipeline(const SemiSupervisedData & data, const SemiSupervisedConfig & config, const PipelineRunOptions & options,
                          const PipelineCallbacks & callbacks)
{
  config.Validate();
  const torch::Device device = ParseTrainingDevice(options.device);
  const fs::path      out = options.outputDirectory;
  if (out.empty())
    throw std::invalid_argument("no output folder given");
  const std::set<PipelineStage> stages =
    options.stages.empty() ? std::set<PipelineStage>(AllPipelineStages().begin(), AllPipelineStages().end()) : options.stages;
  const auto message = [&](PipelineStage stage, const std::string & text) {
    if (callbacks.onStageMessage)
      callbacks.onStageMessage(stage, text);
  };

  // config.json fixes the settings of the folder: a resumed or partial run must use the same ones.
  Json configJson = config.ToJson();
  if (!options.initCheckpoint.empty())
    configJson["init_checkpoint"] = options.initCheckpoint;
  const fs::path configPath = out / "config.json";
  const fs::path statePath = out / "state.json";
  Json           state = Json::Object();
  state["completed"] = Json::Array();
  if (fs::exists(configPath))
  {
    const Json saved = Json::Parse(ReadTextFile(configPath.string()));
    if (saved.Dump() != configJson.Dump())
      throw std::runtime_error(configPath.string() +
                               ": this folder holds a run with other settings; use another --out or the same configuration");
    if (!options.resume && options.stages.empty())
      throw std::runtime_error(out.string() + " already holds a run; add --resume to continue it, --stage NAME to redo one stage, "
                                              "or choose another --out");
    if (fs::exists(statePath))
      state = Json::Parse(ReadTextFile(statePath.string()));
  }
  else
  {
    fs::create_directories(out);
    WriteFileAtomically(configPath, configJson.Dump(2) + "\n");
  }
  const auto completed = [&](PipelineStage s) {
    for (const Json & name : state.At("completed").AsArray())
      if (name.AsString() == ToString(s))
        return true;
    return false;
  };
  auto       stageStart = std::chrono::steady_clock::now();
  const auto markCompleted = [&](PipelineStage s, bool reused = false) {
    if (!completed(s))
      state["completed"].PushBack(ToString(s));
    // Wall time per stage, for benchmarks (a resumed stage counts its last part only).
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - stageStart).count();
    if (!state.Find("seconds"))
      state["seconds"] = Json::Object();
    if (!reused)
      state["seconds"][ToString(s)] = seconds;
    char text[80];
    std::snprintf(text, sizeof(text), reused ? "reused" : "done in %.1f s", seconds);
    if (callbacks.onStageMessage)
      callbacks.onStageMessage(s, text);
    stageStart = std::chrono::steady_clock::now();
    WriteFileAtomically(statePath, state.Dump(2) + "\n");
  };
  const auto shouldRun = [&](PipelineStage s) { return stages.count(s) > 0 && !(options.resume && completed(s)); };
  const auto abortRequested = [&] { return callbacks.shouldAbort && callbacks.shouldAbort(); };

  // Reuse of another run's stages (ablations): copied, after checking that the settings that made
  // them are this run's.
  const auto reuse = [&](const std::string & from, const std::vector<std::string> & keys, const std::vector<std::string> & files,
                         const std::vector<PipelineStage> & reusedStages) {
    if (from.empty() || (options.resume && completed(reusedStages.back())))
      return;
    const Json source = Json::Parse(ReadTextFile((fs::path(from) / "config.json").string()));
    for (const auto & key : keys)
    {
      const Json * a = source.Find(key);
      const Json * b = configJson.Find(key);
      if ((a ? a->Dump() : "null") != (b ? b->Dump() : "null"))
        throw std::runtime_error(from + ": its '" + key + "' settings differ from this run's; its results cannot be reused");
    }
    for (const auto & file : files)
    {
      const fs::path path = fs::path(from) / file;
      if (!fs::exists(path))
        throw std::runtime_error(path.string() + " is missing: the run in " + from + " has not finished that stage");
      const fs::path temporary = TemporarySibling(out / file);
      fs::copy_file(path, temporary, fs::copy_options::overwrite_existing);
      CommitFile(temporary, out / file);
    }
    message(reusedStages.front(), "taking the results of " + from);
    for (PipelineStage s : reusedStages)
      markCompleted(s, true);
  };
  reuse(options.teacherFrom, { "teacher_model", "teacher", "init_checkpoint" }, { "teacher.sinusseg", "teacher_log.csv", "pseudo_labels.pt" },
        { PipelineStage::Teacher, PipelineStage::PseudoLabels });
  reuse(options.refinementFrom, { "teacher_model", "teacher", "init_checkpoint", "refiner", "refiner_training", "refinement" },
        { "refined_pseudo_labels.pt" }, { PipelineStage::Refinement });

  const fs::path teacherModel = out / "teacher.sinusseg", studentModel = out / "student.sinusseg", refinerModel = out / "refiner.sinusseg";
  const fs::path pseudoPath = out / "pseudo_labels.pt", refinedPath = out / "refined_pseudo_labels.pt";
  const Json     labelledNames = NamesOf(data.labelled), unlabelledNames = NamesOf(data.unlabelled);
  const bool     useUnlabelled = config.useUnlabelled && !data.unlabelled.empty();

  const auto trainStage = [&](PipelineStage stage, const SamConfig & architecture, const SegmenterTrainingOptions & training,
                              const StudentTargets * targets, const fs::path & modelPath) {
    const bool    student = targets != nullptr;
    const int64_t nu = (student && useUnlabelled) ? static_cast<int64_t>(data.unlabelled.size()) : 0;
    const int64_t batches = training.stepsPerEpoch > 0
                              ? training.stepsPerEpoch
                              : (std::max<int64_t>(static_cast<int64_t>(data.labelled.size()), nu) + training.batchSize - 1) / training.batchSize;
    const fs::path checkpoint = out / (std::string(ToString(stage)) + ".checkpoint");
    const fs::path logPath = out / (std::string(ToString(stage)) + "_log.csv");
    if (!options.resume)
    {
      std::error_code ec;
      fs::remove(checkpoint, ec);
    }
    Sam model{ nullptr };
    try
    {
      model = InitialSegmenter(architecture, training.seed, options.initCheckpoint);
    }
    catch (const std::exception & e)
    {
      throw StageError(stage, std::string(e.what()) + "\n(--init-checkpoint needs a model configuration with the checkpoint's shapes, "
                                                      "e.g. --preset vit_b for medsam_vit_b.pth)");
    }
    SegmenterTrainingCallbacks segmenterCallbacks;
    segmenterCallbacks.shouldAbort = abortRequested;
    segmenterCallbacks.onBatch = [&](const SegmenterBatchReport & r) {
      if (callbacks.onProgress)
        callbacks.onProgress(PipelineProgress{ stage, (r.epoch - 1) * batches + r.batch, training.epochs * batches, ShortLosses(r, student) });
    };
    segmenterCallbacks.onEpoch = [&](const std::vector<SegmenterEpochRecord> & log) {
      WriteFileAtomically(logPath, FormatSegmenterLogCsv(log));
      const SegmenterEpochRecord & r = log.back();
      char                         text[200];
      std::snprintf(text, sizeof(text), "epoch %lld/%lld: loss %.4f, validation Dice %s%s, %.1f s", static_cast<long long>(r.epoch),
                    static_cast<long long>(training.epochs), r.total,
                    r.validationDice < -0.5 ? "n/a" : std::to_string(r.validationDice).c_str(), r.best ? " (best)" : "", r.seconds);
      message(stage, text);
    };
    Json metadata = Json::Object();
    metadata["preset"] = config.preset;
    try
    {
      TrainSegmenter(model, data.labelled, student && useUnlabelled ? data.unlabelled : std::vector<SegmentationSample>{}, data.validation,
                     targets, training, SegmenterStageFiles{ ToString(stage), modelPath.string(), checkpoint.string() }, options.resume,
                     device, segmenterCallbacks, metadata);
    }
    catch (const SegmenterTrainingAborted &)
    {
      throw;
    }
    catch (const std::exception & e)
    {
      throw StageError(stage, e.what());
    }
  };

  // 1. Teacher.
  if (shouldRun(PipelineStage::Teacher))
  {
    message(PipelineStage::Teacher, "fine-tuning on " + std::to_string(data.labelled.size()) + " labelled images (" +
                                      std::to_string(data.validation.size()) + " for validation)");
    trainStage(PipelineStage::Teacher, config.teacherModel, config.teacher, nullptr, teacherModel);
    markCompleted(PipelineStage::Teacher);
  }

  const auto loadModel = [&](const fs::path & path, PipelineStage stage) {
    if (!fs::exists(path))
      throw StageError(stage, path.string() + " is missing; run the earlier stages first (or all stages)");
    Sam model = LoadSamModel(path.string());
    model->to(device);
    model->eval();
    return model;
  };

  // 2. Pseudo-labels: the frozen teacher on every training image, without augmentation.
  if (shouldRun(PipelineStage::PseudoLabels))
  {
    Sam                      teacher = loadModel(teacherModel, PipelineStage::PseudoLabels);
    const int64_t            total = static_cast<int64_t>(data.labelled.size() + data.unlabelled.size());
    const torch::Tensor      labelledLogits = PredictSampleLogits(*teacher, data.labelled, config.predictionBatch, device, abortRequested);
    if (callbacks.onProgress)
      callbacks.onProgress(PipelineProgress{ PipelineStage::PseudoLabels, static_cast<int64_t>(data.labelled.size()), std::max<int64_t>(total, 1), "" });
    const torch::Tensor unlabelledLogits = PredictSampleLogits(*teacher, data.unlabelled, config.predictionBatch, device, abortRequested);
    if (callbacks.onProgress)
      callbacks.onProgress(PipelineProgress{ PipelineStage::PseudoLabels, total, std::max<int64_t>(total, 1), "" });
    Json names = Json::Object();
    names["labelled"] = labelledNames;
    names["unlabelled"] = unlabelledNames;
    SaveTensors(pseudoPath, { { "labelled_logits", labelledLogits }, { "unlabelled_logits", unlabelledLogits } }, names);
    message(PipelineStage::PseudoLabels, "teacher logits of " + std::to_string(total) + " images in " + pseudoPath.string());
    markCompleted(PipelineStage::PseudoLabels);
  }

  Json pseudoNames = Json::Object();
  pseudoNames["labelled"] = labelledNames;
  pseudoNames["unlabelled"] = unlabelledNames;

  // 3. Refinement of the unlabelled images' pseudo-labels.
  if (shouldRun(PipelineStage::Refinement))
  {
    const torch::Tensor labelledLogits = LoadTensor(pseudoPath, "labelled_logits", PipelineStage::Refinement, pseudoNames);
    const torch::Tensor unlabelledLogits = LoadTensor(pseudoPath, "unlabelled_logits", PipelineStage::Refinement, pseudoNames);
    torch::Tensor       pseudo = BinaryMasks(unlabelledLogits);
    if (config.refinement == RefinementMode::Off || data.unlabelled.empty())
    {
      message(PipelineStage::Refinement, data.unlabelled.empty() ? "no unlabelled images: nothing to refine"
                                                                 : "refinement off: the teacher's masks are the pseudo-labels");
    }
    else
    {
      RefinerConfig refinerConfig = config.refiner;
      refinerConfig.correctionCbam = config.refinement == RefinementMode::WithCbam;
      const int64_t       h = refinerConfig.workingHeight, w = refinerConfig.workingWidth;
      std::vector<torch::Tensor> labels;
      for (const auto & s : data.labelled)
        labels.push_back(s.label);
      RefinerTrainingData refinerData;
      refinerData.pairedTeacher = ResizeMasksToWorkingGrid(BinaryMasks(labelledLogits), h, w);
      refinerData.pairedTruth = ResizeMasksToWorkingGrid(torch::stack(labels), h, w);
      refinerData.unpairedTeacher = ResizeMasksToWorkingGrid(pseudo, h, w);
      refinerData.unpairedTruth = refinerData.pairedTruth;
      torch::manual_seed(config.refinerTraining.seed);
      SinusCycleGAN refiner(refinerConfig);
      const fs::path checkpoint = out / "refinement.checkpoint";
      if (!options.resume)
      {
        std::error_code ec;
        fs::remove(checkpoint, ec);
      }
      const int64_t batches =
        (std::max(refinerData.unpairedTeacher.size(0), refinerData.unpairedTruth.size(0)) + config.refinerTraining.batchSize - 1) /
        config.refinerTraining.batchSize;
      RefinerTrainingCallbacks refinerCallbacks;
      refinerCallbacks.shouldAbort = abortRequested;
      refinerCallbacks.onBatch = [&](int64_t epoch, int64_t batch, int64_t) {
        if (callbacks.onProgress)
          callbacks.onProgress(PipelineProgress{ PipelineStage::Refinement, (epoch - 1) * batches + batch, config.refinerTraining.epochs * batches, "" });
      };
      refinerCallbacks.onEpoch = [&](const std::vector<RefinerEpochRecord> & log) {
        std::string csv = "epoch,total,adversarial_ab,adversarial_ba,cycle,correction,discriminator_a,discriminator_b,seconds\n";
        char        line[400];
        for (const auto & r : log)
        {
          std::snprintf(line, sizeof(line), "%lld,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,%.3f\n", static_cast<long long>(r.epoch), r.total,
                        r.adversarialAB, r.adversarialBA, r.cycle, r.correction, r.discriminatorA, r.discriminatorB, r.seconds);
          csv += line;
        }
        WriteFileAtomically(out / "refinement_log.csv", csv);
        const RefinerEpochRecord & r = log.back();
        std::snprintf(line, sizeof(line), "epoch %lld/%lld: generator loss %.4f, correction %.4f, %.1f s", static_cast<long long>(r.epoch),
                      static_cast<long long>(config.refinerTraining.epochs), r.total, r.correction, r.seconds);
        message(PipelineStage::Refinement, line);
      };
      message(PipelineStage::Refinement, std::string("training SinusCycle-GAN ") + (refinerConfig.correctionCbam ? "with" : "without") +
                                           " CBAM on " + std::to_string(data.labelled.size()) + " labelled pairs and " +
                                           std::to_string(data.unlabelled.size()) + " unlabelled teacher masks");
      try
      {
        refiner->to(device);
        refinerData.pairedTeacher = refinerData.pairedTeacher.to(device);
        refinerData.pairedTruth = refinerData.pairedTruth.to(device);
        refinerData.unpairedTeacher = refinerData.unpairedTeacher.to(device);
        refinerData.unpairedTruth = refinerData.unpairedTruth.to(device);
        TrainRefiner(refiner, refinerData, config.refinerTraining, checkpoint.string(), options.resume, refinerCallbacks);
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
      Json metadata = Json::Object();
      metadata["stage"] = "refinement";
      SaveRefinerModel(refinerModel.string(), *refiner, metadata);
      torch::NoGradGuard noGrad;
      const torch::Tensor refinedLogits = refiner->RefineLogits(MaskToGeneratorRange(refinerData.unpairedTeacher));
      const int64_t       grid = unlabelledLogits.size(-1);
      pseudo = (ResizeMasksToWorkingGrid(torch::sigmoid(refinedLogits), grid, grid) > 0.5).to(torch::kCPU, torch::kFloat32);
      const double changed = (pseudo != BinaryMasks(unlabelledLogits)).to(torch::kFloat64).mean().item<double>();
      char         text[160];
      std::snprintf(text, sizeof(text), "refined %lld pseudo-labels; %.2f %% of their pixels changed",
                    static_cast<long long>(pseudo.size(0)), 100.0 * changed);
      message(PipelineStage::Refinement, text);
    }
    SaveTensors(refinedPath, { { "pseudo_labels", pseudo } }, pseudoNames);
    markCompleted(PipelineStage::Refinement);
  }

  // 4. Student.
  if (shouldRun(PipelineStage::Student))
  {
    StudentTargets targets;
    targets.labelledTeacherLogits = LoadTensor(pseudoPath, "labelled_logits", PipelineStage::Student, pseudoNames);
    targets.unlabelledTeacherLogits = LoadTensor(pseudoPath, "unlabelled_logits", PipelineStage::Student, pseudoNames);
    targets.pseudoLabels = LoadTensor(refinedPath, "pseudo_labels", PipelineStage::Student, pseudoNames);
    message(PipelineStage::Student, "training on " + std::to_string(data.labelled.size()) + " labelled" +
                                      (useUnlabelled ? " + " + std::to_string(data.unlabelled.size()) + " pseudo-labelled" : std::string()) +
                                      " images, distillation " + ToString(config.student.distillation));
    trainStage(PipelineStage::Student, config.studentModel, config.student, &targets, studentModel);
    markCompleted(PipelineStage::Student);
  }

  // 5. Evaluation on the test list.
  PipelineResult result;
  result.outputDirectory = out.string();
  if (shouldRun(PipelineStage::Evaluation) || (stages.count(PipelineStage::Evaluation) && options.resume))
  {
    if (data.test.empty())
    {
      message(PipelineStage::Evaluation, "the datalist has no test images: nothing to evaluate");
    }
    else
    {
      for (const auto & [name, path] : { std::pair<std::string, fs::path>{ "teacher", teacherModel }, { "student", studentModel } })
      {
        if (!fs::exists(path))
        {
          message(PipelineStage::Evaluation, path.string() + " does not exist: " + name + " not evaluated");
          continue;
        }
        Sam  model = loadModel(path, PipelineStage::Evaluation);
        auto cases = EvaluateModelOnSamples(*model, name, data.test, config.predictionBatch, device);
        result.summaries.push_back(SummarizeModel(cases, name));
        for (auto & c : cases)
          result.cases.push_back(std::move(c));
        if (callbacks.onProgress)
          callbacks.onProgress(PipelineProgress{ PipelineStage::Evaluation, name == "teacher" ? 1 : 2, 2, "" });
      }
      WriteFileAtomically(out / "evaluation.csv", FormatEvaluationTableCsv(result.cases));
      WriteFileAtomically(out / "evaluation.json", EvaluationToJson(result.cases, result.summaries).Dump(2) + "\n");
      for (const auto & s : result.summaries)
      {
        char text[240];
        std::snprintf(text, sizeof(text), "%s on %d test images: Dice %.4f +- %.4f, recall %.4f, precision %.4f, HD95 %.2f +- %.2f px",
                      s.model.c_str(), s.dice.count, s.dice.mean, s.dice.std, s.recall.mean, s.precision.mean, s.hd95Pixels.mean,
                      s.hd95Pixels.std);
        message(PipelineStage::Evaluation, text);
      }
    }
    markCompleted(PipelineStage::Evaluation);
  }
  return result;
}

} // namespace sinus
