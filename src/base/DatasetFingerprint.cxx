// SPDX-License-Identifier: Apache-2.0
#include "sinus/DatasetFingerprint.h"

#include <algorithm>
#include <stdexcept>

namespace sinus
{
namespace
{
int64_t
Median(std::vector<int64_t> values)
{
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}
} // namespace

DatasetFingerprint
DatasetFingerprint::FromSizes(const std::vector<std::pair<int64_t, int64_t>> & sizes)
{
  if (sizes.empty())
    throw std::invalid_argument("dataset fingerprint: no training images");
  std::vector<int64_t> heights, widths;
  for (const auto & [h, w] : sizes)
  {
    heights.push_back(h);
    widths.push_back(w);
  }
  return DatasetFingerprint{ static_cast<int64_t>(sizes.size()), Median(heights), Median(widths) };
}

Json
DatasetFingerprint::ToJson() const
{
  Json j = Json::object();
  j["images"] = images;
  j["median_height"] = medianHeight;
  j["median_width"] = medianWidth;
  return j;
}

} // namespace sinus
