// SPDX-License-Identifier: Apache-2.0
// Fuzz target: the image readers' front door -- format probing, header reading, dimension and
// extent checks, then the pixels -- through sinus::ReadImageSize and sinus::ReadRadiograph. The
// first byte of the input picks the file's extension, so that every ITK reader gets its share.
#include "sinusFuzzSupport.h"
#include "sinusImageIO.h"

#include <array>

extern "C" int
LLVMFuzzerTestOneInput(const uint8_t * data, size_t size)
{
  static const std::array<const char *, 8> kExtensions = { ".png", ".bmp", ".mha", ".nrrd", ".tif", ".jpg", ".nii", ".dcm" };
  if (size < 1)
    return 0;
  const std::string path = sinusfuzz::WriteInput(data + 1, size - 1, std::string("image") + kExtensions[data[0] % kExtensions.size()]);
  try
  {
    const auto extent = sinus::ReadImageSize(path);
    // Pixels only for images a fuzzer can afford (the extent check itself is exercised above).
    if (static_cast<uint64_t>(extent[0]) * static_cast<uint64_t>(extent[1]) <= (uint64_t{ 1 } << 22))
      sinus::ReadRadiograph(path);
  }
  catch (const std::runtime_error & e)
  {
    sinusfuzz::RequireNamedError(e, path);
  }
  return 0;
}
