// SPDX-License-Identifier: Apache-2.0
#ifndef sinus_NnUNetSegmenter_h
#define sinus_NnUNetSegmenter_h

#include "sinus/NetworkBlocks.h"
#include "sinus/Segmenter.h"

namespace sinus
{

/** nnU-Net's 2-D network (Isensee et al. 2021, "PlainConvUNet"): per stage two 3x3 convolutions
 *  with instance normalisation and LeakyReLU, strided convolutions to go down, transposed
 *  convolutions to go up, and a 1x1 head at every decoder stage for deep supervision. Its widths
 *  and depth come from a plan (NnUNetPlan.h), not from hand-picked presets. */
struct NnUNetConfig
{
  int64_t              inputSize = 256;
  int64_t              inChannels = 3;
  std::vector<int64_t> stageChannels{ 32, 64, 128, 256, 512, 512, 512 }; ///< stage 0 at full resolution, each next one at half
  bool                 deepSupervision = true;

  static NnUNetConfig FromJson(const Json & json);
  Json                ToJson() const;
  void                Validate() const; ///< throws std::invalid_argument
};

/** Groups: "encoder", "decoder", "heads" (one per decoder stage, the finest last). */
class NnUNetSegmenterImpl : public SegmenterImpl
{
public:
  explicit NnUNetSegmenterImpl(const NnUNetConfig & config);

  std::string                Architecture() const override { return "nnunet"; }
  Json                       ConfigJson() const override { return config.ToJson(); }
  int64_t                    InputSize() const override { return config.inputSize; }
  int64_t                    OutputStride() const override { return 1; }
  int64_t                    InputSideMultiple() const override { return int64_t{ 1 } << (config.stageChannels.size() - 1); }
  torch::Tensor              Logits(const torch::Tensor & images, const SegmenterPrompts & prompts = {}) override;
  std::vector<torch::Tensor> AuxiliaryLogits() const override { return m_Auxiliary; }
  torch::Tensor              EncoderFeatures(const torch::Tensor & images) override;
  bool                       PerturbsFeatures() const override { return true; }
  std::pair<torch::Tensor, torch::Tensor> LogitsWithPerturbedFeatures(const torch::Tensor & images, double dropout) override;

  NnUNetConfig          config;
  torch::nn::ModuleList encoder, upsamplers, decoder, heads;

private:
  std::vector<torch::Tensor> Encode(const torch::Tensor & images);             ///< every stage's features, finest first
  torch::Tensor              Decode(const std::vector<torch::Tensor> & skips); ///< logits; the deep-supervision outputs kept

  std::vector<torch::Tensor> m_Auxiliary;
};
TORCH_MODULE(NnUNetSegmenter);

} // namespace sinus

#endif
