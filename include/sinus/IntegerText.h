// SPDX-License-Identifier: Apache-2.0
#ifndef sinus_IntegerText_h
#define sinus_IntegerText_h

#include <cstdint>
#include <optional>
#include <string>

namespace sinus
{

/** The integer that the whole of `text` spells (an optional sign, decimal digits); nothing when the
 *  text is empty, has anything after the number, or lies outside int64. Callers name the field in
 *  their own error. */
std::optional<int64_t>
ParseWholeInteger(const std::string & text);

} // namespace sinus

#endif
