// SPDX-License-Identifier: Apache-2.0
#ifndef sinusBFloat16Availability_h
#define sinusBFloat16Availability_h

#include "sinus/ComputePrecision.h"

#include <stdexcept>
#include <string>

/** Why this machine cannot compute in bf16, as the library itself says when asked for bf16 (an
 *  AVX2-only CPU: LibTorch 1.x's oneDNN has no bf16 kernels below AVX-512); empty where it can.
 *  Machines differ in CPU features, so a test of bf16 results asks instead of assuming: where bf16
 *  cannot run, it skips with this reason (the refusal itself is tested in ComputePrecision and on
 *  the command line, with oneDNN capped at AVX2). Header-only: for the suites that
 *  link the deep-learning core. */
inline std::string
BFloat16Unavailable()
{
  try
  {
    sinus::ResolvePrecision(sinus::ComputePrecision::BFloat16);
    return {};
  }
  catch (const std::runtime_error & e)
  {
    return e.what();
  }
}

#endif
