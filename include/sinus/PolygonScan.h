// SPDX-License-Identifier: Apache-2.0
#ifndef sinus_PolygonScan_h
#define sinus_PolygonScan_h

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

namespace sinus
{

/** A 2-D point in image coordinates: pixels, origin at the top-left corner of the image, so pixel
 *  (i, j) covers [i, i+1) x [j, j+1) and its centre is (i + 0.5, j + 0.5). VIA uses the same frame. */
struct Point2
{
  double x = 0;
  double y = 0;
};
using Polygon2 = std::vector<Point2>;

/** Calls visit(row, firstColumn, endColumn) for every run of pixels of a width x height image whose
 *  centres lie inside `polygon` (even-odd rule, half-open so that shared edges are counted once).
 *  The one scan-conversion routine of the project: VIA import and the phantom renderer use it. */
template <typename Visit>
void
ScanPolygon(const Polygon2 & polygon, int64_t width, int64_t height, Visit && visit)
{
  if (polygon.size() < 3)
  {
    return;
  }
  double minY = polygon[0].y, maxY = polygon[0].y;
  for (const Point2 & p : polygon)
  {
    minY = std::min(minY, p.y);
    maxY = std::max(maxY, p.y);
  }
  const int64_t       firstRow = std::max<int64_t>(0, static_cast<int64_t>(std::floor(minY - 0.5)));
  const int64_t       lastRow = std::min<int64_t>(height - 1, static_cast<int64_t>(std::ceil(maxY)));
  std::vector<double> crossings;
  for (int64_t row = firstRow; row <= lastRow; ++row)
  {
    const double yc = static_cast<double>(row) + 0.5;
    crossings.clear();
    for (size_t i = 0; i < polygon.size(); ++i)
    {
      const Point2 & p = polygon[i];
      const Point2 & q = polygon[(i + 1) % polygon.size()];
      if ((p.y <= yc) != (q.y <= yc))
      {
        crossings.push_back(p.x + (yc - p.y) * (q.x - p.x) / (q.y - p.y));
      }
    }
    std::sort(crossings.begin(), crossings.end());
    for (size_t k = 0; k + 1 < crossings.size(); k += 2)
    {
      // Pixels whose centre i + 0.5 lies in [left, right).
      const int64_t first = std::max<int64_t>(0, static_cast<int64_t>(std::ceil(crossings[k] - 0.5)));
      const int64_t end = std::min<int64_t>(width, static_cast<int64_t>(std::ceil(crossings[k + 1] - 0.5)));
      if (end > first)
      {
        visit(row, first, end);
      }
    }
  }
}

} // namespace sinus

#endif
