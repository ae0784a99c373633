// SPDX-License-Identifier: Apache-2.0
#include "sinus/SegmenterRegistry.h"

#include "sinus/ModelFile.h"
#include "sinus/SamModel.h"
#include "sinus/UNetSegmenter.h"

namespace sinus
{

namespace
{
SegmenterArchitecture
SamArchitecture()
{
  SegmenterArchitecture a;
  a.name = "sam";
  a.presets = { "small", "vit_b" };
  a.presetConfig = [](const std::string & preset, int64_t inputSize) { return SamPreset(preset, inputSize).ToJson(); };
  a.build = [](const Json & config) { return AsSegmenter(Sam(SamConfig::FromJson(config))); };
  a.geometry = [](const Json & config) { return std::pair<int64_t, int64_t>{ SamConfig::FromJson(config).imageEncoder.imgSize, 4 }; };
  return a;
}

SegmenterArchitecture
UNetArchitecture()
{
  SegmenterArchitecture a;
  a.name = "unet";
  a.presets = { "unet" };
  a.presetConfig = [](const std::string &, int64_t inputSize) {
    UNetConfig c;
    if (inputSize > 0)
      c.inputSize = inputSize;
    c.Validate();
    return c.ToJson();
  };
  a.build = [](const Json & config) { return AsSegmenter(UNetSegmenter(UNetConfig::FromJson(config))); };
  a.geometry = [](const Json & config) {
    const UNetConfig c = UNetConfig::FromJson(config);
    return std::pair<int64_t, int64_t>{ c.inputSize, c.outputStride };
  };
  return a;
}

std::string
KnownNames(bool presets)
{
  std::string list;
  for (const auto & a : SegmenterArchitectures())
    for (const auto & name : presets ? a.presets : std::vector<std::string>{ a.name })
      list += (list.empty() ? "" : ", ") + name;
  return list;
}
} // namespace

const std::vector<SegmenterArchitecture> &
SegmenterArchitectures()
{
  static const std::vector<SegmenterArchitecture> architectures{ SamArchitecture(), UNetArchitecture() };
  return architectures;
}

const SegmenterArchitecture &
FindSegmenterArchitecture(const std::string & name)
{
  for (const auto & a : SegmenterArchitectures())
    if (a.name == name)
      return a;
  throw std::invalid_argument("unknown segmenter architecture '" + name + "' (known: " + KnownNames(false) + ")");
}

SegmenterSpec
SegmenterSpec::Preset(const std::string & name, int64_t inputSize)
{
  for (const auto & a : SegmenterArchitectures())
    for (const auto & preset : a.presets)
      if (preset == name)
        return SegmenterSpec{ a.name, a.presetConfig(name, inputSize) };
  throw std::invalid_argument("unknown model preset '" + name + "' (known: " + KnownNames(true) + ")");
}

SegmenterSpec
SegmenterSpec::FromJson(const Json & json)
{
  if (!json.is_object())
    throw std::invalid_argument("model: expected a JSON object");
  SegmenterSpec spec;
  if (!FindJsonMember(json, "architecture"))
  {
    spec.config = SamConfig::FromJson(json).ToJson(); // a bare SAM configuration
    return spec;
  }
  RequireKnownKeys(json, { "architecture", "config" }, "model");
  spec.architecture = json.at("architecture").get<std::string>();
  spec.config = json.contains("config") ? json.at("config") : Json::object();
  FindSegmenterArchitecture(spec.architecture).geometry(spec.config); // validates the configuration
  return spec;
}

Json
SegmenterSpec::ToJson() const
{
  Json j = Json::object();
  j["architecture"] = architecture;
  j["config"] = config;
  return j;
}

int64_t
SegmenterSpec::InputSize() const
{
  return FindSegmenterArchitecture(architecture).geometry(config).first;
}

int64_t
SegmenterSpec::OutputStride() const
{
  return FindSegmenterArchitecture(architecture).geometry(config).second;
}

Segmenter
BuildSegmenter(const SegmenterSpec & spec)
{
  const SegmenterArchitecture & a = FindSegmenterArchitecture(spec.architecture);
  try
  {
    return a.build(spec.config);
  }
  catch (const std::exception & e)
  {
    throw std::invalid_argument("invalid " + a.name + " configuration: " + e.what());
  }
}

void
SaveSegmenterModel(const std::string & path, SegmenterImpl & segmenter, const Json & metadata)
{
  WriteModelArchive(path, segmenter.Architecture(), segmenter.ConfigJson(), segmenter, metadata);
}

Segmenter
LoadSegmenterModel(const std::string & path, Json * metadata)
{
  ModelArchive archive = ReadModelArchive(path);
  bool         known = false;
  for (const auto & a : SegmenterArchitectures())
    known = known || a.name == archive.architecture;
  if (!known)
    throw CheckpointError(path + ": holds a '" + archive.architecture + "' model, which is not a segmenter (known: " + KnownNames(false) + ")");
  Segmenter segmenter{ nullptr };
  try
  {
    segmenter = BuildSegmenter(SegmenterSpec{ archive.architecture, archive.config });
  }
  catch (const std::exception & e)
  {
    throw CheckpointError(path + ": " + e.what());
  }
  LoadStateDictStrict(*segmenter, archive.tensors, path);
  segmenter->eval();
  if (metadata)
    *metadata = archive.metadata;
  return segmenter;
}

} // namespace sinus
