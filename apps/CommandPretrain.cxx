// SPDX-License-Identifier: Apache-2.0
// sinusseg pretrain: self-supervised masked-image pretraining of a network's encoder on unlabelled
// radiographs, for `train --pretrained`.
#include "SinusSegCommand.h"
#include "TrainingJobs.h"

#include "sinusPretraining.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>

namespace sinusseg
{
namespace
{
struct PretrainFlags
{
  std::string                    arch, out;
  TrainingSettings               network; ///< preset, config, input size: the network `train` would build
  std::string                    datalist;
  std::vector<std::string>       folders;
  sinus::MaskedPretrainingOptions options;
  int64_t                        seed = 0;
};

void
AddPretrainOptions(boost::program_options::options_description & desc, PretrainFlags & f)
{
  namespace po = boost::program_options;
  desc.add_options()
    ("datalist", po::value(&f.datalist), "datalist whose training images (labelled or not; labels unused) are pretrained on; "
                                         "validation and test images are left out")
    ("images", po::value(&f.folders)->multitoken(), "folders of more unlabelled radiographs (every image file in them), e.g. DC1000")
    ("arch", po::value(&f.arch)->required(), "network whose encoder is pretrained: unet, deeplabv3plus, transunet, unetr, nnunet, medsam")
    ("preset", po::value(&f.network.preset)->default_value("radiograph"), "the preset `train` will use (sizes: cpu, or paper with vit_b)")
    ("config", po::value(&f.network.configFile), "the JSON configuration `train` will use")
    ("input-size", po::value(&f.network.inputSize), "network input size (as for train)")
    ("out", po::value(&f.out)->required(), "output folder: pretrained.sinusseg (for --pretrained), checkpoint, loss log, reconstructions.png")
    ("objective", po::value(&f.options.objective)->default_value("auto"),
     "mae (ViT encoders that can skip patches: unetr), masked_image (blanked patches, any encoder) or auto")
    ("mask-ratio", po::value(&f.options.maskRatio), "share of 16-pixel patches hidden (default 0.75 mae, 0.6 masked_image)")
    ("epochs", po::value(&f.options.epochs)->default_value(f.options.epochs), "epochs over all images")
    ("batch", po::value(&f.options.batchSize)->default_value(f.options.batchSize), "batch size")
    ("lr", po::value(&f.options.learningRate)->default_value(f.options.learningRate), "AdamW peak learning rate (cosine decay)")
    ("seed", po::value(&f.seed)->default_value(0), "seed for initialisation, order, flips and masks")
    ("resume", "continue from the folder's checkpoint after an interruption")
    ("device", po::value(&f.network.device)->default_value("cpu"), "cpu, cuda or cuda:N")
    ("threads", po::value(&f.network.threads)->default_value(0), "CPU threads (0 = all cores)");
}

/** A progress line per batch on a terminal, a line per epoch with the ETA always. */
sinus::MaskedPretrainingCallbacks
ConsoleProgress(int64_t epochs)
{
  using Clock = std::chrono::steady_clock;
  const bool                        terminal = ::isatty(STDOUT_FILENO) != 0;
  auto                              start = std::make_shared<Clock::time_point>(Clock::now());
  auto                              firstEpoch = std::make_shared<int64_t>(-1);
  sinus::MaskedPretrainingCallbacks callbacks;
  callbacks.onBatch = [terminal](int64_t epoch, int64_t batch, int64_t batches, double loss) {
    if (terminal)
      std::printf("\r  epoch %lld  batch %lld/%lld  loss %.4f\033[K", static_cast<long long>(epoch), static_cast<long long>(batch),
                  static_cast<long long>(batches), loss);
    std::fflush(stdout);
  };
  callbacks.onEpoch = [=](const std::vector<sinus::MaskedPretrainingRecord> & log) {
    const sinus::MaskedPretrainingRecord & r = log.back();
    if (*firstEpoch < 0)
      *firstEpoch = r.epoch;
    const double elapsed = std::chrono::duration<double>(Clock::now() - *start).count();
    const double eta = elapsed / static_cast<double>(r.epoch - *firstEpoch + 1) * static_cast<double>(epochs - r.epoch);
    std::printf("%sepoch %lld/%lld: loss %.4f, lr %.2e, %.1f s, ETA %s\n", terminal ? "\r\033[K" : "", static_cast<long long>(r.epoch),
                static_cast<long long>(epochs), r.loss, r.learningRate, r.seconds, FormatClock(eta).c_str());
    std::fflush(stdout);
  };
  return callbacks;
}
} // namespace

int
RunPretrain(const std::vector<std::string> & args)
{
  PretrainFlags                               flags;
  boost::program_options::options_description desc("Options");
  AddPretrainOptions(desc, flags);
  boost::program_options::variables_map values;
  if (!ParseCommandLine("pretrain", "(--datalist FILE | --images DIR...) --arch A --out DIR [options]", desc, args, values))
    return 0;
  if (flags.datalist.empty() && flags.folders.empty())
    throw UsageError("give --datalist and/or --images: the radiographs to pretrain on");
  if (flags.seed < 0)
    throw UsageError("--seed must be a non-negative integer");
  flags.options.seed = static_cast<uint64_t>(flags.seed);
  try
  {
    flags.options.Validate();
  }
  catch (const std::invalid_argument & e)
  {
    throw UsageError(e.what());
  }
  flags.network.teacherArch = flags.arch;
  sinus::PretrainingJob job;
  job.network = flags.network.Resolve(flags.datalist).teacherModel;
  job.datalist = flags.datalist;
  job.imageFolders = flags.folders;
  job.options = flags.options;
  job.outputDirectory = flags.out;
  job.resume = values.count("resume") > 0;
  job.device = flags.network.device;
  const sinus::DataParallelGroup & group = JoinLaunchedJob(flags.network.device);
  job.threads = ConfigureThreads(flags.network.threads);
  const auto start = std::chrono::steady_clock::now();
  const sinus::PretrainingResult result =
    sinus::RunPretraining(job, ConsoleProgress(flags.options.epochs), [](const std::string & line) { std::cout << line << std::endl; });
  if (!group.Leader())
    return 0;
  std::printf("wrote %s (%lld encoder tensors, %s, final loss %.4f) in %.0f s; use it with `sinusseg train --pretrained %s`\n",
              result.modelPath.c_str(), static_cast<long long>(result.encoderTensors), result.objective.c_str(),
              result.log.empty() ? 0.0 : result.log.back().loss, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(),
              flags.out.c_str());
  return 0;
}

} // namespace sinusseg
