// SPDX-License-Identifier: Apache-2.0
// Grouping radiographs by appearance (spherical k-means on appearance descriptors), behind the
// stratified strategy of `sinusseg suggest`.
#include "sinus/AnnotationRanking.h"
#include "sinus/AppearanceClusters.h"
#include "sinus/PortableRandom.h"

#include <gtest/gtest.h>

#include <set>
#include <stdexcept>

using namespace sinus;

namespace
{
/** `members` noisy copies of each of `families` unrelated random pictures, family by family: the
 *  copies of one picture correlate at about 0.85, pictures of different families near 0. */
std::vector<std::vector<float>>
Families(int families, int members, uint64_t seed)
{
  std::vector<std::vector<float>> descriptors;
  for (int f = 0; f < families; ++f)
  {
    PortableRandom     base(seed + static_cast<uint64_t>(f));
    std::vector<float> picture(32 * 32);
    for (float & g : picture)
      g = static_cast<float>(base.Uniform(0, 255));
    for (int m = 0; m < members; ++m)
    {
      PortableRandom     noise(1000 * seed + 100 * static_cast<uint64_t>(f) + static_cast<uint64_t>(m));
      std::vector<float> copy = picture;
      for (float & g : copy)
        g += static_cast<float>(noise.Normal(0, 30));
      descriptors.push_back(AppearanceDescriptor(copy, 32, 32, 16));
    }
  }
  return descriptors;
}
} // namespace

TEST(AppearanceClusters, FindsTheFamiliesOfAlikePictures)
{
  const std::vector<std::vector<float>> descriptors = Families(4, 6, 3);
  for (uint64_t seed : { 0u, 1u, 2u })
  {
    const std::vector<int64_t> groups = ClusterAppearances(descriptors, 4, seed);
    ASSERT_EQ(groups.size(), descriptors.size());
    std::set<int64_t> used;
    for (int f = 0; f < 4; ++f)
    {
      const int64_t first = groups[static_cast<size_t>(6 * f)];
      for (int m = 1; m < 6; ++m)
        EXPECT_EQ(groups[static_cast<size_t>(6 * f + m)], first) << "family " << f << ", seed " << seed;
      used.insert(first);
    }
    EXPECT_EQ(used.size(), 4u) << "every family its own group, seed " << seed;
  }
}

TEST(AppearanceClusters, IsDeterministicWithASeed)
{
  const std::vector<std::vector<float>> descriptors = Families(5, 8, 9);
  // Fewer groups than families: some must share, and which ones depends on the seeding only.
  const std::vector<int64_t> first = ClusterAppearances(descriptors, 3, 7);
  EXPECT_EQ(ClusterAppearances(descriptors, 3, 7), first);
  for (int64_t g : first)
  {
    EXPECT_GE(g, 0);
    EXPECT_LT(g, 3);
  }
}

TEST(AppearanceClusters, OneGroupPerPictureAtMost)
{
  const std::vector<std::vector<float>> descriptors = Families(2, 2, 1);
  const std::vector<int64_t>            groups = ClusterAppearances(descriptors, 4, 0);
  EXPECT_EQ(std::set<int64_t>(groups.begin(), groups.end()).size(), 4u);
  EXPECT_EQ(ClusterAppearances(descriptors, 1, 0), std::vector<int64_t>(4, 0));
  EXPECT_THROW(ClusterAppearances(descriptors, 5, 0), std::invalid_argument);
  EXPECT_THROW(ClusterAppearances(descriptors, 0, 0), std::invalid_argument);
  EXPECT_THROW(ClusterAppearances({}, 1, 0), std::invalid_argument);
  std::vector<std::vector<float>> unequal = descriptors;
  unequal.back().pop_back();
  EXPECT_THROW(ClusterAppearances(unequal, 2, 0), std::invalid_argument);
}
