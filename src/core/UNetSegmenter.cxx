// SPDX-License-Identifier: Apache-2.0
#include "sinus/UNetSegmenter.h"

#include "sinus/ConfigurationCheck.h"
#include "sinus/NetworkBlocks.h"

namespace sinus
{

UNetConfig
UNetConfig::FromJson(const Json & json)
{
  const std::string where = "unet";
  RequireKnownKeys(json, { "input_size", "in_channels", "base_channels", "depth", "output_stride", "upsampling" }, where);
  UNetConfig c;
  ReadJsonField(json, "input_size", c.inputSize, where);
  ReadJsonField(json, "in_channels", c.inChannels, where);
  ReadJsonField(json, "base_channels", c.baseChannels, where);
  ReadJsonField(json, "depth", c.depth, where);
  ReadJsonField(json, "output_stride", c.outputStride, where);
  ReadJsonField(json, "upsampling", c.upsampling, where);
  c.Validate();
  return c;
}

Json
UNetConfig::ToJson() const
{
  Json j = Json::object();
  j["input_size"] = inputSize;
  j["in_channels"] = inChannels;
  j["base_channels"] = baseChannels;
  j["depth"] = depth;
  j["output_stride"] = outputStride;
  j["upsampling"] = upsampling;
  return j;
}

void
UNetConfig::Validate() const
{
  const ConfigurationCheck require("unet");
  require(depth >= 1 && depth <= 7, "depth must lie in [1, 7]");
  require(inChannels >= 1 && baseChannels >= 1, "in_channels and base_channels must be positive");
  require(inputSize > 0 && inputSize % (int64_t{ 1 } << depth) == 0,
          "input_size " + std::to_string(inputSize) + " must be a positive multiple of 2^depth = " + std::to_string(int64_t{ 1 } << depth));
  bool power = false;
  for (int64_t level = 0; level <= depth; ++level)
    power = power || outputStride == (int64_t{ 1 } << level);
  require(power, "output_stride must be a power of two no larger than 2^depth");
  require(upsampling == "bilinear" || upsampling == "transposed", "upsampling must be bilinear or transposed, not '" + upsampling + "'");
}

DoubleConvolutionImpl::DoubleConvolutionImpl(int64_t in, int64_t out)
{
  namespace nn = torch::nn;
  // GroupNorm with up to 8 groups: the channel counts here are powers of two >= 1.
  const int64_t groups = std::min<int64_t>(8, out);
  layers = register_module("layers", nn::Sequential(nn::Conv2d(nn::Conv2dOptions(in, out, 3).padding(1).bias(false)),
                                                    nn::GroupNorm(groups, out), nn::ReLU(nn::ReLUOptions(true)),
                                                    nn::Conv2d(nn::Conv2dOptions(out, out, 3).padding(1).bias(false)),
                                                    nn::GroupNorm(groups, out), nn::ReLU(nn::ReLUOptions(true))));
}

torch::Tensor
DoubleConvolutionImpl::forward(const torch::Tensor & x)
{
  return layers->forward(x);
}

UNetSegmenterImpl::UNetSegmenterImpl(const UNetConfig & c)
  : config(c)
{
  config.Validate();
  encoder = register_module("encoder", torch::nn::ModuleList());
  decoder = register_module("decoder", torch::nn::ModuleList());
  const bool transposed = config.upsampling == "transposed";
  // Only a transposed-convolution U-Net has this group (bilinear model files stay as they were).
  if (transposed)
    upsamplers = register_module("upsamplers", torch::nn::ModuleList());
  int64_t channels = config.baseChannels;
  encoder->push_back(DoubleConvolution(config.inChannels, channels));
  for (int64_t level = 1; level <= config.depth; ++level, channels *= 2)
    encoder->push_back(DoubleConvolution(channels, channels * 2));
  // Decoder level k upsamples to the resolution of encoder level depth - 1 - k.
  int64_t decoded = 0;
  while ((int64_t{ 1 } << (config.depth - decoded)) > config.outputStride)
  {
    if (transposed)
      upsamplers->push_back(torch::nn::ConvTranspose2d(torch::nn::ConvTranspose2dOptions(channels, channels / 2, 2).stride(2)));
    decoder->push_back(DoubleConvolution(transposed ? channels : channels + channels / 2, channels / 2));
    channels /= 2;
    ++decoded;
  }
  head = register_module("head", torch::nn::Conv2d(torch::nn::Conv2dOptions(channels, 1, 1)));
}

std::vector<torch::Tensor>
UNetSegmenterImpl::Encode(const torch::Tensor & images)
{
  namespace F = torch::nn::functional;
  std::vector<torch::Tensor> features;
  torch::Tensor              x = images;
  for (size_t level = 0; level < encoder->size(); ++level)
  {
    if (level > 0)
      x = F::max_pool2d(x, F::MaxPool2dFuncOptions(2));
    x = encoder[level]->as<DoubleConvolution>()->forward(x);
    features.push_back(x);
  }
  return features;
}

torch::Tensor
UNetSegmenterImpl::Logits(const torch::Tensor & images, const SegmenterPrompts &)
{
  return Decode(Encode(images));
}

std::pair<torch::Tensor, torch::Tensor>
UNetSegmenterImpl::LogitsWithPerturbedFeatures(const torch::Tensor & images, double dropout)
{
  const std::vector<torch::Tensor> features = Encode(images);
  return { Decode(features), Decode(DropFeatureChannels(features, dropout)) };
}

torch::Tensor
UNetSegmenterImpl::Decode(const std::vector<torch::Tensor> & skips)
{
  torch::Tensor x = skips.back();
  for (size_t k = 0; k < decoder->size(); ++k)
  {
    const torch::Tensor & skip = skips[skips.size() - 2 - k];
    if (upsamplers->is_empty())
      x = ResizeFeatures(x, skip.size(2), skip.size(3));
    else
      x = upsamplers[k]->as<torch::nn::ConvTranspose2d>()->forward(x);
    x = decoder[k]->as<DoubleConvolution>()->forward(torch::cat({ skip, x }, 1));
  }
  return head->forward(x);
}

torch::Tensor
UNetSegmenterImpl::EncoderFeatures(const torch::Tensor & images)
{
  // The contracting path down to stride 16 (all of it at the default depth 4).
  namespace F = torch::nn::functional;
  const int64_t patchGrid = images.size(2) / 16;
  torch::Tensor x = images;
  for (size_t level = 0; level < encoder->size() && (level == 0 || x.size(2) > patchGrid); ++level)
  {
    if (level > 0)
      x = F::max_pool2d(x, F::MaxPool2dFuncOptions(2));
    x = encoder[level]->as<DoubleConvolution>()->forward(x);
  }
  return x;
}

} // namespace sinus
