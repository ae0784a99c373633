// SPDX-License-Identifier: Apache-2.0
// Fuzz target: an official PyTorch checkpoint (.pth) -- the zip directory check, LibTorch's zip
// reader behind it, and SinusSeg's restricted unpickler -- through sinus::LoadStateDict.
#include "sinus/StateDict.h"
#include "sinusFuzzSupport.h"

extern "C" int
LLVMFuzzerInitialize(int *, char ***)
{
  torch::set_num_threads(1);
  return 0;
}

extern "C" int
LLVMFuzzerTestOneInput(const uint8_t * data, size_t size)
{
  const std::string path = sinusfuzz::WriteInput(data, size, "checkpoint.pth");
  try
  {
    sinus::LoadStateDict(path);
  }
  catch (const sinus::CheckpointError & e)
  {
    sinusfuzz::RequireNamedError(e, path);
  }
  return 0;
}
