// SPDX-License-Identifier: Apache-2.0
#include "sinus/UNETRSegmenter.h"

#include "sinus/ConfigurationCheck.h"

namespace sinus
{
namespace nn = torch::nn;

namespace
{
nn::ConvTranspose2d
Upsample2x(int64_t in, int64_t out)
{
  return nn::ConvTranspose2d(nn::ConvTranspose2dOptions(in, out, 2).stride(2).bias(false));
}
} // namespace

UNETRConfig
UNETRConfig::FromJson(const Json & json)
{
  const std::string where = "unetr";
  RequireKnownKeys(json, { "input_size", "in_channels", "embed_dim", "depth", "heads", "mlp_dim", "feature_size" }, where);
  UNETRConfig c;
  ReadJsonField(json, "input_size", c.inputSize, where);
  ReadJsonField(json, "in_channels", c.inChannels, where);
  c.transformer = VisionTransformerConfig::FromJson(json, where);
  ReadJsonField(json, "feature_size", c.featureSize, where);
  c.Validate();
  return c;
}

Json
UNETRConfig::ToJson() const
{
  Json j = Json::object();
  j["input_size"] = inputSize;
  j["in_channels"] = inChannels;
  transformer.WriteTo(j);
  j["feature_size"] = featureSize;
  return j;
}

void
UNETRConfig::Validate() const
{
  const ConfigurationCheck require("unetr");
  require(inputSize > 0 && inputSize % kPatchSize == 0, "input_size must be a positive multiple of the patch size 16");
  require(inChannels >= 1 && featureSize >= 1, "in_channels and feature_size must be positive");
  transformer.Validate("unetr");
  require(transformer.depth % 4 == 0, "depth must be a multiple of 4 (skips after every quarter of the blocks)");
}

ProjectionUpsamplerImpl::ProjectionUpsamplerImpl(int64_t in, int64_t out, int64_t refinements)
{
  layers = register_module("layers", nn::Sequential(Upsample2x(in, out)));
  for (int64_t r = 0; r < refinements; ++r)
  {
    layers->push_back(Upsample2x(out, out));
    layers->push_back(ConvNormActivation(out, out, 3));
  }
}

torch::Tensor
ProjectionUpsamplerImpl::forward(const torch::Tensor & x)
{
  return layers->forward(x);
}

SkipUpsamplerImpl::SkipUpsamplerImpl(int64_t in, int64_t out)
{
  upsample = register_module("upsample", Upsample2x(in, out));
  convolutions = register_module("convolutions", nn::Sequential(ConvNormActivation(2 * out, out, 3), ConvNormActivation(out, out, 3)));
}

torch::Tensor
SkipUpsamplerImpl::forward(const torch::Tensor & x, const torch::Tensor & skip)
{
  return convolutions->forward(torch::cat({ upsample->forward(x), skip }, 1));
}

UNETRSegmenterImpl::UNETRSegmenterImpl(const UNETRConfig & c)
  : config(c)
{
  config.Validate();
  const int64_t F = config.featureSize, D = config.transformer.embedDim;
  transformer = register_module("transformer", VisionTransformer(config.transformer, config.inChannels, UNETRConfig::kPatchSize,
                                                                 config.inputSize / UNETRConfig::kPatchSize));
  skips = register_module("skips", nn::ModuleList());
  skips->push_back(nn::Sequential(ConvNormActivation(config.inChannels, F, 3), ConvNormActivation(F, F, 3))); // stride 1
  skips->push_back(ProjectionUpsampler(D, 2 * F, 2)); // stride 16 -> 2
  skips->push_back(ProjectionUpsampler(D, 4 * F, 1)); // -> 4
  skips->push_back(ProjectionUpsampler(D, 8 * F, 0)); // -> 8
  decoder = register_module("decoder", nn::ModuleList());
  decoder->push_back(SkipUpsampler(D, 8 * F));
  decoder->push_back(SkipUpsampler(8 * F, 4 * F));
  decoder->push_back(SkipUpsampler(4 * F, 2 * F));
  decoder->push_back(SkipUpsampler(2 * F, F));
  head = register_module("head", nn::Conv2d(nn::Conv2dOptions(F, 1, 1)));
}

torch::Tensor
UNETRSegmenterImpl::Logits(const torch::Tensor & images, const SegmenterPrompts &)
{
  const int64_t              quarter = config.transformer.depth / 4;
  const std::vector<torch::Tensor> hidden = transformer->Forward(images, { quarter, 2 * quarter, 3 * quarter, 4 * quarter });
  std::vector<torch::Tensor> features{ skips[0]->as<nn::Sequential>()->forward(images) };
  for (size_t k = 1; k <= 3; ++k)
    features.push_back(skips[k]->as<ProjectionUpsampler>()->forward(hidden[k - 1]));
  torch::Tensor x = hidden[3];
  for (size_t k = 0; k < 4; ++k)
    x = decoder[k]->as<SkipUpsampler>()->forward(x, features[3 - k]);
  return head->forward(x);
}

torch::Tensor
UNETRSegmenterImpl::EncoderFeatures(const torch::Tensor & images)
{
  return transformer->Forward(images, { config.transformer.depth }).front();
}

torch::Tensor
UNETRSegmenterImpl::EncodeVisiblePatches(const torch::Tensor & images, const torch::Tensor & visible)
{
  return transformer->ForwardVisible(images, visible);
}

} // namespace sinus
