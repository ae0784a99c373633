// SPDX-License-Identifier: Apache-2.0
#ifndef sinus_RankShare_h
#define sinus_RankShare_h

#include <cstdint>

namespace sinus
{

/** A half-open range [begin, end) of positions. */
struct IndexRange
{
  int64_t begin = 0;
  int64_t end = 0;

  int64_t
  Size() const
  {
    return end - begin;
  }
};

/** The consecutive positions of `count` items that rank `rank` of `worldSize` takes: the ranks
 *  take neighbouring blocks in rank order, block sizes differ by at most one (the first
 *  count % worldSize ranks take one more), and every position is taken exactly once. A rank may
 *  take none when count < worldSize; nothing is repeated to pad it, so a global batch and a folder
 *  of images are each seen once. Throws std::invalid_argument for a negative count, a world size
 *  below 1 or a rank outside [0, worldSize). */
IndexRange
RankShare(int64_t count, int64_t rank, int64_t worldSize);

} // namespace sinus

#endif
