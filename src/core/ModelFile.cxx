// SPDX-License-Identifier: Apache-2.0
#include "sinus/ModelFile.h"

#include "sinus/FileUtilities.h"
#include "sinus/ZipDirectory.h"

#include <caffe2/serialize/inline_container.h>

#include <cstring>
#include <filesystem>
#include <limits>

namespace sinus
{
namespace
{
constexpr const char * kFormat = "sinusseg-model";
constexpr int          kVersion = 1;
constexpr const char * kIndex = "sinusseg_model.json";
constexpr const char * kSamArchitecture = "sam";
constexpr const char * kRefinerArchitecture = "sinus-cyclegan";
} // namespace

void
WriteModelArchive(const std::string & path, const std::string & architecture, const Json & config, torch::nn::Module & module,
                  const Json & metadata)
{
  const std::filesystem::path temporary = TemporarySibling(path);
  try
  {
    CheckedFileSink                        file(temporary);
    caffe2::serialize::PyTorchStreamWriter writer([&](const void * data, size_t size) { return file.Write(data, size); });
    Json                                   tensors = Json::array();
    int                                    i = 0;
    for (const auto & [name, tensor] : ModelStateDict(module))
    {
      const torch::Tensor contiguous = tensor.detach().to(torch::kCPU).to(torch::kFloat32).contiguous();
      const std::string   record = "tensors/" + std::to_string(i++);
      writer.writeRecord(record, contiguous.data_ptr(), static_cast<size_t>(contiguous.numel()) * sizeof(float));
      Json entry = Json::object();
      entry["name"] = name;
      entry["dtype"] = "float32";
      Json shape = Json::array();
      for (int64_t d : contiguous.sizes())
        shape.push_back(Json(d));
      entry["shape"] = shape;
      entry["record"] = record;
      tensors.push_back(entry);
    }
    Json index = Json::object();
    index["format"] = kFormat;
    index["version"] = kVersion;
    index["architecture"] = architecture;
    index["config"] = config;
    index["metadata"] = metadata;
    index["tensors"] = tensors;
    const std::string text = index.dump(2);
    writer.writeRecord(kIndex, text.data(), text.size());
    writer.writeEndOfFile();
    file.Finish();
  }
  catch (const std::exception & e)
  {
    std::error_code ec;
    std::filesystem::remove(temporary, ec);
    throw std::runtime_error(path + ": cannot write the model file: " + std::string(e.what()).substr(0, 200));
  }
  CommitFile(temporary, path);
}

namespace
{
/** A model file opened for reading: its zip reader and its parsed index. */
struct OpenedModelFile
{
  std::unique_ptr<caffe2::serialize::PyTorchStreamReader> reader;
  Json                                                    index;
  std::string                                             path;

  std::string Record(const std::string & name) const
  {
    try
    {
      auto [data, size] = reader->getRecord(name);
      return std::string(static_cast<const char *>(data.get()), size);
    }
    catch (const std::exception &)
    {
      throw CheckpointError(path + ": cannot read record '" + name + "' (truncated or corrupt model file)");
    }
  }
};

OpenedModelFile
OpenModelFile(const std::string & path)
{
  if (!std::filesystem::exists(path))
    throw CheckpointError(path + ": model file not found");
  OpenedModelFile file;
  file.path = path;
  try
  {
    RequireBoundedZipArchive(path);
    file.reader = std::make_unique<caffe2::serialize::PyTorchStreamReader>(path);
  }
  catch (const ZipArchiveError & e)
  {
    throw CheckpointError(path + ": not a SinusSeg model file, or damaged: " + std::string(e.what()).substr(path.size() + 2));
  }
  catch (const std::exception &)
  {
    throw CheckpointError(path + ": not a SinusSeg model file (not a zip archive, or truncated)");
  }
  if (!file.reader->hasRecord(kIndex))
  {
    throw CheckpointError(path + ": not a SinusSeg model file (no " + kIndex +
                          "); an official .pth checkpoint is given with --checkpoint");
  }
  try
  {
    file.index = ParseJson(file.Record(kIndex));
  }
  catch (const CheckpointError &)
  {
    throw;
  }
  catch (const std::exception & e)
  {
    throw CheckpointError(path + ": invalid model index: " + e.what());
  }
  return file;
}

ModelArchive
DescriptionOf(const OpenedModelFile & file, const std::string & expectedArchitecture)
{
  ModelArchive archive;
  try
  {
    const Json & index = file.index;
    if (index.at("format").get<std::string>() != kFormat)
      throw std::runtime_error("unknown format '" + index.at("format").get<std::string>() + "'");
    if (JsonInteger(index.at("version")) > kVersion)
      throw std::runtime_error("written by a newer SinusSeg (format version " + std::to_string(JsonInteger(index.at("version"))) + ")");
    archive.architecture = index.at("architecture").get<std::string>();
    archive.config = index.at("config");
    archive.metadata = index.at("metadata");
  }
  catch (const std::exception & e)
  {
    throw CheckpointError(file.path + ": invalid model index: " + e.what());
  }
  if (!expectedArchitecture.empty() && archive.architecture != expectedArchitecture)
  {
    throw CheckpointError(file.path + ": holds a '" + archive.architecture + "' model, but a '" + expectedArchitecture +
                          "' model is needed here");
  }
  return archive;
}

/** A tensor's shape from the index, each extent non-negative and their product within int64. */
std::vector<int64_t>
ShapeOf(const Json & entry, int64_t & numel)
{
  std::vector<int64_t> shape;
  numel = 1;
  for (const Json & d : entry.at("shape").get_ref<const Json::array_t &>())
  {
    const int64_t extent = JsonInteger(d);
    if (extent < 0 || (extent > 0 && numel > std::numeric_limits<int64_t>::max() / extent))
      throw std::runtime_error("tensor '" + entry.at("name").get<std::string>() + "' has an impossible shape " + entry.at("shape").dump());
    shape.push_back(extent);
    numel *= extent;
  }
  return shape;
}

StateDict
TensorsOf(const OpenedModelFile & file)
{
  StateDict tensors;
  try
  {
    for (const Json & entry : file.index.at("tensors").get_ref<const Json::array_t &>())
    {
      int64_t                    numel = 0;
      const std::vector<int64_t> shape = ShapeOf(entry, numel);
      const std::string &        name = entry.at("name").get_ref<const std::string &>();
      if (entry.at("dtype").get<std::string>() != "float32")
        throw std::runtime_error("tensor '" + name + "' is not float32");
      const std::string bytes = file.Record(entry.at("record").get<std::string>());
      if (bytes.size() / sizeof(float) != static_cast<uint64_t>(numel) || bytes.size() % sizeof(float) != 0)
        throw CheckpointError(file.path + ": tensor '" + name + "' has " + std::to_string(bytes.size()) + " bytes, expected " +
                              std::to_string(numel) + " x 4 (truncated or corrupt model file)");
      torch::Tensor t = torch::empty(shape, torch::kFloat32);
      if (!bytes.empty())
        std::memcpy(t.data_ptr(), bytes.data(), bytes.size());
      tensors.emplace_back(name, t);
    }
  }
  catch (const CheckpointError &)
  {
    throw;
  }
  catch (const std::exception & e)
  {
    throw CheckpointError(file.path + ": invalid model index: " + e.what());
  }
  return tensors;
}
} // namespace

ModelArchive
ReadModelDescription(const std::string & path, const std::string & expectedArchitecture)
{
  return DescriptionOf(OpenModelFile(path), expectedArchitecture);
}

StateDict
ReadModelTensors(const std::string & path)
{
  return TensorsOf(OpenModelFile(path));
}

ModelArchive
ReadModelArchive(const std::string & path, const std::string & expectedArchitecture)
{
  const OpenedModelFile file = OpenModelFile(path);
  ModelArchive          archive = DescriptionOf(file, expectedArchitecture);
  archive.tensors = TensorsOf(file);
  return archive;
}

namespace
{
/** Builds the network a model file describes (TModel(TConfig::FromJson(config))) and loads its
 *  weights strictly; shared by every architecture. */
template <typename TModel, typename TConfig>
TModel
LoadArchivedModel(const std::string & path, const char * architecture, Json * metadata)
{
  const ModelArchive description = ReadModelDescription(path, architecture);
  TModel             model(nullptr);
  try
  {
    model = TModel(TConfig::FromJson(description.config));
  }
  catch (const std::exception & e)
  {
    throw CheckpointError(path + ": invalid " + architecture + " configuration: " + e.what());
  }
  AdoptStateDictStrict(*model, [&] { return ReadModelTensors(path); }, path);
  model->eval();
  if (metadata)
    *metadata = description.metadata;
  return model;
}
} // namespace

void
SaveSamModel(const std::string & path, SamImpl & model, const Json & metadata)
{
  WriteModelArchive(path, kSamArchitecture, model.config.ToJson(), model, metadata);
}

Sam
LoadSamModel(const std::string & path, Json * metadata)
{
  return LoadArchivedModel<Sam, SamConfig>(path, kSamArchitecture, metadata);
}

void
SaveRefinerModel(const std::string & path, SinusCycleGANImpl & model, const Json & metadata)
{
  WriteModelArchive(path, kRefinerArchitecture, model.config.ToJson(), model, metadata);
}

SinusCycleGAN
LoadRefinerModel(const std::string & path, Json * metadata)
{
  return LoadArchivedModel<SinusCycleGAN, RefinerConfig>(path, kRefinerArchitecture, metadata);
}

Sam
LoadSamFromCheckpoint(const std::string & checkpoint, const std::optional<std::string> & configPath)
{
  SamConfig config = SamConfig::VitB();
  if (configPath)
  {
    try
    {
      config = SamConfig::FromJson(ParseJson(ReadTextFile(*configPath)));
    }
    catch (const std::exception & e)
    {
      throw CheckpointError(*configPath + ": invalid model configuration: " + e.what());
    }
  }
  Sam model(config);
  AdoptStateDictStrict(*model, [&] { return LoadStateDict(checkpoint); }, checkpoint);
  model->eval();
  return model;
}

} // namespace sinus
