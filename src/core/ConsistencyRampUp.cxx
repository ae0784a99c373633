// SPDX-License-Identifier: Apache-2.0
#include "sinus/ConsistencyRampUp.h"

#include <algorithm>
#include <cmath>

namespace sinus
{

double
SigmoidRampUp(double current, double length)
{
  if (length <= 0)
    return 1.0;
  const double phase = 1.0 - std::clamp(current, 0.0, length) / length;
  return std::exp(-5.0 * phase * phase);
}

double
ConsistencyWeight(double maximum, int64_t step, int64_t totalSteps, double rampUpFraction, double warmUpFraction)
{
  const double total = static_cast<double>(std::max<int64_t>(totalSteps, 1));
  if (static_cast<double>(step) < warmUpFraction * total)
    return 0.0;
  return maximum * SigmoidRampUp(static_cast<double>(step), rampUpFraction * total);
}

} // namespace sinus
