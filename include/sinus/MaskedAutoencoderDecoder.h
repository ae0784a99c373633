// SPDX-License-Identifier: Apache-2.0
#ifndef sinus_MaskedAutoencoderDecoder_h
#define sinus_MaskedAutoencoderDecoder_h

#include <torch/torch.h>

namespace sinus
{

/** MAE's light decoder (He et al. 2022): the encoder's visible tokens projected to a narrow width,
 *  a shared learned mask token at every hidden patch, learned positions, a few pre-norm transformer
 *  blocks and a linear prediction of each patch's normalised pixels. Used only while pretraining;
 *  the encoder is what is kept. */
struct MaskedAutoencoderDecoderImpl : torch::nn::Module
{
  MaskedAutoencoderDecoderImpl(int64_t encoderDim, int64_t patches, int64_t patchValues, int64_t dim, int64_t depth, int64_t heads);
  /** visibleTokens: B x N_visible x encoderDim; visible: their patch indices. Returns B x N x patchValues. */
  torch::Tensor forward(const torch::Tensor & visibleTokens, const torch::Tensor & visible);

  int64_t               patches;
  torch::nn::Linear     embedding{ nullptr }, prediction{ nullptr };
  torch::Tensor         maskToken, positions;
  torch::nn::ModuleList blocks;
  torch::nn::LayerNorm  norm{ nullptr };
};
TORCH_MODULE(MaskedAutoencoderDecoder);

} // namespace sinus

#endif
