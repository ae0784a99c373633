// SPDX-License-Identifier: Apache-2.0
// Fuzz target: the restricted unpickler alone, on the bytes of a state dict's data.pkl, its
// storages served from the input's tail so that sizes, offsets and strides can be explored
// without the zip container in the way.
#include "sinus/StateDict.h"
#include "sinusFuzzSupport.h"

#include <algorithm>

extern "C" int
LLVMFuzzerTestOneInput(const uint8_t * data, size_t size)
{
  // Input: two bytes giving the pickle's length (little-endian), the pickle, then the bytes every
  // storage it references holds.
  if (size < 2)
    return 0;
  const size_t      length = std::min<size_t>(size - 2, data[0] | (static_cast<size_t>(data[1]) << 8));
  const std::string pickle(reinterpret_cast<const char *>(data) + 2, length);
  const std::string storage(reinterpret_cast<const char *>(data) + 2 + length, size - 2 - length);
  try
  {
    sinus::UnpickleStateDict(pickle, [&](const std::string &) { return storage; }, "data.pkl");
  }
  catch (const sinus::CheckpointError & e)
  {
    sinusfuzz::RequireNamedError(e, "data.pkl");
  }
  return 0;
}
