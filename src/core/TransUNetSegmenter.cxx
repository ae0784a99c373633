// SPDX-License-Identifier: Apache-2.0
#include "sinus/TransUNetSegmenter.h"

#include "sinus/ConfigurationCheck.h"

namespace sinus
{
namespace nn = torch::nn;

TransUNetConfig
TransUNetConfig::FromJson(const Json & json)
{
  const std::string where = "transunet";
  RequireKnownKeys(json, { "input_size", "in_channels", "stem_channels", "stem_units", "embed_dim", "depth", "heads", "mlp_dim", "decoder_channels" },
                   where);
  TransUNetConfig c;
  ReadJsonField(json, "input_size", c.inputSize, where);
  ReadJsonField(json, "in_channels", c.inChannels, where);
  ReadJsonField(json, "stem_channels", c.stemChannels, where);
  ReadJsonField(json, "stem_units", c.stemUnits, where);
  c.transformer = VisionTransformerConfig::FromJson(json, where);
  ReadJsonField(json, "decoder_channels", c.decoderChannels, where);
  c.Validate();
  return c;
}

Json
TransUNetConfig::ToJson() const
{
  Json j = Json::object();
  j["input_size"] = inputSize;
  j["in_channels"] = inChannels;
  j["stem_channels"] = stemChannels;
  j["stem_units"] = stemUnits;
  transformer.WriteTo(j);
  j["decoder_channels"] = decoderChannels;
  return j;
}

void
TransUNetConfig::Validate() const
{
  const ConfigurationCheck require("transunet");
  require(inputSize > 0 && inputSize % 16 == 0, "input_size must be a positive multiple of 16 (the stem's stride)");
  require(inChannels >= 1, "in_channels must be positive");
  require(stemChannels.size() == 4 && stemUnits.size() == 3 && decoderChannels.size() == 4,
          "stem_channels and decoder_channels need 4 widths, stem_units 3 counts");
  for (int64_t w : stemChannels)
    require(w >= 1, "stem_channels must be positive");
  for (int64_t u : stemUnits)
    require(u >= 1, "stem_units must be at least 1");
  for (int64_t w : decoderChannels)
    require(w >= 1, "decoder_channels must be positive");
  transformer.Validate("transunet");
}

TransUNetSegmenterImpl::TransUNetSegmenterImpl(const TransUNetConfig & c)
  : config(c)
{
  config.Validate();
  const std::vector<int64_t> & s = config.stemChannels;
  stem = register_module("stem", nn::ModuleList());
  stem->push_back(ConvNormActivation(config.inChannels, s[0], 7, 2));
  for (size_t level = 0; level < 3; ++level)
  {
    nn::Sequential units;
    for (int64_t u = 0; u < config.stemUnits[level]; ++u)
      units->push_back(ResidualUnit(u == 0 ? s[level] : s[level + 1], s[level + 1], u == 0 ? 2 : 1));
    stem->push_back(units);
  }
  transformer = register_module("transformer", VisionTransformer(config.transformer, s[3], 1, config.inputSize / 16));
  const std::vector<int64_t> & d = config.decoderChannels;
  decoder = register_module("decoder", nn::ModuleList());
  decoder->push_back(ConvNormActivation(config.transformer.embedDim, d[0] * 2, 3)); // TransUNet's 512-channel "conv_more"
  // Upsampling block k joins the stem's features of the next finer stride (none at stride 1).
  const std::vector<int64_t> skipChannels{ s[2], s[1], s[0], 0 };
  int64_t                    channels = d[0] * 2;
  for (size_t k = 0; k < 4; ++k)
  {
    decoder->push_back(nn::Sequential(ConvNormActivation(channels + skipChannels[k], d[k], 3), ConvNormActivation(d[k], d[k], 3)));
    channels = d[k];
  }
  decoder->push_back(nn::Conv2d(nn::Conv2dOptions(channels, 1, 3).padding(1)));
}

torch::Tensor
TransUNetSegmenterImpl::Encode(const torch::Tensor & images, std::vector<torch::Tensor> * skips)
{
  torch::Tensor x = stem[0]->as<ConvNormActivation>()->forward(images);
  skips->push_back(x);
  for (size_t level = 1; level <= 3; ++level)
  {
    x = stem[level]->as<nn::Sequential>()->forward(x); // the first unit of each level halves the resolution
    if (level < 3)
      skips->push_back(x);
  }
  return transformer->Forward(x, { config.transformer.depth }).front();
}

torch::Tensor
TransUNetSegmenterImpl::EncoderFeatures(const torch::Tensor & images)
{
  std::vector<torch::Tensor> skips;
  return Encode(images, &skips);
}

torch::Tensor
TransUNetSegmenterImpl::Logits(const torch::Tensor & images, const SegmenterPrompts &)
{
  std::vector<torch::Tensor> skips; // strides 2, 4, 8
  torch::Tensor              x = decoder[0]->as<ConvNormActivation>()->forward(Encode(images, &skips));
  for (size_t k = 0; k < 4; ++k)
  {
    x = ResizeFeatures(x, x.size(2) * 2, x.size(3) * 2);
    if (k < 3)
      x = torch::cat({ x, skips[2 - k] }, 1);
    x = decoder[k + 1]->as<nn::Sequential>()->forward(x);
  }
  return decoder[5]->as<nn::Conv2d>()->forward(x);
}

} // namespace sinus
