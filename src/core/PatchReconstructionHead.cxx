// SPDX-License-Identifier: Apache-2.0
#include "sinus/PatchReconstructionHead.h"

namespace sinus
{

PatchReconstructionHeadImpl::PatchReconstructionHeadImpl(int64_t channels, int64_t patchValues)
{
  projection = register_module("projection", torch::nn::Conv2d(torch::nn::Conv2dOptions(channels, patchValues, 1)));
}

torch::Tensor
PatchReconstructionHeadImpl::forward(const torch::Tensor & features)
{
  return projection->forward(features).flatten(2).transpose(1, 2);
}

} // namespace sinus
