// SPDX-License-Identifier: Apache-2.0
#include "sinus/LossText.h"

#include <cmath>

namespace sinus
{

std::string
LossText(double value)
{
  if (std::isnan(value))
    return "nan";
  if (std::isinf(value))
    return value > 0 ? "inf" : "-inf";
  return std::to_string(value);
}

} // namespace sinus
