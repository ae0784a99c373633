// SPDX-License-Identifier: Apache-2.0
// Fuzz target: a datalist (JSON) through sinus::ReadDatalist, as `train` reads it first.
#include "sinusFuzzSupport.h"
#include "sinusTrainingDatalist.h"

extern "C" int
LLVMFuzzerTestOneInput(const uint8_t * data, size_t size)
{
  const std::string path = sinusfuzz::WriteInput(data, size, "dataset.json");
  try
  {
    sinus::ReadDatalist(path);
  }
  catch (const sinus::DatalistError & e)
  {
    sinusfuzz::RequireNamedError(e, path);
  }
  return 0;
}
