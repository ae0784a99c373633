// SPDX-License-Identifier: Apache-2.0
#include "PipelineStages.h"

#include "sinus/FileUtilities.h"
#include "sinus/SegmenterRegistry.h"
#include "sinus/TrainingCheckpoint.h"

namespace sinus
{
namespace fs = std::filesystem;

void
StageContext::Message(PipelineStage stage, const std::string & text) const
{
  if (callbacks.onStageMessage)
    callbacks.onStageMessage(stage, text);
}

void
StageContext::Progress(PipelineStage stage, int64_t step, int64_t steps, const std::string & losses) const
{
  if (callbacks.onProgress)
    callbacks.onProgress(PipelineProgress{ stage, step, std::max<int64_t>(steps, 1), losses });
}

bool
StageContext::AbortRequested() const
{
  return callbacks.shouldAbort && callbacks.shouldAbort();
}

bool
StageContext::UseUnlabelled() const
{
  return config.useUnlabelled && !data.unlabelled.empty();
}

Json
StageContext::StageNames() const
{
  const auto names = [](const std::vector<SegmentationSample> & samples) {
    Json a = Json::array();
    for (const auto & s : samples)
      a.push_back(s.name);
    return a;
  };
  Json j = Json::object();
  j["labelled"] = names(data.labelled);
  j["unlabelled"] = names(data.unlabelled);
  return j;
}

void
SaveStageTensors(const fs::path & path, const std::vector<std::pair<std::string, torch::Tensor>> & tensors, const Json & names)
{
  torch::serialize::OutputArchive archive;
  for (const auto & [key, value] : tensors)
    archive.write(key, value.to(torch::kCPU));
  archive.write("names", c10::IValue(names.dump()));
  WriteArchiveAtomically(archive, path.string(), "the stage's tensors");
}

torch::Tensor
LoadStageTensor(const fs::path & path, const std::string & key, PipelineStage stage, const Json & expectedNames)
{
  if (!fs::exists(path))
    throw StageError(stage, path.string() + " is missing; run the earlier stages first (or all stages)");
  try
  {
    torch::serialize::InputArchive archive;
    ReadArchiveChecked(archive, path.string());
    c10::IValue names;
    archive.read("names", names);
    if (ParseJson(names.toStringRef()).dump() != expectedNames.dump())
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

Segmenter
LoadStageSegmenter(const StageContext & context, const fs::path & path, PipelineStage stage, Json * metadata)
{
  if (!fs::exists(path))
    throw StageError(stage, path.string() + " is missing; run the earlier stages first (or all stages)");
  Segmenter model = LoadSegmenterModel(path.string(), metadata);
  model->to(context.device);
  model->eval();
  return model;
}

} // namespace sinus
