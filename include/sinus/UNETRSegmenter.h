// SPDX-License-Identifier: Apache-2.0
#ifndef sinus_UNETRSegmenter_h
#define sinus_UNETRSegmenter_h

#include "sinus/NetworkBlocks.h"
#include "sinus/Segmenter.h"
#include "sinus/VisionTransformer.h"

namespace sinus
{

/** UNETR (Hatamizadeh et al. 2022) in 2-D: a ViT over 16x16 patches whose hidden states after
 *  blocks depth/4, depth/2, 3 depth/4 and depth are brought back to strides 2, 4, 8 and 16 by
 *  transposed convolutions and joined, as skips, by a convolutional decoder to full-resolution
 *  logits. */
struct UNETRConfig
{
  int64_t                 inputSize = 256;
  int64_t                 inChannels = 3;
  VisionTransformerConfig transformer{ 192, 4, 3, 768 };
  int64_t                 featureSize = 16; ///< decoder widths F, 2F, 4F, 8F at strides 1, 2, 4, 8

  static constexpr int64_t kPatchSize = 16;

  static UNETRConfig FromJson(const Json & json);
  Json               ToJson() const;
  void               Validate() const; ///< throws std::invalid_argument
};

/** A transposed 2x2 convolution (stride 2), then `refinements` x (transposed convolution and a
 *  3x3 convolution block): UNETR's path from a token map back to a finer stride. */
struct ProjectionUpsamplerImpl : torch::nn::Module
{
  ProjectionUpsamplerImpl(int64_t in, int64_t out, int64_t refinements);
  torch::Tensor         forward(const torch::Tensor & x);
  torch::nn::Sequential layers;
};
TORCH_MODULE(ProjectionUpsampler);

/** Transposed convolution to the skip's stride, concatenation with the skip, two 3x3 blocks. */
struct SkipUpsamplerImpl : torch::nn::Module
{
  SkipUpsamplerImpl(int64_t in, int64_t out);
  torch::Tensor              forward(const torch::Tensor & x, const torch::Tensor & skip);
  torch::nn::ConvTranspose2d upsample{ nullptr };
  torch::nn::Sequential      convolutions;
};
TORCH_MODULE(SkipUpsampler);

/** Groups: "transformer", "skips" (the image's own block and the projection upsamplers),
 *  "decoder" (the skip upsamplers), "head". */
class UNETRSegmenterImpl : public SegmenterImpl
{
public:
  explicit UNETRSegmenterImpl(const UNETRConfig & config);

  std::string   Architecture() const override { return "unetr"; }
  Json          ConfigJson() const override { return config.ToJson(); }
  int64_t       InputSize() const override { return config.inputSize; }
  int64_t       OutputStride() const override { return 1; }
  torch::Tensor Logits(const torch::Tensor & images, const SegmenterPrompts & prompts = {}) override;
  torch::Tensor EncoderFeatures(const torch::Tensor & images) override;
  bool          EncodesPatchSubsets() const override { return true; }
  torch::Tensor EncodeVisiblePatches(const torch::Tensor & images, const torch::Tensor & visible) override;

  UNETRConfig           config;
  VisionTransformer     transformer{ nullptr };
  torch::nn::ModuleList skips, decoder;
  torch::nn::Conv2d     head{ nullptr };
};
TORCH_MODULE(UNETRSegmenter);

} // namespace sinus

#endif
