// SPDX-License-Identifier: Apache-2.0
#include "sinus/RankCoordination.h"

#include <torch/torch.h>

#include <exception>

namespace sinus
{
namespace
{
std::string
RankName(const DataParallelGroup & group)
{
  return "rank " + std::to_string(group.Rank()) + " of " + std::to_string(group.WorldSize());
}

/** Runs `work` where `here` holds, then tells every rank whether it failed anywhere. */
void
RunThenAgree(const DataParallelGroup & group, const std::string & what, bool here, const std::function<void()> & work,
             const std::string & elsewhere)
{
  std::exception_ptr failure;
  if (here)
  {
    try
    {
      work();
    }
    catch (...)
    {
      failure = std::current_exception();
    }
  }
  const bool failedSomewhere = group.AnyRank(failure != nullptr, what + ": did every rank succeed");
  if (failure)
    std::rethrow_exception(failure);
  if (failedSomewhere)
    throw DistributedError(RankName(group) + ": " + what + " failed on " + elsewhere + " (its error is in that rank's output); stopping");
}
} // namespace

void
RunOnLeader(const DataParallelGroup & group, const std::string & what, const std::function<void()> & work)
{
  if (!group.Distributed())
    return work();
  RunThenAgree(
    group, what, group.Leader(),
    [&] {
      const AloneInProcessGroup alone;
      work();
    },
    "rank 0");
}

void
RunOnEveryRank(const DataParallelGroup & group, const std::string & what, const std::function<void()> & work)
{
  if (!group.Distributed())
    return work();
  RunThenAgree(group, what, true, work, "another rank");
}

torch::Tensor
GatherRows(const DataParallelGroup & group, const torch::Tensor & rows, IndexRange mine, int64_t total, const std::string & what)
{
  if (!group.Distributed())
    return rows;
  if (rows.defined() && rows.size(0) != mine.Size())
    throw std::invalid_argument(what + ": " + std::to_string(rows.size(0)) + " rows computed for a share of " + std::to_string(mine.Size()));
  // The shape of one row, from any rank that has rows (a rank may have none: fewer rows than ranks).
  constexpr int64_t kMaxDimensions = 8;
  torch::Tensor     shape = torch::zeros({ kMaxDimensions + 1 }, torch::kInt64);
  if (rows.defined() && mine.Size() > 0)
  {
    if (rows.dim() > kMaxDimensions)
      throw std::invalid_argument(what + ": tensors of more than " + std::to_string(kMaxDimensions) + " dimensions");
    shape[0] = rows.dim();
    for (int64_t d = 1; d < rows.dim(); ++d)
      shape[d] = rows.size(d);
  }
  std::vector<torch::Tensor> agreed{ shape };
  group.MaximumInPlace(agreed, what + " (shape)");
  std::vector<int64_t> sizes{ total };
  for (int64_t d = 1; d < agreed.front()[0].item<int64_t>(); ++d)
    sizes.push_back(agreed.front()[d].item<int64_t>());
  std::vector<torch::Tensor> all{ torch::zeros(sizes, torch::kFloat32) };
  if (mine.Size() > 0)
    all.front().narrow(0, mine.begin, mine.Size()).copy_(rows.to(torch::kCPU, torch::kFloat32));
  group.SumInPlace(all, what);
  return rows.defined() ? all.front().to(rows.device(), rows.scalar_type()) : all.front();
}

std::vector<bool>
SameOnEveryRank(const DataParallelGroup & group, const std::vector<int64_t> & values, const std::string & what)
{
  const int64_t count = static_cast<int64_t>(values.size());
  if (!group.Distributed())
    return std::vector<bool>(values.size(), true);
  // The largest of each value and of its negation (minus the smallest), in one collective.
  torch::Tensor extremes = torch::empty({ 2 * count }, torch::kInt64);
  for (int64_t i = 0; i < count; ++i)
  {
    extremes[i] = values[static_cast<size_t>(i)];
    extremes[count + i] = -values[static_cast<size_t>(i)];
  }
  std::vector<torch::Tensor> reduced{ extremes };
  group.MaximumInPlace(reduced, what);
  const auto        e = reduced.front().accessor<int64_t, 1>();
  std::vector<bool> same(values.size());
  for (int64_t i = 0; i < count; ++i)
    same[static_cast<size_t>(i)] = e[i] == -e[count + i];
  return same;
}

std::string
BroadcastText(const DataParallelGroup & group, const std::string & text, int64_t root, const std::string & what)
{
  if (!group.Distributed())
    return text;
  std::vector<torch::Tensor> length{ torch::tensor({ static_cast<int64_t>(text.size()) }, torch::kInt64) };
  group.BroadcastInPlace(length, root, what + " (length)");
  const int64_t size = length.front().item<int64_t>();
  if (size == 0)
    return {};
  std::vector<torch::Tensor> bytes{ torch::zeros({ size }, torch::kUInt8) };
  if (group.Rank() == root)
    std::copy(text.begin(), text.end(), bytes.front().data_ptr<uint8_t>());
  group.BroadcastInPlace(bytes, root, what);
  const auto * data = bytes.front().data_ptr<uint8_t>();
  return std::string(data, data + size);
}

} // namespace sinus
