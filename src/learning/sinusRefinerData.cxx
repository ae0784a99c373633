// SPDX-License-Identifier: Apache-2.0
#include "sinusRefinerData.h"

#include "sinus/FileUtilities.h"
#include "sinus/ModelFile.h"
#include "sinus/RankCoordination.h"
#include "sinus/RunLock.h"
#include "sinus/TensorDictionary.h"
#include "sinusEvaluation.h"
#include "sinusImageIO.h"

#include <algorithm>
#include <filesystem>
#include <optional>

namespace sinus
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

/** Masks (labels or probabilities) each resized to the working grid: N x 1 x H x W. */
torch::Tensor
LoadMasks(const std::vector<std::string> & files, const RefinerConfig & config)
{
  std::vector<torch::Tensor> masks;
  for (const auto & file : files)
  {
    const auto raster = ImageToRaster(ReadMaskAsProbability(file).GetPointer());
    masks.push_back(ResizeMasksToWorkingGrid(RasterToNCHW(raster), config.workingHeight, config.workingWidth));
  }
  return torch::cat(masks);
}
} // namespace

RefinerTrainingData
LoadRefinerMaskFolders(const RefinerMaskFolders & folders, const RefinerConfig & config)
{
  std::vector<EvaluationCase> pairs;
  try
  {
    pairs = PairEvaluationCases(folders.pairedTeacher, folders.pairedTruth);
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
    if (ReadImageSize(p.predictionPath) != ReadImageSize(p.referencePath))
      throw std::runtime_error(p.predictionPath + " and " + p.referencePath + ": the paired masks differ in size");
  }
  RefinerTrainingData data;
  data.pairedTeacher = LoadMasks(pairedTeacherFiles, config);
  data.pairedTruth = LoadMasks(pairedTruthFiles, config);
  if (!folders.teacher.empty())
    data.unpairedTeacher = LoadMasks(MaskFiles(folders.teacher, "teacher"), config);
  if (!folders.truth.empty())
    data.unpairedTruth = LoadMasks(MaskFiles(folders.truth, "truth"), config);
  return data;
}

RefinerSettings
ReadRefinerSettingsFile(const std::string & path, const RefinerSettings & defaults)
{
  try
  {
    const Json json = ParseJson(ReadTextFile(path));
    if (!json.contains("refiner") && !json.contains("refiner_training"))
      throw std::runtime_error("no \"refiner\" or \"refiner_training\" settings (the keys of sinusseg train's configuration)");
    return RefinerSettings::FromJson(json, defaults);
  }
  catch (const std::exception & e)
  {
    throw std::runtime_error(path + ": " + e.what());
  }
}

std::vector<RefinerEpochRecord>
TrainRefinerModel(const RefinerSettings & settings, const RefinerTrainingData & data, const std::string & out, const std::string & logPath,
                  bool resume, const std::function<void(const std::vector<RefinerEpochRecord> &)> & onEpoch)
{
  const std::string checkpoint = out + ".checkpoint";
  // One run per output: a second one started on the same model file is refused, not interleaved.
  std::optional<RunLock> lock;
  RunOnLeader(ProcessGroup(), "locking " + out, [&] {
    lock.emplace(RunLock::ForFile(out), out);
    RemoveAbandonedTemporaries(fs::absolute(out).parent_path());
  });
  if (!resume && fs::exists(checkpoint))
    throw std::runtime_error(checkpoint + ": a checkpoint of an earlier run exists; pass --resume to continue it, or remove it");
  torch::manual_seed(settings.training.seed);
  SinusCycleGAN            model(settings.architecture);
  RefinerTrainingCallbacks callbacks;
  callbacks.onEpoch = [&](const std::vector<RefinerEpochRecord> & log) {
    WriteFileAtomically(logPath, FormatRefinerLogCsv(log)); // follows the checkpoint, epoch by epoch
    if (onEpoch)
      onEpoch(log);
  };
  const std::vector<RefinerEpochRecord> log = TrainRefiner(model, data, settings.training, checkpoint, resume, callbacks);
  Json                                  metadata = Json::object();
  metadata["stage"] = "refiner";
  metadata["training"] = settings.training.ToJson();
  metadata["pairs"] = data.pairedTeacher.size(0);
  metadata["final_correction_loss"] = log.empty() ? 0.0 : log.back().correction;
  RunOnLeader(ProcessGroup(), "writing the refiner model " + out, [&] { SaveRefinerModel(out, *model, metadata); });
  return log;
}

} // namespace sinus
