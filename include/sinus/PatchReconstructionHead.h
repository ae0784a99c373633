// SPDX-License-Identifier: Apache-2.0
#ifndef sinus_PatchReconstructionHead_h
#define sinus_PatchReconstructionHead_h

#include <torch/torch.h>

namespace sinus
{

/** SimMIM's light prediction head (Xie et al. 2022): one 1x1 convolution from the encoder's
 *  features on the patch grid to every pixel value of each patch. Used for the encoders that must
 *  see the whole image (convolutions, windowed attention); only the encoder is kept. */
struct PatchReconstructionHeadImpl : torch::nn::Module
{
  PatchReconstructionHeadImpl(int64_t channels, int64_t patchValues);
  /** features: B x C x h x w -> B x (h * w) x patchValues, patches in row-major order. */
  torch::Tensor forward(const torch::Tensor & features);

  torch::nn::Conv2d projection{ nullptr };
};
TORCH_MODULE(PatchReconstructionHead);

} // namespace sinus

#endif
