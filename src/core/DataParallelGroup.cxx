// SPDX-License-Identifier: Apache-2.0
// The c10d process groups behind DataParallelGroup. Gloo's headers are only seen here, and only
// when the build found them (it defines SINUSSEG_C10D_GLOO); without them a job of more than one
// process is refused at start. LibTorch's own USE_C10D_GLOO cannot tell: its CMake package defines
// it for every user, also where Gloo's headers are missing (pytorch.org's wheels ship none). A CUDA
// LibTorch with NCCL adds an NCCL group for GPU tensors (the build defines SINUSSEG_C10D_NCCL);
// Gloo still carries the small CPU collectives (counts, flags, text), as torch.distributed's
// "cpu:gloo,cuda:nccl" does.
#include "sinus/DataParallelGroup.h"

#if defined(SINUSSEG_C10D_GLOO)
#  include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#  include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#  include <torch/csrc/distributed/c10d/TCPStore.hpp>
#endif
#if defined(SINUSSEG_C10D_GLOO) && defined(SINUSSEG_C10D_NCCL)
#  include <c10/cuda/CUDAFunctions.h>
#  include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include <algorithm>
#include <cstdlib>

namespace sinus
{

#if defined(SINUSSEG_C10D_GLOO)
struct DataParallelGroup::Backend
{
  c10::intrusive_ptr<c10d::Store>            store;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> group;
#  if defined(SINUSSEG_C10D_NCCL)
  c10::intrusive_ptr<c10d::ProcessGroupNCCL> nccl; ///< set when the job trains on GPUs
#  endif
};

namespace
{
#  if defined(SINUSSEG_C10D_NCCL)
/** NCCL collectives wait on the GPU, so a dead peer would hang them: asynchronous error handling
 *  makes NCCL's watchdog end the process once a collective outlives the group's timeout (both
 *  names: LibTorch 1.x reads the first, 2.x the second). A value the user set is kept. */
void
RequestNcclErrorHandling()
{
  setenv("NCCL_ASYNC_ERROR_HANDLING", "1", /*overwrite=*/0);
  setenv("TORCH_NCCL_ASYNC_ERROR_HANDLING", "1", /*overwrite=*/0);
}

c10::intrusive_ptr<c10d::ProcessGroupNCCL>
JoinNccl(const c10::intrusive_ptr<c10d::Store> & store, const LaunchEnvironment & launch, const torch::Device & device,
         std::chrono::milliseconds timeout)
{
  c10::cuda::set_device(static_cast<c10::DeviceIndex>(device.has_index() ? device.index() : launch.localRank));
  RequestNcclErrorHandling();
  auto options = c10d::ProcessGroupNCCL::Options::create();
  options->timeout = timeout;
  return c10::make_intrusive<c10d::ProcessGroupNCCL>(c10::make_intrusive<c10d::PrefixStore>("nccl", store),
                                                      static_cast<int>(launch.rank), static_cast<int>(launch.worldSize), options);
}
#  endif

std::shared_ptr<gloo::transport::Device>
GlooDevice()
{
  // Gloo's own convention: GLOO_SOCKET_IFNAME picks the network interface; otherwise the address
  // this machine's host name resolves to (loopback when it resolves to none).
  const char * interface = std::getenv("GLOO_SOCKET_IFNAME");
  if (interface && *interface)
    return c10d::ProcessGroupGloo::createDeviceForInterface(interface);
  return c10d::ProcessGroupGloo::createDefaultDevice();
}
} // namespace
#else
struct DataParallelGroup::Backend
{};
#endif

DataParallelGroup::DataParallelGroup() = default;
DataParallelGroup::~DataParallelGroup() = default;

std::unique_ptr<DataParallelGroup>
DataParallelGroup::Join(const LaunchEnvironment & launch, std::chrono::milliseconds timeout, const torch::Device & device)
{
  auto joined = std::make_unique<DataParallelGroup>();
  if (!launch.Distributed())
    return joined;
  const std::string where = "rank " + std::to_string(launch.rank) + " of " + std::to_string(launch.worldSize) + " (rendezvous at " +
                            launch.masterAddress + ":" + std::to_string(launch.masterPort) + ")";
#if defined(SINUSSEG_C10D_GLOO)
  try
  {
    c10d::TCPStoreOptions storeOptions;
    storeOptions.port = launch.masterPort;
    storeOptions.isServer = launch.Leader() && !launch.launcherHostsStore;
    storeOptions.numWorkers = static_cast<size_t>(launch.worldSize);
    storeOptions.waitWorkers = false; // the process group's own rendezvous waits for every rank
    storeOptions.timeout = timeout;
    auto store = c10::make_intrusive<c10d::TCPStore>(launch.masterAddress, storeOptions);
    auto backend = std::make_unique<Backend>();
    // The launcher's store outlives a failed attempt: keys per attempt keep a restart apart.
    backend->store = c10::make_intrusive<c10d::PrefixStore>("sinusseg/" + std::to_string(launch.restartCount), store);
    auto options = c10d::ProcessGroupGloo::Options::create(timeout);
    options->devices.push_back(GlooDevice());
    backend->group = c10::make_intrusive<c10d::ProcessGroupGloo>(backend->store, static_cast<int>(launch.rank),
                                                                static_cast<int>(launch.worldSize), options);
    joined->m_Transport = "Gloo";
    if (device.is_cuda())
    {
#  if defined(SINUSSEG_C10D_NCCL)
      backend->nccl = JoinNccl(backend->store, launch, device, timeout);
      joined->m_Transport = "Gloo for CPU tensors, NCCL for " + device.str();
#  else
      joined->m_Transport = "Gloo, " + device.str() + " tensors staged through the CPU (this LibTorch has no NCCL)";
#  endif
    }
    joined->m_Backend = std::move(backend);
  }
  catch (const std::exception & e)
  {
    throw DistributedError(where + ": joining the process group failed within " + std::to_string(timeout.count() / 1000) +
                           " s: " + e.what());
  }
  joined->m_Rank = launch.rank;
  joined->m_WorldSize = launch.worldSize;
  return joined;
#else
  (void)timeout;
  (void)device;
  throw DistributedError(where + ": " + MultiProcessUnavailable());
#endif
}

std::string
DataParallelGroup::MultiProcessUnavailable()
{
#if defined(SINUSSEG_C10D_GLOO)
  return {};
#else
  return "this build of SinusSeg has no distributed backend (LibTorch's Gloo headers were not found when it was configured; "
         "on Debian install libgloo-dev and configure again)";
#endif
}

namespace
{
/** Runs `run` on CPU copies of tensors that are not contiguous CPU tensors, then copies back. */
template <typename Run>
void
OnCpu(std::vector<torch::Tensor> & tensors, const Run & run)
{
  std::vector<torch::Tensor> staged;
  staged.reserve(tensors.size());
  for (const torch::Tensor & t : tensors)
    staged.push_back(t.device().is_cpu() && t.is_contiguous() ? t : t.to(torch::kCPU).contiguous());
  run(staged);
  for (size_t i = 0; i < tensors.size(); ++i)
    if (!staged[i].is_same(tensors[i]))
      tensors[i].copy_(staged[i]);
}

#if defined(SINUSSEG_C10D_GLOO)
/** Calls `call(processGroup, oneTensor)` for each tensor and waits for it: on the NCCL group when
 *  the job has one and every tensor is a contiguous GPU tensor, else on Gloo with CPU copies. */
template <typename Backend, typename Call>
void
EachOnItsTransport(const Backend & backend, std::vector<torch::Tensor> & tensors, const Call & call)
{
#  if defined(SINUSSEG_C10D_NCCL)
  const bool onGpu = std::all_of(tensors.begin(), tensors.end(), [](const torch::Tensor & t) { return t.is_cuda() && t.is_contiguous(); });
  if (backend.nccl && onGpu)
  {
    for (torch::Tensor & t : tensors)
    {
      std::vector<at::Tensor> one{ t };
      call(*backend.nccl, one)->wait();
    }
    return;
  }
#  endif
  OnCpu(tensors, [&](std::vector<torch::Tensor> & cpu) {
    for (torch::Tensor & t : cpu)
    {
      std::vector<at::Tensor> one{ t };
      call(*backend.group, one)->wait();
    }
  });
}
#endif
} // namespace

void
DataParallelGroup::Collective(const std::string & what, const std::function<void()> & body) const
{
  try
  {
    body();
  }
  catch (const std::exception & e)
  {
    throw DistributedError("rank " + std::to_string(m_Rank) + " of " + std::to_string(m_WorldSize) + ": " + what +
                           " failed (a rank stopped or did not answer in time): " + e.what());
  }
}

void
DataParallelGroup::Reduce(std::vector<torch::Tensor> & tensors, bool maximum, const std::string & what) const
{
  if (!Distributed() || tensors.empty())
    return;
#if defined(SINUSSEG_C10D_GLOO)
  c10d::AllreduceOptions options;
  options.reduceOp = maximum ? c10d::ReduceOp::MAX : c10d::ReduceOp::SUM;
  Collective(what, [&] {
    EachOnItsTransport(*m_Backend, tensors, [&](auto & group, std::vector<at::Tensor> & one) { return group.allreduce(one, options); });
  });
#else
  (void)maximum;
  (void)what;
#endif
}

void
DataParallelGroup::SumInPlace(std::vector<torch::Tensor> & tensors, const std::string & what) const
{
  Reduce(tensors, /*maximum=*/false, what);
}

void
DataParallelGroup::MaximumInPlace(std::vector<torch::Tensor> & tensors, const std::string & what) const
{
  Reduce(tensors, /*maximum=*/true, what);
}

void
DataParallelGroup::BroadcastInPlace(std::vector<torch::Tensor> & tensors, int64_t root, const std::string & what) const
{
  if (!Distributed() || tensors.empty())
    return;
#if defined(SINUSSEG_C10D_GLOO)
  c10d::BroadcastOptions options;
  options.rootRank = root;
  Collective(what, [&] {
    EachOnItsTransport(*m_Backend, tensors, [&](auto & group, std::vector<at::Tensor> & one) { return group.broadcast(one, options); });
  });
#else
  (void)root;
  (void)what;
#endif
}

void
DataParallelGroup::Barrier(const std::string & what) const
{
  if (!Distributed())
    return;
#if defined(SINUSSEG_C10D_GLOO)
  Collective(what, [&] { m_Backend->group->barrier()->wait(); });
#else
  (void)what;
#endif
}

double
DataParallelGroup::Sum(double value, const std::string & what) const
{
  return SumEach({ value }, what).front();
}

std::vector<double>
DataParallelGroup::SumEach(const std::vector<double> & values, const std::string & what) const
{
  if (!Distributed() || values.empty())
    return values;
  std::vector<torch::Tensor> all{ torch::tensor(values, torch::kFloat64) };
  SumInPlace(all, what);
  const torch::Tensor summed = all.front().contiguous();
  return std::vector<double>(summed.data_ptr<double>(), summed.data_ptr<double>() + summed.numel());
}

bool
DataParallelGroup::AnyRank(bool here, const std::string & what) const
{
  std::vector<torch::Tensor> flag{ torch::tensor({ here ? 1.0 : 0.0 }, torch::kFloat64) };
  MaximumInPlace(flag, what);
  return flag.front().item<double>() > 0;
}

namespace
{
std::unique_ptr<DataParallelGroup> &
ProcessGroupSlot()
{
  static std::unique_ptr<DataParallelGroup> group = std::make_unique<DataParallelGroup>();
  return group;
}


/** Set while AloneInProcessGroup lives: the group of one that ProcessGroup() gives meanwhile. */
const DataParallelGroup *&
AloneOverride()
{
  static const DataParallelGroup * alone = nullptr;
  return alone;
}
} // namespace

AloneInProcessGroup::AloneInProcessGroup()
  : m_Previous(AloneOverride())
{
  static const DataParallelGroup one;
  AloneOverride() = &one;
}

AloneInProcessGroup::~AloneInProcessGroup()
{
  AloneOverride() = m_Previous;
}

const DataParallelGroup &
ProcessGroup()
{
  return AloneOverride() ? *AloneOverride() : *ProcessGroupSlot();
}

const DataParallelGroup &
JoinProcessGroup(std::chrono::milliseconds timeout, torch::Device device)
{
  LaunchEnvironment launch;
  try
  {
    launch = ReadProcessLaunchEnvironment();
  }
  catch (const std::invalid_argument & e)
  {
    throw DistributedError(std::string("cannot join the data-parallel job: ") + e.what());
  }
  ProcessGroupSlot() = DataParallelGroup::Join(launch, timeout, device);
  return ProcessGroup();
}

} // namespace sinus
