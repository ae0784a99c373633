// SPDX-License-Identifier: Apache-2.0
// Linked into the fuzz targets that run LibTorch: one thread, so that an input's run is not spread
// over a thread pool the fuzzer does not see.
#include <torch/torch.h>

extern "C" int
LLVMFuzzerInitialize(int *, char ***)
{
  torch::set_num_threads(1);
  return 0;
}
