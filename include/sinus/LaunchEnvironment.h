// SPDX-License-Identifier: Apache-2.0
#ifndef sinus_LaunchEnvironment_h
#define sinus_LaunchEnvironment_h

#include <cstdint>
#include <functional>
#include <string>

namespace sinus
{

/** Where this process stands in a data-parallel job, as a launcher described it through the
 *  environment variables PyTorch's launchers set (`torchrun`, `torch.distributed.launch`, SLURM
 *  wrappers): RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT. Without RANK and WORLD_SIZE
 *  the process runs alone. */
struct LaunchEnvironment
{
  int64_t     rank = 0;
  int64_t     worldSize = 1;
  int64_t     localRank = 0;     ///< rank on this machine: which GPU a CUDA build takes
  std::string masterAddress;     ///< host of rank 0's rendezvous store
  uint16_t    masterPort = 0;
  /** torchrun's agent already serves the rendezvous store on MASTER_ADDR:MASTER_PORT
   *  (TORCHELASTIC_USE_AGENT_STORE=True): every rank connects to it instead of rank 0 hosting one. */
  bool        launcherHostsStore = false;
  /** TORCHELASTIC_RESTART_COUNT: a restarted job's keys stay apart from the failed attempt's in
   *  the launcher's store, which outlives the attempt. */
  int64_t     restartCount = 0;

  bool
  Distributed() const
  {
    return worldSize > 1;
  }
  /** Rank 0 alone writes logs, model files and checkpoints. */
  bool
  Leader() const
  {
    return rank == 0;
  }
};

/** Reads an environment variable; nullptr when unset. */
using EnvironmentLookup = std::function<const char *(const char *)>;

/** Reads the launch environment. Throws std::invalid_argument naming the variable and its value
 *  when a launcher's description is incomplete or inconsistent (RANK without WORLD_SIZE, a rank
 *  outside [0, WORLD_SIZE), a non-numeric value, a distributed job without MASTER_ADDR or
 *  MASTER_PORT) instead of quietly training alone. */
LaunchEnvironment
ReadLaunchEnvironment(const EnvironmentLookup & lookup);

/** ReadLaunchEnvironment of this process's environment. */
LaunchEnvironment
ReadProcessLaunchEnvironment();

/** The device a process of `launch` trains on when `--device` says `requested`: in a job of
 *  several processes, a bare "cuda" becomes "cuda:LOCAL_RANK" (each process of a machine on its
 *  own GPU, as torchrun's users expect); "cpu" and an explicit "cuda:N" (a launcher that gives
 *  each process one visible GPU) stay as they are. */
std::string
DeviceForRank(const std::string & requested, const LaunchEnvironment & launch);

} // namespace sinus

#endif
