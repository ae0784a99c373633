// sinusseg train-refiner: train SinusCycle-GAN on teacher masks and ground-truth masks.
#include "SinusSegCommand.h"

#include "sinus/FileUtilities.h"
#include "sinus/ModelFile.h"
#include "sinus/RefinerTraining.h"
#include "sinus/TensorDictionary.h"
#include "sinusEvaluation.h"
#include "sinusImageIO.h"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <sstream>

namespace sinusseg
{
namespace fs = std::filesystem;

namespace
{
std::vector<std::string>
MaskFiles(const std::string & folder, const std::string & option)
{
  if (!fs::is_directory(folder))
    throw std::runtime_error(folder + ": not a folder (--" + option + ")");
  std::vector<std::string> files;
  for (const auto & entry : fs::directory_iterator(folder))
    if (entry.is_regular_file() && entry.path().filename().string()[0] != '.')
      files.push_back(entry.path().string());
  std::sort(files.begin(), files.end());
  if (files.empty())
    throw std::runtime_error(folder + ": no masks in the folder (--" + option + ")");
  return files;
}

/** Reads masks (labels or probabilities) and resizes each to the working grid: N x 1 x H x W. */
torch::Tensor
LoadMasks(const std::vector<std::string> & files, const sinus::RefinerConfig & config)
{
  std::vector<torch::Tensor> masks;
  for (const auto & file : files)
  {
    const auto raster = sinus::ImageToRaster(sinus::ReadMaskAsProbability(file).GetPointer());
    masks.push_back(sinus::ResizeMasksToWorkingGrid(sinus::RasterToNCHW(raster), config.workingHeight, config.workingWidth));
  }
  return torch::cat(masks);
}

std::string
FormatDuration(double seconds)
{
  std::ostringstream s;
  if (seconds >= 3600)
    s << static_cast<int>(seconds / 3600) << " h " << static_cast<int>(std::fmod(seconds, 3600) / 60) << " min";
  else if (seconds >= 60)
    s << static_cast<int>(seconds / 60) << " min " << static_cast<int>(std::fmod(seconds, 60)) << " s";
  else
    s << std::fixed << std::setprecision(1) << seconds << " s";
  return s.str();
}

std::string
LogCsv(const std::vector<sinus::RefinerEpochRecord> & log)
{
  std::ostringstream s;
  s << "epoch,total,adversarial_ab,adversarial_ba,cycle,correction,discriminator_a,discriminator_b,seconds\n" << std::setprecision(9);
  for (const auto & r : log)
    s << r.epoch << ',' << r.total << ',' << r.adversarialAB << ',' << r.adversarialBA << ',' << r.cycle << ',' << r.correction << ','
      << r.discriminatorA << ',' << r.discriminatorB << ',' << r.seconds << '\n';
  return s.str();
}
} // namespace

int
RunTrainRefiner(const std::vector<std::string> & args)
{
  namespace po = boost::program_options;
  std::string pairedTeacher, pairedTruth, teacher, truth, out, preset = "paper", configPath, workingSize, logPath;
  int64_t     epochs = 0, batch = 0;
  double      learningRate = 0;
  int64_t     seed = -1;
  int         threads = 0;
  po::options_description desc("Options");
  desc.add_options()
    ("paired-teacher", po::value(&pairedTeacher)->required(), "folder: teacher masks on the labelled images")
    ("paired-truth", po::value(&pairedTruth)->required(), "folder: their ground-truth masks (same file names)")
    ("teacher", po::value(&teacher), "folder: teacher masks on unlabelled images (domain A; default: the paired teacher masks)")
    ("truth", po::value(&truth), "folder: ground-truth masks (domain B; default: the paired ground truth)")
    ("out", po::value(&out)->required(), "the trained refiner model file")
    ("preset", po::value(&preset)->default_value(preset), "architecture: paper (256x256, ngf 64, 9 blocks) or small (CPU)")
    ("config", po::value(&configPath), "JSON with optional \"refiner\" (architecture) and \"training\" objects; flags override it")
    ("working-size", po::value(&workingSize), "working grid WIDTHxHEIGHT (multiples of 16)")
    ("no-cbam", "correction networks without CBAM (the paper's ablation)")
    ("epochs", po::value(&epochs), "epochs (default 100)")
    ("batch", po::value(&batch), "batch size (default 10)")
    ("lr", po::value(&learningRate), "AdamW learning rate (default 1e-5)")
    ("seed", po::value(&seed), "seed for initialisation and sampling (default 0)")
    ("resume", "continue from OUT.checkpoint after an interruption")
    ("log", po::value(&logPath), "per-epoch loss CSV (default OUT.log.csv)")
    ("threads", po::value(&threads)->default_value(0), "LibTorch threads (0 = all cores)");
  po::variables_map values;
  if (!ParseCommandLine("train-refiner", "--paired-teacher DIR --paired-truth DIR [--teacher DIR] [--truth DIR] --out MODEL [options]",
                        desc, args, values))
  {
    return 0;
  }
  if (preset != "paper" && preset != "small")
    throw UsageError("--preset must be paper or small");
  sinus::RefinerConfig           config = preset == "paper" ? sinus::RefinerConfig::Paper() : sinus::RefinerConfig::Small();
  sinus::RefinerTrainingOptions  options;
  if (!configPath.empty())
  {
    try
    {
      const sinus::Json json = sinus::Json::Parse(sinus::ReadTextFile(configPath));
      sinus::RequireKnownKeys(json, { "refiner", "training" }, "configuration");
      if (const sinus::Json * r = json.Find("refiner"))
        config = sinus::RefinerConfig::FromJson(*r, config);
      if (const sinus::Json * t = json.Find("training"))
        options = sinus::RefinerTrainingOptions::FromJson(*t, options);
    }
    catch (const std::exception & e)
    {
      throw std::runtime_error(configPath + ": " + e.what());
    }
  }
  if (!workingSize.empty())
  {
    const auto [w, h] = ParseSize(workingSize, "working-size");
    config.workingWidth = w;
    config.workingHeight = h;
  }
  if (values.count("no-cbam"))
    config.correctionCbam = false;
  if (values.count("epochs"))
    options.epochs = epochs;
  if (values.count("batch"))
    options.batchSize = batch;
  if (values.count("lr"))
    options.learningRate = learningRate;
  if (values.count("seed"))
  {
    if (seed < 0)
      throw UsageError("--seed must be a non-negative integer");
    options.seed = static_cast<uint64_t>(seed);
  }
  if (options.epochs < 1 || options.batchSize < 1 || !(options.learningRate > 0))
    throw UsageError("--epochs and --batch must be positive and --lr > 0");
  try
  {
    config.Validate();
  }
  catch (const std::invalid_argument & e)
  {
    throw UsageError(e.what());
  }
  const bool        resume = values.count("resume") > 0;
  const std::string checkpoint = out + ".checkpoint";
  if (logPath.empty())
    logPath = out + ".log.csv";
  if (!resume && fs::exists(checkpoint))
  {
    throw std::runtime_error(checkpoint + ": a checkpoint of an earlier run exists; pass --resume to continue it, or remove it");
  }
  ConfigureThreads(threads);

  // Read and check all data before training starts.
  std::vector<sinus::EvaluationCase> pairs;
  try
  {
    pairs = sinus::PairEvaluationCases(pairedTeacher, pairedTruth);
  }
  catch (const std::exception & e)
  {
    throw std::runtime_error(std::string("paired masks (--paired-teacher, --paired-truth): ") + e.what());
  }
  std::vector<std::string> pairedTeacherFiles, pairedTruthFiles;
  for (const auto & p : pairs)
  {
    pairedTeacherFiles.push_back(p.predictionPath);
    pairedTruthFiles.push_back(p.referencePath);
    if (sinus::ReadImageSize(p.predictionPath) != sinus::ReadImageSize(p.referencePath))
      throw std::runtime_error(p.predictionPath + " and " + p.referencePath + ": the paired masks differ in size");
  }
  sinus::RefinerTrainingData data;
  data.pairedTeacher = LoadMasks(pairedTeacherFiles, config);
  data.pairedTruth = LoadMasks(pairedTruthFiles, config);
  if (!teacher.empty())
    data.unpairedTeacher = LoadMasks(MaskFiles(teacher, "teacher"), config);
  if (!truth.empty())
    data.unpairedTruth = LoadMasks(MaskFiles(truth, "truth"), config);
  std::cout << "SinusCycle-GAN: " << data.pairedTeacher.size(0) << " pairs, "
            << (data.unpairedTeacher.defined() ? data.unpairedTeacher.size(0) : data.pairedTeacher.size(0)) << " domain-A and "
            << (data.unpairedTruth.defined() ? data.unpairedTruth.size(0) : data.pairedTruth.size(0)) << " domain-B masks; working grid "
            << config.workingWidth << "x" << config.workingHeight << (config.correctionCbam ? ", CBAM" : ", no CBAM") << "; "
            << options.epochs << " epochs, batch " << options.batchSize << ", lr " << options.learningRate << std::endl;

  torch::manual_seed(options.seed);
  sinus::SinusCycleGAN model(config);
  const auto           start = std::chrono::steady_clock::now();
  int64_t              firstEpoch = -1;
  sinus::RefinerTrainingCallbacks callbacks;
  callbacks.onEpoch = [&](const std::vector<sinus::RefinerEpochRecord> & log) {
    const sinus::RefinerEpochRecord & r = log.back();
    sinus::WriteFileAtomically(logPath, LogCsv(log)); // follows the checkpoint, epoch by epoch
    if (firstEpoch < 0)
      firstEpoch = r.epoch;
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const double eta = elapsed / static_cast<double>(r.epoch - firstEpoch + 1) * static_cast<double>(options.epochs - r.epoch);
    std::cout << "epoch " << r.epoch << "/" << options.epochs << std::fixed << std::setprecision(4) << "  L " << r.total << " (adv "
              << r.adversarialAB << " + " << r.adversarialBA << ", cycle " << r.cycle << ", corr " << r.correction << ")  D "
              << r.discriminatorA << " / " << r.discriminatorB << std::setprecision(1) << "  " << r.seconds << " s  ETA "
              << FormatDuration(eta) << std::defaultfloat << std::endl;
  };
  const std::vector<sinus::RefinerEpochRecord> log = sinus::TrainRefiner(model, data, options, checkpoint, resume, callbacks);
  sinus::Json metadata = sinus::Json::Object();
  metadata["stage"] = "refiner";
  metadata["training"] = options.ToJson();
  metadata["pairs"] = static_cast<int64_t>(data.pairedTeacher.size(0));
  metadata["final_correction_loss"] = log.empty() ? 0.0 : log.back().correction;
  sinus::SaveRefinerModel(out, *model, metadata);
  std::cout << "wrote " << out << " and " << logPath << " (" << log.size() << " epochs; checkpoint " << checkpoint << ")" << std::endl;
  return 0;
}

} // namespace sinusseg
