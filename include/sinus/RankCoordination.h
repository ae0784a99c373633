// SPDX-License-Identifier: Apache-2.0
#ifndef sinus_RankCoordination_h
#define sinus_RankCoordination_h

#include "sinus/DataParallelGroup.h"
#include "sinus/RankShare.h"

#include <torch/types.h>

#include <functional>
#include <string>
#include <vector>

namespace sinus
{

/** Runs `work` on rank 0 alone (writing a run's files, a stage that is not data-parallel) while
 *  the other ranks wait for it; inside it ProcessGroup() is a group of one (AloneInProcessGroup).
 *  Afterwards every rank goes on, or every rank fails: rank 0 with its own error, the others with a
 *  DistributedError saying that rank 0 failed at `what`. In one process it is just `work()`. */
void
RunOnLeader(const DataParallelGroup & group, const std::string & what, const std::function<void()> & work);

/** Runs each rank's own `work` (its share of a folder or of a stage's images); if it fails on any
 *  rank, every rank fails: that rank with its own error, the others with a DistributedError naming
 *  `what`, so that nobody commits a partial result. */
void
RunOnEveryRank(const DataParallelGroup & group, const std::string & what, const std::function<void()> & work);

/** The rows [0, total) of a tensor of which this rank computed `rows`, its RankShare `mine`: every
 *  rank receives all of them, exactly (the other ranks' rows are zeros in its sum). A rank with no
 *  rows passes an undefined tensor. In one process `rows` comes back as it is. */
torch::Tensor
GatherRows(const DataParallelGroup & group, const torch::Tensor & rows, IndexRange mine, int64_t total, const std::string & what);

/** For each of `values` (one number per quantity, such as a fingerprint of the data read or the
 *  epochs a checkpoint holds), whether every rank has the same. Used before training so that ranks
 *  that read different files stop instead of training apart. All true in one process. */
std::vector<bool>
SameOnEveryRank(const DataParallelGroup & group, const std::vector<int64_t> & values, const std::string & what);

/** Rank `root`'s `text` on every rank (a folder's name, a path chosen at random on one rank). */
std::string
BroadcastText(const DataParallelGroup & group, const std::string & text, int64_t root, const std::string & what);

} // namespace sinus

#endif
