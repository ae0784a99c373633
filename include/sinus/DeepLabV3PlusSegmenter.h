// SPDX-License-Identifier: Apache-2.0
#ifndef sinus_DeepLabV3PlusSegmenter_h
#define sinus_DeepLabV3PlusSegmenter_h

#include "sinus/NetworkBlocks.h"
#include "sinus/Segmenter.h"

namespace sinus
{

/** DeepLabV3+ (Chen et al. 2018): an encoder of atrous separable convolutions with output stride
 *  16, atrous spatial pyramid pooling, and a decoder that joins the ASPP features with the
 *  encoder's stride-4 features. Like the original, its logits are made at stride 4 and brought
 *  to the input's resolution by bilinear upsampling (OutputStride() is 1). */
struct DeepLabV3PlusConfig
{
  int64_t              inputSize = 256;
  int64_t              inChannels = 3;
  std::vector<int64_t> encoderChannels{ 16, 32, 64, 128 }; ///< stem (stride 2), then strides 4, 8, 16
  int64_t              middleBlocks = 2;                    ///< residual separable blocks at stride 16
  int64_t              asppChannels = 64;
  std::vector<int64_t> asppRates{ 6, 12, 18 };              ///< atrous rates at stride 16
  int64_t              lowLevelChannels = 24;               ///< the stride-4 skip, reduced by 1x1
  int64_t              decoderChannels = 64;

  static DeepLabV3PlusConfig FromJson(const Json & json);
  Json                       ToJson() const;
  void                       Validate() const; ///< throws std::invalid_argument
};

/** A residual block of three separable convolutions, the last one with `stride`. */
struct SeparableBlockImpl : torch::nn::Module
{
  SeparableBlockImpl(int64_t in, int64_t out, int64_t stride, int64_t dilation);
  torch::Tensor         forward(const torch::Tensor & x);
  torch::nn::Sequential convolutions, shortcut;
};
TORCH_MODULE(SeparableBlock);

/** Atrous spatial pyramid pooling: a 1x1 branch, one separable atrous branch per rate and the
 *  global image pooling branch, concatenated and projected. */
struct AtrousPyramidPoolingImpl : torch::nn::Module
{
  AtrousPyramidPoolingImpl(int64_t in, int64_t out, const std::vector<int64_t> & rates);
  torch::Tensor         forward(const torch::Tensor & x);
  ConvNormActivation    pointwise{ nullptr };
  torch::nn::ModuleList branches; ///< one separable atrous convolution per rate
  torch::nn::Conv2d     imagePooling{ nullptr }; ///< 1x1 with bias on the globally averaged features
  ConvNormActivation    projection{ nullptr };
};
TORCH_MODULE(AtrousPyramidPooling);

/** Groups: "stem", "encoder" (the separable blocks), "aspp", "low_level" (the 1x1 reduction of the
 *  stride-4 features), "decoder" (with the head). */
class DeepLabV3PlusSegmenterImpl : public SegmenterImpl
{
public:
  explicit DeepLabV3PlusSegmenterImpl(const DeepLabV3PlusConfig & config);

  std::string   Architecture() const override { return "deeplabv3plus"; }
  Json          ConfigJson() const override { return config.ToJson(); }
  int64_t       InputSize() const override { return config.inputSize; }
  int64_t       OutputStride() const override { return 1; }
  int64_t       InputSideMultiple() const override { return 16; }
  torch::Tensor Logits(const torch::Tensor & images, const SegmenterPrompts & prompts = {}) override;
  torch::Tensor EncoderFeatures(const torch::Tensor & images) override;

  DeepLabV3PlusConfig   config;
  torch::nn::Sequential stem;    ///< two 3x3 convolutions, the first with stride 2
  torch::nn::ModuleList encoder; ///< stride-4 block, stride-8 block, stride-16 block, middle blocks
  AtrousPyramidPooling  aspp{ nullptr };
  torch::nn::Sequential decoder;  ///< after the concatenation: two separable convolutions and the 1x1 head
  ConvNormActivation    lowLevel{ nullptr };
};
TORCH_MODULE(DeepLabV3PlusSegmenter);

} // namespace sinus

#endif
