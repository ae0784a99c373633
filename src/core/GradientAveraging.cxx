// SPDX-License-Identifier: Apache-2.0
#include "sinus/GradientAveraging.h"

#include <torch/torch.h>

namespace sinus
{
namespace
{
/** Which parameters have a gradient on at least one rank (one small collective). */
std::vector<bool>
GradientsOnAnyRank(const DataParallelGroup & group, const std::vector<torch::Tensor> & parameters)
{
  torch::Tensor present = torch::zeros({ static_cast<int64_t>(parameters.size()) }, torch::kFloat32);
  for (size_t i = 0; i < parameters.size(); ++i)
    if (parameters[i].grad().defined())
      present[static_cast<int64_t>(i)] = 1;
  std::vector<torch::Tensor> flags{ present };
  group.MaximumInPlace(flags, "finding the parameters with gradients");
  std::vector<bool> any(parameters.size());
  const auto        values = flags.front().accessor<float, 1>();
  for (size_t i = 0; i < parameters.size(); ++i)
    any[i] = values[static_cast<int64_t>(i)] > 0;
  return any;
}

/** Sums one bucket of gradients over the ranks, each weighted by its rank's share. */
void
ReduceBucket(const DataParallelGroup & group, const std::vector<torch::Tensor> & parameters, double share)
{
  std::vector<torch::Tensor> flat;
  flat.reserve(parameters.size());
  for (const torch::Tensor & p : parameters)
  {
    const torch::Tensor g = p.grad();
    flat.push_back(g.defined() ? g.detach().to(torch::kCPU, torch::kFloat32).reshape({ -1 }) : torch::zeros({ p.numel() }, torch::kFloat32));
  }
  std::vector<torch::Tensor> bucket{ torch::cat(flat).mul_(share) };
  group.SumInPlace(bucket, "averaging gradients");
  int64_t offset = 0;
  for (const torch::Tensor & p : parameters)
  {
    torch::Tensor summed = bucket.front().slice(0, offset, offset + p.numel()).view(p.sizes());
    offset += p.numel();
    if (p.grad().defined())
      p.mutable_grad().copy_(summed);
    else
      p.mutable_grad() = summed.to(p.device(), p.scalar_type()).clone();
  }
}
} // namespace

void
AverageGradients(const DataParallelGroup & group, const std::vector<torch::Tensor> & parameters, double share, int64_t bucketBytes)
{
  if (!group.Distributed())
    return;
  torch::NoGradGuard      noGrad;
  const std::vector<bool> any = GradientsOnAnyRank(group, parameters);
  std::vector<torch::Tensor> bucket;
  int64_t                    bytes = 0;
  for (size_t i = 0; i < parameters.size(); ++i)
  {
    if (!any[i])
      continue;
    bucket.push_back(parameters[i]);
    bytes += parameters[i].numel() * static_cast<int64_t>(sizeof(float));
    if (bytes >= bucketBytes)
    {
      ReduceBucket(group, bucket, share);
      bucket.clear();
      bytes = 0;
    }
  }
  if (!bucket.empty())
    ReduceBucket(group, bucket, share);
}

void
BroadcastModuleState(const DataParallelGroup & group, torch::nn::Module & module, int64_t root)
{
  if (!group.Distributed())
    return;
  torch::NoGradGuard         noGrad;
  std::vector<torch::Tensor> state;
  for (const torch::Tensor & p : module.parameters())
    state.push_back(p.data());
  for (const torch::Tensor & b : module.buffers())
    state.push_back(b);
  group.BroadcastInPlace(state, root, "sharing rank " + std::to_string(root) + "'s weights");
}

} // namespace sinus
