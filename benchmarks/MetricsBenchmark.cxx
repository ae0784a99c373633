// SPDX-License-Identifier: Apache-2.0
// Benchmark: every segmentation metric on two jagged, overlapping, sinus-sized ellipses on the
// paper's 2048 x 1024 grid. Prints the median (and min/max) wall time of all metrics together
// over N runs, and the metric values.
//   MetricsBenchmark [runs=21]
#include "sinus/SegmentationMetrics.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <iomanip>
#include <iostream>
#include <vector>

namespace
{
// An ellipse whose radius wobbles with angle (jagged outline), rasterised at pixel centres.
std::vector<uint8_t>
JaggedEllipse(int64_t width, int64_t height, double cx, double cy, double rx, double ry, int seed)
{
  std::vector<uint8_t> mask(static_cast<size_t>(width * height), 0);
  for (int64_t y = 0; y < height; ++y)
  {
    for (int64_t x = 0; x < width; ++x)
    {
      const double dx = (static_cast<double>(x) + 0.5 - cx) / rx, dy = (static_cast<double>(y) + 0.5 - cy) / ry;
      const double angle = std::atan2(dy, dx);
      const double radius = 1.0 + 0.04 * std::sin(9 * angle + seed) + 0.025 * std::sin(23 * angle + 2 * seed) +
                            0.015 * std::sin(57 * angle + 3 * seed);
      mask[static_cast<size_t>(y * width + x)] = std::sqrt(dx * dx + dy * dy) <= radius;
    }
  }
  return mask;
}
} // namespace

int
main(int argc, char * argv[])
{
  const int runs = argc > 1 ? std::max(5, std::atoi(argv[1])) : 21;
  const int64_t width = 2048, height = 1024;
  const auto prediction = JaggedEllipse(width, height, 640, 330, 175, 120, 1);
  const auto reference = JaggedEllipse(width, height, 655, 340, 170, 125, 2);
  const sinus::MaskGrid grid{ { width, height }, { 1.0, 1.0 } };

  std::vector<double>        milliseconds;
  sinus::SegmentationMetrics m;
  for (int r = 0; r < runs; ++r)
  {
    const auto start = std::chrono::steady_clock::now();
    m = sinus::ComputeSegmentationMetrics(prediction.data(), reference.data(), grid);
    milliseconds.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(milliseconds.begin(), milliseconds.end());
  std::cout << std::fixed << std::setprecision(2) << "all metrics, 2048x1024, sinus-sized jagged ellipses, " << runs
            << " runs: median " << milliseconds[milliseconds.size() / 2] << " ms (min " << milliseconds.front() << ", max "
            << milliseconds.back() << ")\n"
            << std::setprecision(6) << "Dice " << m.dice << "  recall " << m.recall << "  precision " << m.precision
            << "  HD95 " << m.hd95.physical << "  HD " << m.hd.physical << "  ASSD " << m.assd.physical << " px\n"
            << "border pixels: prediction " << m.predictionBorderVoxels << ", reference " << m.referenceBorderVoxels << "\n";
  return EXIT_SUCCESS;
}
