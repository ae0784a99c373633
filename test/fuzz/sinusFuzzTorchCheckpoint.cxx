// SPDX-License-Identifier: Apache-2.0
// Fuzz target: an official PyTorch checkpoint (.pth) -- the zip directory check, LibTorch's zip
// reader behind it, and SinusSeg's restricted unpickler -- through sinus::LoadStateDict.
#include "sinus/StateDict.h"
#include "sinusFuzzSupport.h"

extern "C" int
LLVMFuzzerTestOneInput(const uint8_t * data, size_t size)
{
  return sinusfuzz::ReadAsFile<sinus::CheckpointError>(data, size, "checkpoint.pth", [](const std::string & path) { sinus::LoadStateDict(path); });
}
