// SPDX-License-Identifier: Apache-2.0
#include "sinus/IntegerText.h"

#include <stdexcept>

namespace sinus
{

std::optional<int64_t>
ParseWholeInteger(const std::string & text)
{
  size_t    used = 0;
  long long value = 0;
  try
  {
    value = std::stoll(text, &used);
  }
  catch (const std::exception &) // std::invalid_argument or std::out_of_range
  {
    return std::nullopt;
  }
  if (used != text.size())
    return std::nullopt;
  return static_cast<int64_t>(value);
}

} // namespace sinus
