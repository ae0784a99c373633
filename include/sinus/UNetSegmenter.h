// SPDX-License-Identifier: Apache-2.0
#ifndef sinus_UNetSegmenter_h
#define sinus_UNetSegmenter_h

#include "sinus/Segmenter.h"

#include <string>

namespace sinus
{

/** A plain U-Net (Ronneberger et al. 2015) with GroupNorm instead of BatchNorm, so that the
 *  small batches of CPU training behave the same in training and evaluation. */
struct UNetConfig
{
  int64_t inputSize = 256;
  int64_t inChannels = 3;   ///< MedSAM's 3-channel input (the grey radiograph repeated)
  int64_t baseChannels = 16; ///< doubled at every level
  int64_t depth = 4;         ///< down-sampling steps
  int64_t outputStride = 1;  ///< 1: full-resolution logits; 2^k stops the decoder k levels early
  /** How the decoder upsamples: "bilinear" (then concatenation; fewer parameters) or
   *  "transposed" (a learned 2x2 transposed convolution halving the channels, as Ronneberger et
   *  al. -- the paper-size preset, 31.04 M parameters at base 64). */
  std::string upsampling = "bilinear";

  static UNetConfig FromJson(const Json & json);
  Json              ToJson() const;
  void              Validate() const; ///< throws std::invalid_argument
};

/** Two 3x3 convolutions, each followed by GroupNorm and ReLU. */
struct DoubleConvolutionImpl : torch::nn::Module
{
  DoubleConvolutionImpl(int64_t in, int64_t out);
  torch::Tensor          forward(const torch::Tensor & x);
  torch::nn::Sequential  layers;
};
TORCH_MODULE(DoubleConvolution);

/** Groups: "encoder" (the contracting path and the bottleneck), "decoder" (the expanding path;
 *  with transposed upsampling also "upsamplers"),
 *  "head" (the 1x1 convolution to one logit). */
class UNetSegmenterImpl : public SegmenterImpl
{
public:
  explicit UNetSegmenterImpl(const UNetConfig & config);

  std::string   Architecture() const override { return "unet"; }
  Json          ConfigJson() const override { return config.ToJson(); }
  int64_t       InputSize() const override { return config.inputSize; }
  int64_t       OutputStride() const override { return config.outputStride; }
  int64_t       InputSideMultiple() const override { return int64_t{ 1 } << config.depth; }
  torch::Tensor Logits(const torch::Tensor & images, const SegmenterPrompts & prompts = {}) override;
  torch::Tensor EncoderFeatures(const torch::Tensor & images) override;
  bool          PerturbsFeatures() const override { return true; }
  std::pair<torch::Tensor, torch::Tensor> LogitsWithPerturbedFeatures(const torch::Tensor & images, double dropout) override;

  UNetConfig            config;
  torch::nn::ModuleList encoder, decoder;
  torch::nn::ModuleList upsamplers; ///< transposed convolutions; registered (a group) only with "transposed"
  torch::nn::Conv2d     head{ nullptr };

private:
  std::vector<torch::Tensor> Encode(const torch::Tensor & images);     ///< every level's features, finest first
  torch::Tensor              Decode(const std::vector<torch::Tensor> & skips); ///< logits from Encode's features
};
TORCH_MODULE(UNetSegmenter);

} // namespace sinus

#endif
