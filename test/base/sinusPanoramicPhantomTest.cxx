// SPDX-License-Identifier: Apache-2.0
#include "sinus/PanoramicPhantom.h"
#include "sinus/ViaAnnotations.h"

#include <gtest/gtest.h>

using namespace sinus;

namespace
{
PanoramicPhantom
Make(uint64_t seed, int64_t width = 512, int64_t height = 256)
{
  PanoramicPhantomOptions options;
  options.width = width;
  options.height = height;
  options.seed = seed;
  return GeneratePanoramicPhantom(options);
}
} // namespace

TEST(PanoramicPhantom, DeterministicForASeed)
{
  const PanoramicPhantom a = Make(42), b = Make(42), c = Make(43);
  EXPECT_EQ(a.image.data, b.image.data);
  EXPECT_EQ(a.mask.data, b.mask.data);
  EXPECT_NE(a.image.data, c.image.data);
  EXPECT_NE(a.mask.data, c.mask.data);
  EXPECT_EQ(a.parameters, b.parameters);
  EXPECT_NE(DerivePhantomSeed(0, 1), DerivePhantomSeed(0, 2));
  EXPECT_NE(DerivePhantomSeed(0, 1), DerivePhantomSeed(1, 1));
}

TEST(PanoramicPhantom, TwoPlausibleSinusesPerImage)
{
  for (uint64_t seed = 0; seed < 12; ++seed)
  {
    const PanoramicPhantom p = Make(DerivePhantomSeed(5, seed));
    ASSERT_EQ(p.image.width, 512);
    ASSERT_EQ(p.mask.height, 256);
    int64_t area = 0;
    for (uint8_t v : p.mask.data)
    {
      ASSERT_TRUE(v == 0 || v == 255);
      area += v != 0;
    }
    // Two sinuses together cover a few per cent of the film.
    const double fraction = static_cast<double>(area) / static_cast<double>(p.mask.NumberOfPixels());
    EXPECT_GT(fraction, 0.02) << "seed " << seed;
    EXPECT_LT(fraction, 0.09) << "seed " << seed;
    // Two separate components: one in each half of the upper film.
    int        holes = 0;
    const auto outlines = TraceMaskPolygons(p.mask, 0.0, &holes);
    ASSERT_EQ(outlines.size(), 2u) << "seed " << seed;
    EXPECT_EQ(holes, 0);
    int left = 0, right = 0;
    for (const auto & outline : outlines)
    {
      double cx = 0, cy = 0;
      for (const auto & q : outline)
      {
        cx += q.x;
        cy += q.y;
      }
      cx /= static_cast<double>(outline.size());
      cy /= static_cast<double>(outline.size());
      (cx < 256 ? left : right)++;
      EXPECT_LT(cy, 0.5 * 256) << "sinus below the middle of the film, seed " << seed;
    }
    EXPECT_EQ(left, 1);
    EXPECT_EQ(right, 1);
  }
}

TEST(PanoramicPhantom, SinusAirIsDarkerThanTheBoneAroundIt)
{
  // The sinus is radiolucent: its mean grey value is below that of a band of bone just outside it
  // (the band excludes teeth by staying above the sinus floor).
  int darker = 0;
  const int trials = 10;
  for (int t = 0; t < trials; ++t)
  {
    const PanoramicPhantom p = Make(DerivePhantomSeed(9, static_cast<uint64_t>(t)));
    double                 inside = 0, band = 0;
    int64_t                nInside = 0, nBand = 0;
    for (int64_t y = 0; y < p.mask.height; ++y)
      for (int64_t x = 0; x < p.mask.width; ++x)
      {
        if (p.mask(y, x))
        {
          inside += p.image(y, x);
          ++nInside;
          continue;
        }
        bool near = false;
        for (int64_t d = 4; d <= 10 && !near; d += 3)
          near = (x >= d && p.mask(y, x - d)) || (x + d < p.mask.width && p.mask(y, x + d)) || (y >= d && p.mask(y - d, x));
        if (near)
        {
          band += p.image(y, x);
          ++nBand;
        }
      }
    darker += inside / static_cast<double>(nInside) < band / static_cast<double>(nBand);
  }
  EXPECT_GE(darker, 9);
}

TEST(PanoramicPhantom, ImagesUseTheGreyRange)
{
  const PanoramicPhantom p = Make(3, 1024, 512);
  const auto [minIt, maxIt] = std::minmax_element(p.image.data.begin(), p.image.data.end());
  EXPECT_LT(*minIt, 40);
  EXPECT_GT(*maxIt, 200);
}

TEST(PanoramicPhantom, RejectsUnusableSizes)
{
  PanoramicPhantomOptions options;
  options.width = 32;
  options.height = 16;
  EXPECT_THROW(GeneratePanoramicPhantom(options), std::invalid_argument);
}
