// SPDX-License-Identifier: Apache-2.0
#include "sinus/ProbabilityValleys.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace sinus
{
namespace
{
/** The running maximum (or minimum) over `radius` pixels either side along rows (`alongRows`) or
 *  columns, the window clipped at the border. */
template <typename Pick>
Raster<float>
RunningExtreme(const Raster<float> & image, int64_t radius, bool alongRows, Pick pick)
{
  Raster<float> out(image.height, image.width);
  const int64_t length = alongRows ? image.width : image.height, lines = alongRows ? image.height : image.width;
  for (int64_t line = 0; line < lines; ++line)
    for (int64_t i = 0; i < length; ++i)
    {
      float best = alongRows ? image(line, i) : image(i, line);
      for (int64_t j = std::max<int64_t>(0, i - radius); j <= std::min(length - 1, i + radius); ++j)
        best = pick(best, alongRows ? image(line, j) : image(j, line));
      (alongRows ? out(line, i) : out(i, line)) = best;
    }
  return out;
}

Raster<float>
SquareExtreme(const Raster<float> & image, int64_t radius, bool maximum)
{
  const auto pick = [maximum](float a, float b) { return maximum ? std::max(a, b) : std::min(a, b); };
  return RunningExtreme(RunningExtreme(image, radius, true, pick), radius, false, pick);
}

/** No higher than both neighbours along one axis; a border pixel compares with its one neighbour. */
bool
IsFloorAlong(const Raster<float> & p, int64_t y, int64_t x, int64_t dy, int64_t dx)
{
  const float v = p(y, x);
  const int64_t y0 = y - dy, x0 = x - dx, y1 = y + dy, x1 = x + dx;
  const bool lowerThanBefore = y0 < 0 || x0 < 0 || v <= p(y0, x0);
  const bool lowerThanAfter = y1 >= p.height || x1 >= p.width || v <= p(y1, x1);
  return lowerThanBefore && lowerThanAfter;
}
} // namespace

Raster<float>
SquareClosing(const Raster<float> & image, int64_t width)
{
  if (image.channels != 1)
    throw std::invalid_argument("square closing: the image must have one channel, not " + std::to_string(image.channels));
  if (width < 1 || width % 2 == 0)
    throw std::invalid_argument("square closing: the square's width must be odd and positive, not " + std::to_string(width));
  const int64_t radius = width / 2;
  return SquareExtreme(SquareExtreme(image, radius, true), radius, false);
}

Raster<uint8_t>
ProbabilityValleyFloors(const Raster<float> & probability, int64_t width, double depth)
{
  if (!(depth > 0.0 && depth < 1.0))
    throw std::invalid_argument("probability valleys: the depth must lie strictly between 0 and 1, not " + std::to_string(depth));
  const Raster<float> closed = SquareClosing(probability, width);
  Raster<uint8_t>     floors(probability.height, probability.width);
  for (int64_t y = 0; y < probability.height; ++y)
    for (int64_t x = 0; x < probability.width; ++x)
      floors(y, x) = static_cast<double>(closed(y, x)) - static_cast<double>(probability(y, x)) > depth &&
                         (IsFloorAlong(probability, y, x, 0, 1) || IsFloorAlong(probability, y, x, 1, 0))
                       ? 1
                       : 0;
  return floors;
}

} // namespace sinus
