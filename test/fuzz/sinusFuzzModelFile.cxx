// SPDX-License-Identifier: Apache-2.0
// Fuzz target: SinusSeg's own model file (zip, JSON index, raw tensor records) through
// sinus::ReadModelArchive, as `predict --model` reads it before building the network.
#include "sinus/ModelFile.h"
#include "sinusFuzzSupport.h"

extern "C" int
LLVMFuzzerTestOneInput(const uint8_t * data, size_t size)
{
  return sinusfuzz::ReadAsFile<sinus::CheckpointError>(data, size, "model.sinusseg", [](const std::string & path) { sinus::ReadModelArchive(path); });
}
