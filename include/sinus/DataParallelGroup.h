// SPDX-License-Identifier: Apache-2.0
#ifndef sinus_DataParallelGroup_h
#define sinus_DataParallelGroup_h

#include "sinus/LaunchEnvironment.h"

#include <torch/types.h>

#include <chrono>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace sinus
{

/** A collective failed or never started: a rank died, the rendezvous timed out, or this build has
 *  no distributed backend. The message names this rank and what it was doing. */
class DistributedError : public std::runtime_error
{
public:
  using std::runtime_error::runtime_error;
};

/** The processes of one data-parallel job, on PyTorch's own c10d engine: a TCPStore rendezvous
 *  and a Gloo process group for CPU tensors; when the job trains on GPUs and LibTorch has NCCL,
 *  an NCCL group for GPU tensors too (without NCCL, GPU tensors are staged through the CPU).
 *  A default-constructed group is one process: every collective leaves its tensors as they are,
 *  so single-process code needs no special case. Collectives block until every rank joins them or
 *  the group's timeout passes; then, as when a peer dies, they throw DistributedError. */
class DataParallelGroup
{
public:
  /** One process alone. */
  DataParallelGroup();
  ~DataParallelGroup();
  DataParallelGroup(const DataParallelGroup &) = delete;
  DataParallelGroup & operator=(const DataParallelGroup &) = delete;

  /** Joins the job `launch` describes; a single-process launch gives a group of one. Rank 0 hosts
   *  the TCPStore unless the launcher already does (torchrun). `device` is where this process
   *  trains: a GPU makes it this process's current device and adds the NCCL group. Throws
   *  DistributedError naming MASTER_ADDR:MASTER_PORT when the rendezvous does not complete within
   *  `timeout`, and when this build has no Gloo backend. */
  static std::unique_ptr<DataParallelGroup>
  Join(const LaunchEnvironment & launch, std::chrono::milliseconds timeout, const torch::Device & device);

  /** Why this build cannot run a job of several processes (no Gloo headers when it was
   *  configured), or empty when it can. */
  static std::string
  MultiProcessUnavailable();

  int64_t
  Rank() const
  {
    return m_Rank;
  }
  int64_t
  WorldSize() const
  {
    return m_WorldSize;
  }
  bool
  Distributed() const
  {
    return m_WorldSize > 1;
  }
  /** How tensors travel between the ranks, for the log ("Gloo", "Gloo for CPU tensors, NCCL for
   *  cuda:1"); empty for a group of one. */
  const std::string &
  Transport() const
  {
    return m_Transport;
  }
  /** Rank 0: the one process that writes logs, model files and checkpoints. */
  bool
  Leader() const
  {
    return m_Rank == 0;
  }

  /** Element-wise sum over ranks, in place; `what` names the collective in errors. */
  void
  SumInPlace(std::vector<torch::Tensor> & tensors, const std::string & what) const;
  /** Element-wise maximum over ranks, in place. */
  void
  MaximumInPlace(std::vector<torch::Tensor> & tensors, const std::string & what) const;
  /** Every rank's tensors become rank `root`'s. */
  void
  BroadcastInPlace(std::vector<torch::Tensor> & tensors, int64_t root, const std::string & what) const;
  /** Waits until every rank arrives. */
  void
  Barrier(const std::string & what) const;

  /** Sum over ranks of one number per rank (metrics, counts). */
  double
  Sum(double value, const std::string & what) const;
  /** Element-wise sum over ranks of a few numbers per rank, in one collective (in double). */
  std::vector<double>
  SumEach(const std::vector<double> & values, const std::string & what) const;
  /** Whether `here` holds on at least one rank (a stop request, a failure). */
  bool
  AnyRank(bool here, const std::string & what) const;

private:
  void
  Reduce(std::vector<torch::Tensor> & tensors, bool maximum, const std::string & what) const;
  /** Runs `body`, turning any failure into a DistributedError naming this rank and `what`. */
  void
  Collective(const std::string & what, const std::function<void()> & body) const;

  struct Backend;
  int64_t                  m_Rank = 0;
  int64_t                  m_WorldSize = 1;
  std::string              m_Transport;
  std::unique_ptr<Backend> m_Backend;
};

/** The group of this process, for code far below the command that joined it (trainers, batch
 *  prediction): a group of one until the command calls JoinProcessGroup. */
const DataParallelGroup &
ProcessGroup();

/** While it lives, ProcessGroup() is a group of one in this process: the work rank 0 does alone
 *  (RunOnLeader) trains and predicts as one process would, and never enters a collective the other
 *  ranks, waiting for it, are not in. Scopes nest. */
class AloneInProcessGroup
{
public:
  AloneInProcessGroup();
  ~AloneInProcessGroup();
  AloneInProcessGroup(const AloneInProcessGroup &) = delete;
  AloneInProcessGroup & operator=(const AloneInProcessGroup &) = delete;

private:
  const DataParallelGroup * m_Previous;
};

/** Joins the job the environment describes (ReadProcessLaunchEnvironment) and makes it
 *  ProcessGroup(); `device` as in DataParallelGroup::Join. Called once, at the start of a command.
 *  `device` is taken by value: with a reference parameter, GCC 13 (-Wdangling-reference) takes the
 *  returned group for a reference into the caller's temporary device. */
const DataParallelGroup &
JoinProcessGroup(std::chrono::milliseconds timeout, torch::Device device = torch::kCPU);

} // namespace sinus

#endif
