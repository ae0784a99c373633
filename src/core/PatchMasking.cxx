// SPDX-License-Identifier: Apache-2.0
#include "sinus/PatchMasking.h"

#include <cmath>
#include <stdexcept>
#include <string>

namespace sinus
{

PatchMask
RandomPatchMask(int64_t batch, int64_t patches, double ratio, const torch::Device & device)
{
  const int64_t hidden = static_cast<int64_t>(std::llround(ratio * static_cast<double>(patches)));
  if (!(ratio > 0.0 && ratio < 1.0) || hidden < 1 || hidden >= patches)
    throw std::invalid_argument("mask ratio " + std::to_string(ratio) + " of " + std::to_string(patches) +
                                " patches must hide at least one patch and leave at least one visible");
  const torch::Tensor order = torch::rand({ batch, patches }).argsort(/*dim=*/1, /*descending=*/false);
  const torch::Tensor visible = std::get<0>(order.narrow(1, 0, patches - hidden).sort(1));
  torch::Tensor       masked = torch::ones({ batch, patches });
  masked.scatter_(1, visible, 0.0);
  return PatchMask{ masked.to(device), visible.to(device) };
}

torch::Tensor
Patchify(const torch::Tensor & images, int64_t patchSize)
{
  const int64_t B = images.size(0), C = images.size(1), H = images.size(2), W = images.size(3);
  if (H % patchSize != 0 || W % patchSize != 0)
    throw std::invalid_argument("an image of " + std::to_string(H) + " x " + std::to_string(W) + " pixels is not a whole number of " +
                                std::to_string(patchSize) + "-pixel patches");
  const int64_t h = H / patchSize, w = W / patchSize;
  return images.reshape({ B, C, h, patchSize, w, patchSize })
    .permute({ 0, 2, 4, 3, 5, 1 })
    .reshape({ B, h * w, patchSize * patchSize * C });
}

torch::Tensor
Unpatchify(const torch::Tensor & patches, int64_t patchSize, int64_t channels, int64_t height, int64_t width)
{
  const int64_t B = patches.size(0), h = height / patchSize, w = width / patchSize;
  return patches.reshape({ B, h, w, patchSize, patchSize, channels }).permute({ 0, 5, 1, 3, 2, 4 }).reshape({ B, channels, height, width });
}

torch::Tensor
NormalisedPatchTargets(const torch::Tensor & images, int64_t patchSize)
{
  const torch::Tensor patches = Patchify(images, patchSize);
  const torch::Tensor mean = patches.mean(-1, true);
  const torch::Tensor variance = patches.var(-1, /*unbiased=*/true, /*keepdim=*/true);
  return (patches - mean) / (variance + 1e-6).sqrt();
}

torch::Tensor
BlankHiddenPatches(const torch::Tensor & images, const torch::Tensor & masked, int64_t patchSize)
{
  const int64_t h = images.size(2) / patchSize, w = images.size(3) / patchSize;
  const torch::Tensor keep = (1.0 - masked).reshape({ images.size(0), 1, h, w });
  return images * keep.repeat_interleave(patchSize, 2).repeat_interleave(patchSize, 3).to(images.dtype());
}

torch::Tensor
HiddenPatchLoss(const torch::Tensor & predicted, const torch::Tensor & target, const torch::Tensor & masked)
{
  const torch::Tensor perPatch = (predicted - target).pow(2).mean(-1);
  return (perPatch * masked).sum() / masked.sum();
}

} // namespace sinus
