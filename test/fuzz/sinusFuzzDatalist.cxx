// SPDX-License-Identifier: Apache-2.0
// Fuzz target: a datalist (JSON) through sinus::ReadDatalist, as `train` reads it first.
#include "sinusFuzzSupport.h"
#include "sinusTrainingDatalist.h"

extern "C" int
LLVMFuzzerTestOneInput(const uint8_t * data, size_t size)
{
  return sinusfuzz::ReadAsFile<sinus::DatalistError>(data, size, "dataset.json", [](const std::string & path) { sinus::ReadDatalist(path); });
}
