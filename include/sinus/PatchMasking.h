// SPDX-License-Identifier: Apache-2.0
#ifndef sinus_PatchMasking_h
#define sinus_PatchMasking_h

#include <torch/torch.h>

namespace sinus
{

/** Side of the square patches that masked-image pretraining hides and reconstructs: the stride of
 *  every SinusSeg encoder's features (SegmenterImpl::EncoderFeatures). */
constexpr int64_t kPretrainingPatchSize = 16;

/** Which patches of each image are hidden: MAE's per-image random shuffle, the first
 *  N - round(ratio * N) patches of it visible. */
struct PatchMask
{
  torch::Tensor masked;  ///< B x N float, 1 for a hidden patch
  torch::Tensor visible; ///< B x N_visible int64, ascending patch indices
};

/** A random mask of `patches` patches per image hiding round(ratio * patches) of them, drawn from
 *  LibTorch's global generator (seed it for reproducible masks). A ratio that leaves no patch
 *  hidden or none visible is std::invalid_argument. */
PatchMask
RandomPatchMask(int64_t batch, int64_t patches, double ratio, const torch::Device & device = torch::kCPU);

/** B x C x H x W -> B x N x (p * p * C), patches in row-major order, each patch's values
 *  channel-last (MAE's patchify). H and W must be multiples of p. */
torch::Tensor
Patchify(const torch::Tensor & images, int64_t patchSize);

/** The inverse of Patchify for a `height` x `width` image. */
torch::Tensor
Unpatchify(const torch::Tensor & patches, int64_t patchSize, int64_t channels, int64_t height, int64_t width);

/** MAE's reconstruction targets: each patch normalised by its own mean and variance (eps 1e-6). */
torch::Tensor
NormalisedPatchTargets(const torch::Tensor & images, int64_t patchSize);

/** The images with their hidden patches set to 0 (what an encoder sees when it cannot skip
 *  patches, as in SimMIM). */
torch::Tensor
BlankHiddenPatches(const torch::Tensor & images, const torch::Tensor & masked, int64_t patchSize);

/** Mean squared error over the hidden patches only: mean over each patch's values, then over the
 *  hidden patches of the batch (visible patches contribute nothing, as in MAE). */
torch::Tensor
HiddenPatchLoss(const torch::Tensor & predicted, const torch::Tensor & target, const torch::Tensor & masked);

} // namespace sinus

#endif
