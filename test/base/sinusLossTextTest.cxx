// SPDX-License-Identifier: Apache-2.0
// Loss values in messages: the same words for a NaN whatever its sign bit.
#include "sinus/LossText.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

TEST(LossText, NamesNonFiniteValuesWithoutTheirSignBit)
{
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(sinus::LossText(nan), "nan");
  EXPECT_EQ(sinus::LossText(-nan), "nan");
  EXPECT_EQ(sinus::LossText(std::copysign(nan, -1.0)), "nan");
  EXPECT_EQ(sinus::LossText(std::numeric_limits<double>::infinity()), "inf");
  EXPECT_EQ(sinus::LossText(-std::numeric_limits<double>::infinity()), "-inf");
  EXPECT_EQ(sinus::LossText(0.25), "0.250000"); // finite values as before (std::to_string)
}
