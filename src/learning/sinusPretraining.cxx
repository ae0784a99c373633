// SPDX-License-Identifier: Apache-2.0
#include "sinusPretraining.h"

#include "sinus/FileUtilities.h"
#include "sinus/RankCoordination.h"
#include "sinus/RunLock.h"
#include "sinus/SemiSupervisedPipeline.h"
#include "sinusReportGraphics.h"
#include "sinusTrainingDatalist.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <optional>

namespace sinus
{
namespace fs = std::filesystem;

namespace
{
/** The datalist's training images (labelled or not) and every image of the extra folders. */
std::vector<torch::Tensor>
PretrainingImages(const PretrainingJob & job, const std::function<void(const std::string &)> & message)
{
  DatalistLoadOptions load;
  load.inputSize = job.network.InputSize();
  load.labelGrids = { load.inputSize };
  load.threads = job.threads;
  std::vector<torch::Tensor> images;
  if (!job.datalist.empty())
  {
    const SemiSupervisedData data = LoadSemiSupervisedData(job.datalist, load);
    for (const auto * list : { &data.labelled, &data.unlabelled })
      for (const auto & sample : *list)
        images.push_back(sample.image);
    message(job.datalist + ": " + std::to_string(images.size()) + " training images (" + std::to_string(data.labelled.size()) +
            " labelled, labels unused; its " + std::to_string(data.validation.size() + data.test.size()) +
            " validation and test images are left out)");
  }
  if (!job.imageFolders.empty())
  {
    std::vector<std::string>              skipped;
    const std::vector<SegmentationSample> extra = LoadImageFolders(job.imageFolders, load, skipped);
    for (const auto & sample : extra)
      images.push_back(sample.image);
    message(std::to_string(extra.size()) + " images from the folders" +
            (skipped.empty() ? std::string() : "; not images, skipped: " + std::to_string(skipped.size()) + " files (first: " + skipped.front() + ")"));
  }
  return images;
}

std::string
LogCsv(const std::vector<MaskedPretrainingRecord> & log)
{
  std::string csv = "epoch,loss,learning_rate,seconds\n";
  char        line[160];
  for (const auto & r : log)
  {
    std::snprintf(line, sizeof(line), "%lld,%.9g,%.9g,%.3f\n", static_cast<long long>(r.epoch), r.loss, r.learningRate, r.seconds);
    csv += line;
  }
  return csv;
}

RgbRaster
ToRgb(const torch::Tensor & image)
{
  const torch::Tensor values = (image[0] * 255.0).round().clamp(0, 255).to(torch::kUInt8).contiguous();
  Raster<uint8_t>     grey(values.size(0), values.size(1));
  std::copy_n(values.data_ptr<uint8_t>(), values.numel(), grey.data.begin());
  return OverlayOutlines(grey, {}, {}); // no outlines: the radiograph in grey
}

/** One row per image: masked input | reconstruction | original. */
void
WriteReconstructionPicture(const ReconstructionExamples & examples, const fs::path & path)
{
  std::vector<RgbRaster> rows;
  for (int64_t i = 0; i < examples.original.size(0); ++i)
    rows.push_back(JoinPanels({ ToRgb(examples.masked[i]), ToRgb(examples.reconstruction[i]), ToRgb(examples.original[i]) }, 4));
  WriteRgbPng(StackPanels(rows, 4), path.string());
}
} // namespace

PretrainingResult
RunPretraining(const PretrainingJob & job, const MaskedPretrainingCallbacks & callbacks, const std::function<void(const std::string &)> & message)
{
  job.options.Validate();
  const torch::Device              device = ParseTrainingDevice(job.device);
  const std::vector<torch::Tensor> images = PretrainingImages(job, message);
  const fs::path                   folder(job.outputDirectory);
  const fs::path                   checkpoint = folder / PretrainingFiles::kCheckpoint;
  const DataParallelGroup &        group = ProcessGroup();
  std::optional<RunLock>           lock; // one run per folder, for the whole of this one
  RunOnLeader(group, "preparing the pretraining folder " + folder.string(), [&] {
    fs::create_directories(folder);
    lock.emplace(RunLock::ForFolder(folder), folder.string());
    RemoveAbandonedTemporaries(folder);
    if (!job.resume)
      fs::remove(checkpoint);
  });
  torch::manual_seed(job.options.seed);
  Segmenter        network = BuildSegmenter(job.network);
  MaskedPretrainer pretrainer(*network, job.options, device);
  message("pretraining the " + network->Architecture() + " encoder (" + std::to_string(pretrainer.EncoderParameters().size()) +
          " tensors) by " + (pretrainer.Objective() == "mae" ? "MAE" : "masked-image modelling") + ", " +
          std::to_string(static_cast<int>(pretrainer.MaskRatio() * 100 + 0.5)) + " % of the 16-pixel patches hidden, on " +
          std::to_string(images.size()) + " images");
  MaskedPretrainingCallbacks withLog = callbacks;
  withLog.onEpoch = [&](const std::vector<MaskedPretrainingRecord> & log) {
    WriteFileAtomically(folder / PretrainingFiles::kLog, LogCsv(log));
    if (callbacks.onEpoch)
      callbacks.onEpoch(log);
  };
  PretrainingResult result;
  result.log = pretrainer.Train(images, checkpoint.string(), job.resume, withLog);
  result.modelPath = (folder / PretrainingFiles::kModel).string();
  RunOnLeader(group, "writing the pretrained model", [&] {
    const std::vector<torch::Tensor> shown(images.begin(), images.begin() + std::min<size_t>(4, images.size()));
    WriteReconstructionPicture(pretrainer.Reconstruct(shown, job.options.seed), folder / PretrainingFiles::kPicture);
    network->to(torch::kCPU);
    SaveSegmenterModel(result.modelPath, *network, Json{ { "pretraining", pretrainer.Description(static_cast<int64_t>(images.size())) } });
  });
  result.images = static_cast<int64_t>(images.size());
  result.objective = pretrainer.Objective();
  result.maskRatio = pretrainer.MaskRatio();
  result.encoderTensors = static_cast<int64_t>(pretrainer.EncoderParameters().size());
  return result;
}

} // namespace sinus
