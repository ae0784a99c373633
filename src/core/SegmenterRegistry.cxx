// SPDX-License-Identifier: Apache-2.0
#include "sinus/SegmenterRegistry.h"

#include "sinus/ModelFile.h"
#include "sinus/SamModel.h"
#include "sinus/DeepLabV3PlusSegmenter.h"
#include "sinus/NnUNetPlan.h"
#include "sinus/TransUNetSegmenter.h"
#include "sinus/UNETRSegmenter.h"
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

/** An architecture whose configuration type has inputSize, FromJson, ToJson and Validate, and
 *  whose presets are "cpu" and "paper". */
template <typename TConfig, typename THolder>
SegmenterArchitecture
ConfiguredArchitecture(const std::string & name, TConfig (*preset)(const std::string &), int64_t (*stride)(const TConfig &))
{
  SegmenterArchitecture a;
  a.name = name;
  a.presets = { "cpu", "paper" };
  a.presetConfig = [preset](const std::string & presetName, int64_t inputSize) {
    TConfig c = preset(presetName);
    if (inputSize > 0)
      c.inputSize = inputSize;
    c.Validate();
    return c.ToJson();
  };
  a.build = [](const Json & config) { return AsSegmenter(THolder(TConfig::FromJson(config))); };
  a.geometry = [stride](const Json & config) {
    const TConfig c = TConfig::FromJson(config);
    return std::pair<int64_t, int64_t>{ c.inputSize, stride(c) };
  };
  return a;
}

template <typename TConfig>
int64_t
FullResolution(const TConfig &)
{
  return 1;
}

void
RequireCpuOrPaper(const std::string & architecture, const std::string & preset)
{
  if (preset != "cpu" && preset != "paper")
    throw std::invalid_argument("unknown " + architecture + " preset '" + preset + "' (known: cpu, paper)");
}

UNetConfig
UNetPreset(const std::string & preset)
{
  RequireCpuOrPaper("unet", preset);
  UNetConfig c; // cpu: base 16 at 256, bilinear upsampling
  if (preset == "paper")
  {
    // Ronneberger et al.'s widths (64 .. 1024) with transposed-convolution upsampling: 31.04 M
    // parameters, the paper's count.
    c.inputSize = 1024;
    c.baseChannels = 64;
    c.upsampling = "transposed";
  }
  return c;
}

DeepLabV3PlusConfig
DeepLabV3PlusPreset(const std::string & preset)
{
  RequireCpuOrPaper("deeplabv3plus", preset);
  DeepLabV3PlusConfig c;
  if (preset == "paper")
  {
    // The paper names no backbone; these widths give its parameter count (2.67 M).
    c.inputSize = 1024;
    c.encoderChannels = { 32, 64, 128, 256 };
    c.middleBlocks = 7;
    c.asppChannels = 256;
    c.lowLevelChannels = 48;
    c.decoderChannels = 384;
  }
  return c;
}

TransUNetConfig
TransUNetPreset(const std::string & preset)
{
  RequireCpuOrPaper("transunet", preset);
  TransUNetConfig c;
  if (preset == "paper")
  {
    // ViT-B/16 (768 wide, 12 blocks) as in TransUNet; the CNN stem is narrower than R50, so that
    // the total is the paper's 93.74 M (R50-ViT-B/16 has 105 M).
    c.inputSize = 1024;
    c.stemChannels = { 64, 128, 256, 512 };
    c.stemUnits = { 1, 1, 1 };
    c.transformer = VisionTransformerConfig{ 768, 12, 12, 3072 };
    c.decoderChannels = { 256, 128, 64, 16 };
  }
  return c;
}

UNETRConfig
UNETRPreset(const std::string & preset)
{
  RequireCpuOrPaper("unetr", preset);
  UNETRConfig c;
  if (preset == "paper")
  {
    c.inputSize = 1024;
    c.transformer = VisionTransformerConfig{ 768, 12, 12, 3072 };
    c.featureSize = 16;
  }
  return c;
}

NnUNetConfig
NnUNetPreset(const std::string & preset)
{
  RequireCpuOrPaper("nnunet", preset);
  // Without a data set, the plan for a fingerprint of square images of the budget's size;
  // `sinusseg benchmark table1` and `train --teacher-arch nnunet` plan from the training images.
  const NnUNetPlanLimits limits = preset == "paper" ? NnUNetPlanLimits::Paper() : NnUNetPlanLimits::Cpu();
  return PlanNnUNet(DatasetFingerprint{ 1000, limits.maxInputSize, limits.maxInputSize }, limits).network;
}

std::string
KnownNames()
{
  std::string list;
  for (const auto & a : SegmenterArchitectures())
    list += (list.empty() ? "" : ", ") + a.name;
  return list;
}
} // namespace

const std::vector<SegmenterArchitecture> &
SegmenterArchitectures()
{
  static const std::vector<SegmenterArchitecture> architectures{
    SamArchitecture(),
    ConfiguredArchitecture<UNetConfig, UNetSegmenter>("unet", &UNetPreset, [](const UNetConfig & c) { return c.outputStride; }),
    ConfiguredArchitecture<DeepLabV3PlusConfig, DeepLabV3PlusSegmenter>("deeplabv3plus", &DeepLabV3PlusPreset, &FullResolution<DeepLabV3PlusConfig>),
    ConfiguredArchitecture<TransUNetConfig, TransUNetSegmenter>("transunet", &TransUNetPreset, &FullResolution<TransUNetConfig>),
    ConfiguredArchitecture<UNETRConfig, UNETRSegmenter>("unetr", &UNETRPreset, &FullResolution<UNETRConfig>),
    ConfiguredArchitecture<NnUNetConfig, NnUNetSegmenter>("nnunet", &NnUNetPreset, &FullResolution<NnUNetConfig>)
  };
  return architectures;
}

const SegmenterArchitecture &
FindSegmenterArchitecture(const std::string & name)
{
  for (const auto & a : SegmenterArchitectures())
    if (a.name == name)
      return a;
  throw std::invalid_argument("unknown segmenter architecture '" + name + "' (known: " + KnownNames() + "; medsam = sam)");
}

SegmenterSpec
SegmenterSpec::Preset(const std::string & name, int64_t inputSize)
{
  if (name == "small" || name == "vit_b")
    return SegmenterSpec{ "sam", FindSegmenterArchitecture("sam").presetConfig(name, inputSize) };
  if (name == "unet")
    return ForArchitecture("unet", "cpu", inputSize);
  throw std::invalid_argument("unknown model preset '" + name + "' (known: small, vit_b, unet; or an architecture with a cpu or paper preset)");
}

SegmenterSpec
SegmenterSpec::ForArchitecture(const std::string & name, const std::string & preset, int64_t inputSize)
{
  if (name == "medsam" || name == "sam")
  {
    // MedSAM is SAM's architecture: ViT-B at 1024 for the paper, the small SAM for CPUs.
    RequireCpuOrPaper(name, preset);
    return Preset(preset == "paper" ? "vit_b" : "small", inputSize);
  }
  const SegmenterArchitecture & a = FindSegmenterArchitecture(name);
  return SegmenterSpec{ a.name, a.presetConfig(preset, inputSize) };
}

const std::vector<std::string> &
TableOneArchitectures()
{
  static const std::vector<std::string> names{ "unet", "deeplabv3plus", "transunet", "unetr", "nnunet", "medsam" };
  return names;
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
  const ModelArchive description = ReadModelDescription(path);
  bool               known = false;
  for (const auto & a : SegmenterArchitectures())
    known = known || a.name == description.architecture;
  if (!known)
    throw CheckpointError(path + ": holds a '" + description.architecture + "' model, which is not a segmenter (known: " + KnownNames() + ")");
  Segmenter segmenter{ nullptr };
  try
  {
    segmenter = BuildSegmenter(SegmenterSpec{ description.architecture, description.config });
  }
  catch (const std::exception & e)
  {
    throw CheckpointError(path + ": " + e.what());
  }
  AdoptStateDictStrict(*segmenter, [&] { return ReadModelTensors(path); }, path);
  segmenter->eval();
  if (metadata)
    *metadata = description.metadata;
  return segmenter;
}

} // namespace sinus
