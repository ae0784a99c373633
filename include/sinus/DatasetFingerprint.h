// SPDX-License-Identifier: Apache-2.0
#ifndef sinus_DatasetFingerprint_h
#define sinus_DatasetFingerprint_h

#include "sinus/Json.h"

#include <cstdint>
#include <utility>
#include <vector>

namespace sinus
{

/** What nnU-Net reads off a training set before planning (its "dataset fingerprint"), for 2-D
 *  images: how many there are and their median size. Intensities need no statistics here: every
 *  segmenter sees MedSAM's per-image normalisation to [0, 1]. */
struct DatasetFingerprint
{
  int64_t images = 0;
  int64_t medianHeight = 0, medianWidth = 0;

  /** From (height, width) of each training image; throws std::invalid_argument when empty. */
  static DatasetFingerprint FromSizes(const std::vector<std::pair<int64_t, int64_t>> & sizes);
  Json                      ToJson() const;
};

} // namespace sinus

#endif
