// SPDX-License-Identifier: Apache-2.0
#include "sinus/NnUNetSegmenter.h"

#include "sinus/ConfigurationCheck.h"

namespace sinus
{
namespace nn = torch::nn;

NnUNetConfig
NnUNetConfig::FromJson(const Json & json)
{
  const std::string where = "nnunet";
  RequireKnownKeys(json, { "input_size", "in_channels", "stage_channels", "deep_supervision" }, where);
  NnUNetConfig c;
  ReadJsonField(json, "input_size", c.inputSize, where);
  ReadJsonField(json, "in_channels", c.inChannels, where);
  ReadJsonField(json, "stage_channels", c.stageChannels, where);
  ReadJsonField(json, "deep_supervision", c.deepSupervision, where);
  c.Validate();
  return c;
}

Json
NnUNetConfig::ToJson() const
{
  Json j = Json::object();
  j["input_size"] = inputSize;
  j["in_channels"] = inChannels;
  j["stage_channels"] = stageChannels;
  j["deep_supervision"] = deepSupervision;
  return j;
}

void
NnUNetConfig::Validate() const
{
  const ConfigurationCheck require("nnunet");
  require(stageChannels.size() >= 2 && stageChannels.size() <= 10, "stage_channels must list 2 to 10 stages");
  for (int64_t w : stageChannels)
    require(w >= 1, "stage_channels must be positive");
  const int64_t pools = static_cast<int64_t>(stageChannels.size()) - 1;
  require(inChannels >= 1, "in_channels must be positive");
  require(inputSize > 0 && inputSize % (int64_t{ 1 } << pools) == 0,
          "input_size " + std::to_string(inputSize) + " must be a multiple of 2^(stages - 1) = " + std::to_string(int64_t{ 1 } << pools));
}

namespace
{
nn::Sequential
Stage(int64_t in, int64_t out, int64_t stride)
{
  return nn::Sequential(ConvNormActivation(in, out, 3, stride, 1, NormKind::Instance, /*leaky=*/true),
                        ConvNormActivation(out, out, 3, 1, 1, NormKind::Instance, /*leaky=*/true));
}
} // namespace

NnUNetSegmenterImpl::NnUNetSegmenterImpl(const NnUNetConfig & c)
  : config(c)
{
  config.Validate();
  const std::vector<int64_t> & w = config.stageChannels;
  encoder = register_module("encoder", nn::ModuleList());
  upsamplers = register_module("upsamplers", nn::ModuleList());
  decoder = register_module("decoder", nn::ModuleList());
  heads = register_module("heads", nn::ModuleList());
  for (size_t s = 0; s < w.size(); ++s)
    encoder->push_back(Stage(s == 0 ? config.inChannels : w[s - 1], w[s], s == 0 ? 1 : 2));
  for (size_t s = w.size() - 1; s >= 1; --s)
  {
    upsamplers->push_back(nn::ConvTranspose2d(nn::ConvTranspose2dOptions(w[s], w[s - 1], 2).stride(2).bias(false)));
    decoder->push_back(Stage(2 * w[s - 1], w[s - 1], 1));
    heads->push_back(nn::Conv2d(nn::Conv2dOptions(w[s - 1], 1, 1)));
  }
}

std::vector<torch::Tensor>
NnUNetSegmenterImpl::Encode(const torch::Tensor & images)
{
  std::vector<torch::Tensor> features;
  torch::Tensor              x = images;
  for (const auto & stage : *encoder)
  {
    x = stage->as<nn::Sequential>()->forward(x);
    features.push_back(x);
  }
  return features;
}

torch::Tensor
NnUNetSegmenterImpl::Logits(const torch::Tensor & images, const SegmenterPrompts &)
{
  return Decode(Encode(images));
}

std::pair<torch::Tensor, torch::Tensor>
NnUNetSegmenterImpl::LogitsWithPerturbedFeatures(const torch::Tensor & images, double dropout)
{
  const std::vector<torch::Tensor> features = Encode(images);
  // The perturbed pass first, so that the deep-supervision outputs kept are the clean pass's.
  torch::Tensor perturbed = Decode(DropFeatureChannels(features, dropout));
  return { Decode(features), perturbed };
}

torch::Tensor
NnUNetSegmenterImpl::Decode(const std::vector<torch::Tensor> & skips)
{
  torch::Tensor x = skips.back();
  m_Auxiliary.clear();
  const size_t decoderStages = decoder->size();
  for (size_t k = 0; k < decoderStages; ++k)
  {
    x = upsamplers[k]->as<nn::ConvTranspose2d>()->forward(x);
    x = decoder[k]->as<nn::Sequential>()->forward(torch::cat({ x, skips[skips.size() - 2 - k] }, 1));
    // Deep supervision: the coarser decoder stages' own predictions, kept while training (finest
    // first); nnU-Net gives the coarsest one weight 0, so it is not made at all.
    const bool finest = k + 1 == decoderStages;
    if (!finest && is_training() && config.deepSupervision && k >= 1)
      m_Auxiliary.insert(m_Auxiliary.begin(), heads[k]->as<nn::Conv2d>()->forward(x));
  }
  return heads[decoderStages - 1]->as<nn::Conv2d>()->forward(x);
}

torch::Tensor
NnUNetSegmenterImpl::EncoderFeatures(const torch::Tensor & images)
{
  // The plan's stages down to stride 16; deeper stages (a large input's) see no pretraining.
  const int64_t patchGrid = images.size(2) / 16;
  torch::Tensor x = images;
  for (const auto & stage : *encoder)
  {
    if (x.size(2) <= patchGrid)
      break;
    x = stage->as<nn::Sequential>()->forward(x);
  }
  return x;
}

} // namespace sinus
