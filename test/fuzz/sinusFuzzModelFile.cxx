// SPDX-License-Identifier: Apache-2.0
// Fuzz target: SinusSeg's own model file (zip, JSON index, raw tensor records) through
// sinus::ReadModelArchive, as `predict --model` reads it before building the network.
#include "sinus/ModelFile.h"
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
  const std::string path = sinusfuzz::WriteInput(data, size, "model.sinusseg");
  try
  {
    sinus::ReadModelArchive(path);
  }
  catch (const sinus::CheckpointError & e)
  {
    sinusfuzz::RequireNamedError(e, path);
  }
  return 0;
}
