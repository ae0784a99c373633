// SPDX-License-Identifier: Apache-2.0
#ifndef sinus_TransUNetSegmenter_h
#define sinus_TransUNetSegmenter_h

#include "sinus/NetworkBlocks.h"
#include "sinus/Segmenter.h"
#include "sinus/VisionTransformer.h"

namespace sinus
{

/** TransUNet (Chen et al. 2021): a CNN stem down to stride 16, a ViT over its 1x1 patches, and a
 *  cascaded upsampler that joins the stem's stride-8, -4 and -2 features on the way back to
 *  full-resolution logits. The paper's R50 stem is replaced by residual units of configurable
 *  width (Documentation/Architectures.md). */
struct TransUNetConfig
{
  int64_t                 inputSize = 256;
  int64_t                 inChannels = 3;
  std::vector<int64_t>    stemChannels{ 16, 32, 64, 128 };   ///< at strides 2, 4, 8, 16
  std::vector<int64_t>    stemUnits{ 1, 1, 1 };              ///< residual units at strides 4, 8, 16
  VisionTransformerConfig transformer{ 192, 4, 3, 768 };
  std::vector<int64_t>    decoderChannels{ 128, 64, 32, 16 }; ///< at strides 8, 4, 2, 1

  static TransUNetConfig FromJson(const Json & json);
  Json                   ToJson() const;
  void                   Validate() const; ///< throws std::invalid_argument
};

/** Groups: "stem" (CNN), "transformer" (ViT), "decoder" (cascaded upsampler and head). */
class TransUNetSegmenterImpl : public SegmenterImpl
{
public:
  explicit TransUNetSegmenterImpl(const TransUNetConfig & config);

  std::string   Architecture() const override { return "transunet"; }
  Json          ConfigJson() const override { return config.ToJson(); }
  int64_t       InputSize() const override { return config.inputSize; }
  int64_t       OutputStride() const override { return 1; }
  torch::Tensor Logits(const torch::Tensor & images, const SegmenterPrompts & prompts = {}) override;
  torch::Tensor EncoderFeatures(const torch::Tensor & images) override;

  /** The CNN stem and the ViT: the token map at stride 16, with the stem's skips (strides 2, 4, 8). */
  torch::Tensor Encode(const torch::Tensor & images, std::vector<torch::Tensor> * skips);

  TransUNetConfig       config;
  torch::nn::ModuleList stem;    ///< root (stride 2), then one Sequential of residual units per stride
  VisionTransformer     transformer{ nullptr };
  torch::nn::ModuleList decoder; ///< bottleneck convolution, four upsampling blocks, head
};
TORCH_MODULE(TransUNetSegmenter);

} // namespace sinus

#endif
