// SPDX-License-Identifier: Apache-2.0
#ifndef sinus_GradientAveraging_h
#define sinus_GradientAveraging_h

#include "sinus/DataParallelGroup.h"

#include <torch/nn/module.h>

#include <vector>

namespace sinus
{

/** c10d's DistributedDataParallel default: gradients travel in buckets of about 25 MB, so a
 *  network of millions of small tensors costs a few collectives per step, not one per tensor. */
constexpr int64_t kGradientBucketBytes = int64_t{ 25 } << 20;

/** Makes every rank's gradients the gradient of the whole global batch: sum over ranks of
 *  share_r * g_r, where `share` is this rank's images / the global batch's images. For a loss that
 *  is a mean over images this equals one process's gradient on the whole batch (so a rank with no
 *  image of a short last batch passes share 0 and still joins). A parameter that has no gradient on
 *  any rank keeps none (AdamW then leaves it alone, as in one process); one that has a gradient on
 *  some rank only counts as zero elsewhere. Gradients are flattened into buckets of about
 *  `bucketBytes` per collective. One process with share 1: nothing changes. */
void
AverageGradients(const DataParallelGroup & group, const std::vector<torch::Tensor> & parameters, double share,
                 int64_t bucketBytes = kGradientBucketBytes);

/** Gives every rank rank `root`'s parameters and buffers, so that all ranks start from the same
 *  weights whatever their own initialisation or checkpoint reading did. */
void
BroadcastModuleState(const DataParallelGroup & group, torch::nn::Module & module, int64_t root = 0);

} // namespace sinus

#endif
