// SPDX-License-Identifier: Apache-2.0
#include "sinus/RankShare.h"

#include <stdexcept>
#include <string>

namespace sinus
{

IndexRange
RankShare(int64_t count, int64_t rank, int64_t worldSize)
{
  if (count < 0 || worldSize < 1 || rank < 0 || rank >= worldSize)
    throw std::invalid_argument("cannot share " + std::to_string(count) + " items among " + std::to_string(worldSize) +
                                " ranks for rank " + std::to_string(rank));
  const int64_t base = count / worldSize, extra = count % worldSize;
  IndexRange    range;
  range.begin = rank * base + (rank < extra ? rank : extra);
  range.end = range.begin + base + (rank < extra ? 1 : 0);
  return range;
}

} // namespace sinus
