// SPDX-License-Identifier: Apache-2.0
// sinusseg train-refiner: train SinusCycle-GAN on teacher masks and ground-truth masks.
#include "SinusSegCommand.h"
#include "TrainingJobs.h"

#include "sinus/FileUtilities.h"
#include "sinus/ModelFile.h"
#include "sinus/RefinerTraining.h"
#include "sinusRefinerData.h"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <tuple>

namespace sinusseg
{
namespace fs = std::filesystem;

namespace
{
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

/** Command-line flags over the preset and the configuration file. */
void
ApplyFlags(const boost::program_options::variables_map & values, const std::string & workingSize, int64_t epochs, int64_t batch,
           double learningRate, int64_t seed, sinus::RefinerSettings & s)
{
  if (!workingSize.empty())
    std::tie(s.architecture.workingWidth, s.architecture.workingHeight) = ParseSize(workingSize, "working-size");
  if (values.count("no-cbam"))
    s.architecture.correctionCbam = false;
  if (values.count("epochs"))
    s.training.epochs = epochs;
  if (values.count("batch"))
    s.training.batchSize = batch;
  if (values.count("lr"))
    s.training.learningRate = learningRate;
  if (values.count("seed") && seed < 0)
    throw UsageError("--seed must be a non-negative integer");
  if (values.count("seed"))
    s.training.seed = static_cast<uint64_t>(seed);
  if (s.training.epochs < 1 || s.training.batchSize < 1 || !(s.training.learningRate > 0))
    throw UsageError("--epochs and --batch must be positive and --lr > 0");
  try
  {
    s.architecture.Validate();
  }
  catch (const std::invalid_argument & e)
  {
    throw UsageError(e.what());
  }
}

std::string
DataLine(const sinus::RefinerTrainingData & data, const sinus::RefinerSettings & s)
{
  std::ostringstream line;
  line << "SinusCycle-GAN: " << data.pairedTeacher.size(0) << " pairs, "
       << (data.unpairedTeacher.defined() ? data.unpairedTeacher.size(0) : data.pairedTeacher.size(0)) << " domain-A and "
       << (data.unpairedTruth.defined() ? data.unpairedTruth.size(0) : data.pairedTruth.size(0)) << " domain-B masks; working grid "
       << s.architecture.workingWidth << "x" << s.architecture.workingHeight << (s.architecture.correctionCbam ? ", CBAM" : ", no CBAM")
       << "; " << s.training.epochs << " epochs, batch " << s.training.batchSize << ", lr " << s.training.learningRate;
  return line.str();
}

std::string
EpochLine(const sinus::RefinerEpochRecord & r, int64_t epochs, int64_t firstEpoch, std::chrono::steady_clock::time_point start)
{
  const double       elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double       eta = elapsed / static_cast<double>(r.epoch - firstEpoch + 1) * static_cast<double>(epochs - r.epoch);
  std::ostringstream line;
  line << "epoch " << r.epoch << "/" << epochs << std::fixed << std::setprecision(4) << "  L " << r.total << " (adv " << r.adversarialAB
       << " + " << r.adversarialBA << ", cycle " << r.cycle << ", corr " << r.correction << ")  D " << r.discriminatorA << " / "
       << r.discriminatorB << std::setprecision(1) << "  " << r.seconds << " s  ETA " << FormatDuration(eta);
  return line.str();
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
    ("config", po::value(&configPath), "JSON with \"refiner\" (architecture) and/or \"refiner_training\", as in sinusseg train's configuration; flags override it")
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
  sinus::RefinerSettings settings{ preset == "paper" ? sinus::RefinerConfig::Paper() : sinus::RefinerConfig::Small(), {} };
  if (!configPath.empty())
    settings = sinus::ReadRefinerSettingsFile(configPath, settings);
  ApplyFlags(values, workingSize, epochs, batch, learningRate, seed, settings);
  if (logPath.empty())
    logPath = out + ".log.csv";
  const bool                       resume = values.count("resume") > 0;
  const sinus::DataParallelGroup & group = JoinLaunchedJob();
  ConfigureThreads(threads);
  // Read and check all data before training starts.
  const sinus::RefinerTrainingData data =
    sinus::LoadRefinerMaskFolders(sinus::RefinerMaskFolders{ pairedTeacher, pairedTruth, teacher, truth }, settings.architecture);
  std::cout << DataLine(data, settings) << std::endl;
  const auto start = std::chrono::steady_clock::now();
  int64_t    firstEpoch = -1;
  const auto log = sinus::TrainRefinerModel(settings, data, out, logPath, resume, [&](const std::vector<sinus::RefinerEpochRecord> & log) {
    if (firstEpoch < 0)
      firstEpoch = log.back().epoch;
    std::cout << EpochLine(log.back(), settings.training.epochs, firstEpoch, start) << std::endl;
  });
  if (!group.Leader())
    return 0;
  std::cout << "wrote " << out << " and " << logPath << " (" << log.size() << " epochs; checkpoint " << out << ".checkpoint)" << std::endl;
  return 0;
}

} // namespace sinusseg
