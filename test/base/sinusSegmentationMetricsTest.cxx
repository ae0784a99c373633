// SPDX-License-Identifier: Apache-2.0
// Segmentation metrics: hand-computed cases (the reasoning is written next to each) and a
// brute-force all-pairs cross-check.
#include "sinus/SegmentationMetrics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

using namespace sinus;

namespace
{
// A W x H (x D) mask from a list of foreground coordinates.
std::vector<uint8_t>
Mask(const std::vector<int64_t> & size, const std::vector<std::vector<int64_t>> & points)
{
  int64_t count = 1;
  for (int64_t s : size)
    count *= s;
  std::vector<uint8_t> mask(static_cast<size_t>(count), 0);
  for (const auto & p : points)
  {
    int64_t index = 0, stride = 1;
    for (size_t a = 0; a < size.size(); ++a)
    {
      index += p[a] * stride;
      stride *= size[a];
    }
    mask[static_cast<size_t>(index)] = 1;
  }
  return mask;
}

SegmentationMetrics
Metrics(const std::vector<uint8_t> & prediction, const std::vector<uint8_t> & reference, const std::vector<int64_t> & size,
        const std::vector<double> & spacing, HD95Mode mode = HD95Mode::Directed)
{
  return ComputeSegmentationMetrics(prediction.data(), reference.data(), MaskGrid{ size, spacing }, mode);
}
} // namespace

TEST(PercentileLinear, MatchesNumpy)
{
  // numpy.percentile([0..9], 95): index 0.95 * 9 = 8.55 -> 8 + 0.55 * (9 - 8) = 8.55.
  std::vector<double> v{ 9, 3, 0, 1, 8, 2, 7, 4, 6, 5 };
  EXPECT_DOUBLE_EQ(PercentileLinear(v, 95), 8.55);
  std::vector<double> one{ 4.0 };
  EXPECT_EQ(PercentileLinear(one, 95), 4.0);
  std::vector<double> two{ 1.0, 3.0 }; // index 0.95 -> 1 + 0.95 * 2 = 2.9
  EXPECT_DOUBLE_EQ(PercentileLinear(two, 95), 2.9);
  std::vector<double> none;
  EXPECT_TRUE(std::isnan(PercentileLinear(none, 95)));
}

TEST(SegmentationMetrics, DirectedAndPooledDiffer)
{
  // A 20 x 1 image: every foreground pixel is a border pixel (up and down are outside).
  // Prediction A = {x=0}; reference B = {x=0..9}.
  //   A -> B: pixel 0 lies on B's border: distances {0}.
  //   B -> A: pixel x is x away from A's only pixel: {0, 1, ..., 9}.
  // directed: max(P95{0}, P95{0..9}) = max(0, 8.55) = 8.55
  // pooled:   P95{0, 0, 1, ..., 9} (11 values): index 0.95 * 10 = 9.5 between sorted[9] = 8 and
  //           sorted[10] = 9 -> 8.5
  // HD = 9; ASSD = (0 + 45) / 11; Dice = 2 * 1 / (1 + 10); recall = 1/10; precision = 1/1.
  const std::vector<int64_t> size{ 20, 1 };
  const auto                 a = Mask(size, { { 0, 0 } });
  std::vector<std::vector<int64_t>> bPoints;
  for (int64_t x = 0; x < 10; ++x)
    bPoints.push_back({ x, 0 });
  const auto b = Mask(size, bPoints);
  const auto directed = Metrics(a, b, size, { 1, 1 });
  EXPECT_NEAR(directed.hd95.physical, 8.55, 1e-12);
  EXPECT_DOUBLE_EQ(directed.hd.physical, 9.0);
  EXPECT_DOUBLE_EQ(directed.assd.physical, 45.0 / 11.0);
  EXPECT_DOUBLE_EQ(directed.dice, 2.0 / 11.0);
  EXPECT_DOUBLE_EQ(directed.recall, 0.1);
  EXPECT_DOUBLE_EQ(directed.precision, 1.0);
  EXPECT_EQ(directed.truePositives, 1);
  EXPECT_EQ(directed.falseNegatives, 9);
  EXPECT_EQ(directed.falsePositives, 0);
  const auto pooled = Metrics(a, b, size, { 1, 1 }, HD95Mode::Pooled);
  EXPECT_NEAR(pooled.hd95.physical, 8.5, 1e-12);
  EXPECT_DOUBLE_EQ(pooled.hd.physical, 9.0);
  // Units: pixel spacing 1, so pixels == physical; normalised by the diagonal sqrt(20^2 + 1^2).
  EXPECT_DOUBLE_EQ(directed.hd95.pixels, directed.hd95.physical);
  EXPECT_DOUBLE_EQ(directed.diagonal.physical, std::sqrt(401.0));
  EXPECT_DOUBLE_EQ(directed.hd95.normalized, directed.hd95.physical / std::sqrt(401.0));
}

TEST(SegmentationMetrics, AnisotropicSpacing)
{
  // 4 x 5 image, spacing (0.5, 2). A = {(1,1)}, B = {(2,3)}: offset (1, 2) pixels.
  // physical: sqrt((1 * 0.5)^2 + (2 * 2)^2) = sqrt(16.25); pixels: sqrt(1 + 4) = sqrt(5).
  // Diagonal of the extent (4 * 0.5, 5 * 2) = sqrt(4 + 100); in pixels sqrt(16 + 25).
  const std::vector<int64_t> size{ 4, 5 };
  const auto                 m = Metrics(Mask(size, { { 1, 1 } }), Mask(size, { { 2, 3 } }), size, { 0.5, 2.0 });
  EXPECT_DOUBLE_EQ(m.hd95.physical, std::sqrt(16.25));
  EXPECT_DOUBLE_EQ(m.hd.physical, std::sqrt(16.25));
  EXPECT_DOUBLE_EQ(m.assd.physical, std::sqrt(16.25));
  EXPECT_DOUBLE_EQ(m.hd95.pixels, std::sqrt(5.0));
  EXPECT_DOUBLE_EQ(m.diagonal.physical, std::sqrt(104.0));
  EXPECT_DOUBLE_EQ(m.diagonal.pixels, std::sqrt(41.0));
  EXPECT_DOUBLE_EQ(m.hd95.normalized, std::sqrt(16.25) / std::sqrt(104.0));
  EXPECT_EQ(m.dice, 0.0);
}

TEST(SegmentationMetrics, AnisotropicSpacingCanChangeTheNearestPixel)
{
  // 1 x 5 column... as a 5 x 5 image: A = {(0,0)}; B = {(3,0), (0,2)}.
  // spacing (1, 2): (3,0) is 3 away, (0,2) is 4 away -> physical distance 3.
  // In pixels (0,2) is nearer: 2. So the pixel-unit distance is not physical / spacing.
  const std::vector<int64_t> size{ 5, 5 };
  const auto m = Metrics(Mask(size, { { 0, 0 } }), Mask(size, { { 3, 0 }, { 0, 2 } }), size, { 1.0, 2.0 });
  // A -> B: {3} physical, {2} pixels. B -> A: (3,0) -> 3 / 3; (0,2) -> 4 / 2.
  // HD95 directed physical = max(3, P95{3, 4}) = max(3, 3 + 0.95) = 3.95; pixels max(2, P95{3, 2}) = 2.95.
  EXPECT_DOUBLE_EQ(m.hd.physical, 4.0);
  EXPECT_DOUBLE_EQ(m.hd.pixels, 3.0);
  EXPECT_NEAR(m.hd95.physical, 3.95, 1e-12);
  EXPECT_NEAR(m.hd95.pixels, 2.95, 1e-12);
}

TEST(SegmentationMetrics, MaskTouchingTheImageEdge)
{
  // A fills the whole 3 x 3 image. Its border: the 8 pixels on the image edge (their outside
  // neighbour counts as background); the centre is interior. B = {centre}, its own border.
  // A -> B: 4 edge midpoints at 1, 4 corners at sqrt(2): sorted [1,1,1,1,r,r,r,r], index
  //         0.95 * 7 = 6.65 -> sqrt(2). B -> A: the centre is 1 from the edge midpoints: {1}.
  // directed HD95 = sqrt(2); pooled over 9 values (index 7.6, between r and r) = sqrt(2).
  // HD = sqrt(2); ASSD = (4 + 4 sqrt(2) + 1) / 9; Dice = 2 * 1 / (9 + 1).
  const std::vector<int64_t> size{ 3, 3 };
  std::vector<std::vector<int64_t>> all;
  for (int64_t y = 0; y < 3; ++y)
    for (int64_t x = 0; x < 3; ++x)
      all.push_back({ x, y });
  const auto a = Mask(size, all), b = Mask(size, { { 1, 1 } });
  const auto m = Metrics(a, b, size, { 1, 1 });
  EXPECT_EQ(m.predictionBorderVoxels, 8);
  EXPECT_EQ(m.referenceBorderVoxels, 1);
  EXPECT_DOUBLE_EQ(m.hd95.physical, std::sqrt(2.0));
  EXPECT_DOUBLE_EQ(m.hd.physical, std::sqrt(2.0));
  EXPECT_DOUBLE_EQ(m.assd.physical, (5.0 + 4.0 * std::sqrt(2.0)) / 9.0);
  EXPECT_DOUBLE_EQ(m.dice, 0.2);
  EXPECT_DOUBLE_EQ(Metrics(a, b, size, { 1, 1 }, HD95Mode::Pooled).hd95.physical, std::sqrt(2.0));
}

TEST(SegmentationMetrics, EmptyMasks)
{
  const std::vector<int64_t> size{ 6, 4 };
  const auto                 empty = Mask(size, {});
  const auto                 some = Mask(size, { { 2, 2 } });
  // Both empty: a perfect, if trivial, agreement.
  const auto both = Metrics(empty, empty, size, { 1, 1 });
  EXPECT_EQ(both.dice, 1.0);
  EXPECT_EQ(both.recall, 1.0);
  EXPECT_EQ(both.precision, 1.0);
  EXPECT_EQ(both.hd95.physical, 0.0);
  EXPECT_EQ(both.hd.pixels, 0.0);
  EXPECT_EQ(both.assd.normalized, 0.0);
  // Empty prediction: Dice 0, recall 0, precision undefined, distances undefined.
  const auto missed = Metrics(empty, some, size, { 1, 1 });
  EXPECT_EQ(missed.dice, 0.0);
  EXPECT_EQ(missed.recall, 0.0);
  EXPECT_TRUE(std::isnan(missed.precision));
  EXPECT_TRUE(std::isnan(missed.hd95.physical) && std::isnan(missed.hd.pixels) && std::isnan(missed.assd.normalized));
  // Empty reference: recall undefined, precision 0.
  const auto spurious = Metrics(some, empty, size, { 1, 1 });
  EXPECT_TRUE(std::isnan(spurious.recall));
  EXPECT_EQ(spurious.precision, 0.0);
  EXPECT_TRUE(std::isnan(spurious.hd95.physical));
}

TEST(SegmentationMetrics, ThreeDimensional)
{
  // Single voxels at (0,0,0) and (1,2,3), spacing (1, 1, 2): sqrt(1 + 4 + 36).
  const std::vector<int64_t> size{ 3, 4, 5 };
  const auto m = Metrics(Mask(size, { { 0, 0, 0 } }), Mask(size, { { 1, 2, 3 } }), size, { 1, 1, 2 });
  EXPECT_DOUBLE_EQ(m.hd95.physical, std::sqrt(41.0));
  EXPECT_DOUBLE_EQ(m.hd95.pixels, std::sqrt(14.0));
  EXPECT_DOUBLE_EQ(m.diagonal.physical, std::sqrt(9.0 + 16.0 + 100.0));
}

TEST(SegmentationMetrics, RejectsBadGrids)
{
  const std::vector<uint8_t> mask(6, 0);
  EXPECT_THROW(ComputeSegmentationMetrics(mask.data(), mask.data(), MaskGrid{ { 3, 2 }, { 1.0 } }), std::invalid_argument);
  EXPECT_THROW(ComputeSegmentationMetrics(mask.data(), mask.data(), MaskGrid{ { 3, 2 }, { 1.0, 0.0 } }), std::invalid_argument);
  EXPECT_THROW(ParseHD95Mode("max"), std::invalid_argument);
}

namespace
{
// Brute force: border voxels by definition, every pair's distance, the percentile by sorting.
struct BruteForce
{
  std::vector<double> ab, ba;
};

BruteForce
AllPairs(const std::vector<uint8_t> & a, const std::vector<uint8_t> & b, const std::vector<int64_t> & size,
         const std::vector<double> & spacing)
{
  std::vector<std::vector<int64_t>> borderA, borderB;
  const int64_t nx = size[0], ny = size[1], nz = size.size() > 2 ? size[2] : 1;
  const auto    at = [&](const std::vector<uint8_t> & m, int64_t x, int64_t y, int64_t z) {
    if (x < 0 || y < 0 || z < 0 || x >= nx || y >= ny || z >= nz)
      return false;
    return m[static_cast<size_t>((z * ny + y) * nx + x)] != 0;
  };
  for (int64_t z = 0; z < nz; ++z)
    for (int64_t y = 0; y < ny; ++y)
      for (int64_t x = 0; x < nx; ++x)
        for (auto * pair : { &a, &b })
        {
          if (!at(*pair, x, y, z))
            continue;
          bool border = !at(*pair, x - 1, y, z) || !at(*pair, x + 1, y, z) || !at(*pair, x, y - 1, z) || !at(*pair, x, y + 1, z);
          if (size.size() > 2)
            border = border || !at(*pair, x, y, z - 1) || !at(*pair, x, y, z + 1);
          if (border)
            (pair == &a ? borderA : borderB).push_back({ x, y, z });
        }
  const auto nearest = [&](const std::vector<int64_t> & p, const std::vector<std::vector<int64_t>> & set) {
    double best = 1e300;
    for (const auto & q : set)
    {
      double d2 = 0;
      for (size_t k = 0; k < size.size(); ++k)
      {
        const double d = static_cast<double>(p[k] - q[k]) * spacing[k];
        d2 += d * d;
      }
      best = std::min(best, d2);
    }
    return std::sqrt(best);
  };
  BruteForce r;
  for (const auto & p : borderA)
    r.ab.push_back(nearest(p, borderB));
  for (const auto & p : borderB)
    r.ba.push_back(nearest(p, borderA));
  return r;
}

double
SortedPercentile(std::vector<double> v)
{
  std::sort(v.begin(), v.end());
  const double  index = static_cast<double>(v.size() - 1) * 0.95;
  const size_t  lo = static_cast<size_t>(index);
  const size_t  hi = std::min(lo + 1, v.size() - 1);
  const double  t = index - static_cast<double>(lo);
  return t >= 0.5 ? v[hi] - (v[hi] - v[lo]) * (1 - t) : v[lo] + (v[hi] - v[lo]) * t;
}
} // namespace

TEST(SegmentationMetrics, MatchesBruteForceOnRandomMasks)
{
  std::mt19937 generator(2024);
  for (int trial = 0; trial < 40; ++trial)
  {
    const bool                 volume = trial % 4 == 3;
    const std::vector<int64_t> size = volume ? std::vector<int64_t>{ 9, 8, 7 } : std::vector<int64_t>{ 23, 17 };
    const std::vector<double>  spacing = volume ? std::vector<double>{ 0.7, 1.0, 2.5 }
                                                : (trial % 2 ? std::vector<double>{ 1.0, 1.0 } : std::vector<double>{ 0.3, 1.7 });
    int64_t count = 1;
    for (int64_t s : size)
      count *= s;
    std::vector<uint8_t> a(static_cast<size_t>(count)), b(static_cast<size_t>(count));
    const double         density = 0.15 + 0.5 * (trial % 5) / 5.0;
    std::bernoulli_distribution coin(density);
    for (int64_t i = 0; i < count; ++i)
    {
      a[static_cast<size_t>(i)] = coin(generator);
      b[static_cast<size_t>(i)] = coin(generator);
    }
    const BruteForce expected = AllPairs(a, b, size, spacing);
    ASSERT_FALSE(expected.ab.empty());
    ASSERT_FALSE(expected.ba.empty());
    const auto directed = Metrics(a, b, size, spacing);
    const auto pooled = Metrics(a, b, size, spacing, HD95Mode::Pooled);
    std::vector<double> all = expected.ab;
    all.insert(all.end(), expected.ba.begin(), expected.ba.end());
    const double hd = *std::max_element(all.begin(), all.end());
    double       sum = 0;
    for (double d : all)
      sum += d;
    EXPECT_NEAR(directed.hd95.physical, std::max(SortedPercentile(expected.ab), SortedPercentile(expected.ba)), 1e-9)
      << "trial " << trial;
    EXPECT_NEAR(pooled.hd95.physical, SortedPercentile(all), 1e-9) << "trial " << trial;
    EXPECT_NEAR(directed.hd.physical, hd, 1e-9) << "trial " << trial;
    EXPECT_NEAR(directed.assd.physical, sum / static_cast<double>(all.size()), 1e-9) << "trial " << trial;
    // Pixel units: the same brute force with unit spacing.
    const BruteForce pixels = AllPairs(a, b, size, std::vector<double>(size.size(), 1.0));
    EXPECT_NEAR(directed.hd95.pixels, std::max(SortedPercentile(pixels.ab), SortedPercentile(pixels.ba)), 1e-9);
  }
}

TEST(SegmentationMetrics, SummaryReplacesUndefinedByWorstCase)
{
  const double nan = std::nan("");
  const auto   s = Summarize({ 1.0, nan, 3.0, 2.0 }, { 10.0, 10.0, 10.0, 10.0 });
  EXPECT_EQ(s.replaced, 1);
  EXPECT_EQ(s.count, 4);
  EXPECT_DOUBLE_EQ(s.mean, 4.0);   // (1 + 10 + 3 + 2) / 4
  EXPECT_DOUBLE_EQ(s.median, 2.5); // sorted 1 2 3 10
  EXPECT_DOUBLE_EQ(s.min, 1.0);
  EXPECT_DOUBLE_EQ(s.max, 10.0);
  EXPECT_DOUBLE_EQ(s.std, std::sqrt((9.0 + 36.0 + 1.0 + 4.0) / 4.0));
}
