// SPDX-License-Identifier: Apache-2.0
#include "sinus/DeepLabV3PlusSegmenter.h"

#include "sinus/ConfigurationCheck.h"

namespace sinus
{
namespace nn = torch::nn;

DeepLabV3PlusConfig
DeepLabV3PlusConfig::FromJson(const Json & json)
{
  const std::string where = "deeplabv3plus";
  RequireKnownKeys(json,
                   { "input_size", "in_channels", "encoder_channels", "middle_blocks", "aspp_channels", "aspp_rates", "low_level_channels",
                     "decoder_channels" },
                   where);
  DeepLabV3PlusConfig c;
  ReadJsonField(json, "input_size", c.inputSize, where);
  ReadJsonField(json, "in_channels", c.inChannels, where);
  ReadJsonField(json, "encoder_channels", c.encoderChannels, where);
  ReadJsonField(json, "middle_blocks", c.middleBlocks, where);
  ReadJsonField(json, "aspp_channels", c.asppChannels, where);
  ReadJsonField(json, "aspp_rates", c.asppRates, where);
  ReadJsonField(json, "low_level_channels", c.lowLevelChannels, where);
  ReadJsonField(json, "decoder_channels", c.decoderChannels, where);
  c.Validate();
  return c;
}

Json
DeepLabV3PlusConfig::ToJson() const
{
  Json j = Json::object();
  j["input_size"] = inputSize;
  j["in_channels"] = inChannels;
  j["encoder_channels"] = encoderChannels;
  j["middle_blocks"] = middleBlocks;
  j["aspp_channels"] = asppChannels;
  j["aspp_rates"] = asppRates;
  j["low_level_channels"] = lowLevelChannels;
  j["decoder_channels"] = decoderChannels;
  return j;
}

void
DeepLabV3PlusConfig::Validate() const
{
  const ConfigurationCheck require("deeplabv3plus");
  require(inputSize > 0 && inputSize % 16 == 0, "input_size must be a positive multiple of 16 (the encoder's output stride)");
  require(encoderChannels.size() == 4, "encoder_channels must list 4 widths (stride 2, 4, 8, 16)");
  for (int64_t w : encoderChannels)
    require(w >= 1, "encoder_channels must be positive");
  require(middleBlocks >= 0 && inChannels >= 1, "middle_blocks must not be negative, in_channels positive");
  require(asppChannels >= 1 && lowLevelChannels >= 1 && decoderChannels >= 1, "aspp, low-level and decoder channels must be positive");
  for (int64_t r : asppRates)
    require(r >= 1, "aspp_rates must be positive");
}

SeparableBlockImpl::SeparableBlockImpl(int64_t in, int64_t out, int64_t stride, int64_t dilation)
{
  convolutions = register_module("convolutions", nn::Sequential(SeparableConvolution(in, out, 1, dilation), SeparableConvolution(out, out, 1, dilation),
                                                                 SeparableConvolution(out, out, stride, dilation)));
  shortcut = register_module("shortcut", nn::Sequential());
  if (in != out || stride != 1)
    shortcut->push_back(ConvNormActivation(in, out, 1, stride));
}

torch::Tensor
SeparableBlockImpl::forward(const torch::Tensor & x)
{
  return convolutions->forward(x) + (shortcut->is_empty() ? x : shortcut->forward(x));
}

AtrousPyramidPoolingImpl::AtrousPyramidPoolingImpl(int64_t in, int64_t out, const std::vector<int64_t> & rates)
{
  pointwise = register_module("pointwise", ConvNormActivation(in, out, 1));
  branches = register_module("branches", nn::ModuleList());
  for (int64_t rate : rates)
    branches->push_back(SeparableConvolution(in, out, 1, rate));
  imagePooling = register_module("image_pooling", nn::Conv2d(nn::Conv2dOptions(in, out, 1)));
  projection = register_module("projection", ConvNormActivation(out * static_cast<int64_t>(rates.size() + 2), out, 1));
}

torch::Tensor
AtrousPyramidPoolingImpl::forward(const torch::Tensor & x)
{
  std::vector<torch::Tensor> parts{ pointwise->forward(x) };
  for (const auto & branch : *branches)
    parts.push_back(branch->as<SeparableConvolution>()->forward(x));
  // The image-level branch: global average, 1x1, spread back over the map (no normalisation: a
  // per-image norm of a 1 x 1 map is zero).
  const torch::Tensor pooled = torch::relu(imagePooling->forward(x.mean({ 2, 3 }, /*keepdim=*/true)));
  parts.push_back(pooled.expand({ -1, -1, x.size(2), x.size(3) }));
  return projection->forward(torch::cat(parts, 1));
}

DeepLabV3PlusSegmenterImpl::DeepLabV3PlusSegmenterImpl(const DeepLabV3PlusConfig & c)
  : config(c)
{
  config.Validate();
  const std::vector<int64_t> & w = config.encoderChannels;
  stem = register_module("stem", nn::Sequential(ConvNormActivation(config.inChannels, w[0], 3, 2), ConvNormActivation(w[0], w[0], 3)));
  encoder = register_module("encoder", nn::ModuleList());
  encoder->push_back(SeparableBlock(w[0], w[1], 2, 1)); // stride 4: the decoder's low-level features
  encoder->push_back(SeparableBlock(w[1], w[2], 2, 1));
  encoder->push_back(SeparableBlock(w[2], w[3], 2, 1));
  for (int64_t i = 0; i < config.middleBlocks; ++i)
    encoder->push_back(SeparableBlock(w[3], w[3], 1, 2)); // atrous instead of a further stride
  aspp = register_module("aspp", AtrousPyramidPooling(w[3], config.asppChannels, config.asppRates));
  lowLevel = register_module("low_level", ConvNormActivation(w[1], config.lowLevelChannels, 1));
  decoder = register_module("decoder", nn::Sequential(SeparableConvolution(config.asppChannels + config.lowLevelChannels, config.decoderChannels),
                                                       SeparableConvolution(config.decoderChannels, config.decoderChannels),
                                                       nn::Conv2d(nn::Conv2dOptions(config.decoderChannels, 1, 1))));
}

torch::Tensor
DeepLabV3PlusSegmenterImpl::Logits(const torch::Tensor & images, const SegmenterPrompts &)
{
  torch::Tensor x = stem->forward(images), stride4;
  for (size_t i = 0; i < encoder->size(); ++i)
  {
    x = encoder[i]->as<SeparableBlock>()->forward(x);
    if (i == 0)
      stride4 = x;
  }
  const torch::Tensor low = lowLevel->forward(stride4);
  const torch::Tensor context = ResizeFeatures(aspp->forward(x), low.size(2), low.size(3));
  return ResizeFeatures(decoder->forward(torch::cat({ context, low }, 1)), images.size(2), images.size(3));
}

torch::Tensor
DeepLabV3PlusSegmenterImpl::EncoderFeatures(const torch::Tensor & images)
{
  // The atrous separable encoder ends at stride 16 (ASPP, the decoder's input, is not pretrained).
  torch::Tensor x = stem->forward(images);
  for (const auto & block : *encoder)
    x = block->as<SeparableBlock>()->forward(x);
  return x;
}

} // namespace sinus
