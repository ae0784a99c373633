// SPDX-License-Identifier: Apache-2.0
#ifndef sinus_LossText_h
#define sinus_LossText_h

#include <string>

namespace sinus
{

/** A loss value for messages: std::to_string's digits when it is finite, else "nan", "inf" or
 *  "-inf". std::to_string writes a NaN's sign bit ("-nan"), and that bit depends on the kernels
 *  that carried the NaN (a negation flips it), so on the LibTorch build: a message says "nan". */
std::string
LossText(double value);

} // namespace sinus

#endif
