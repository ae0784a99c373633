// SPDX-License-Identifier: Apache-2.0
#include "sinus/AppearanceClusters.h"

#include "sinus/AnnotationRanking.h"
#include "sinus/PortableRandom.h"

#include <cmath>
#include <stdexcept>
#include <string>

namespace sinus
{
namespace
{
using Descriptor = std::vector<float>;

/** k-means++ seeding: the first centre at random, each next one drawn with a probability that
 *  grows with the square of its distance (1 - correlation) to the nearest centre so far. */
std::vector<Descriptor>
SeedCentres(const std::vector<Descriptor> & points, int64_t clusters, PortableRandom & random)
{
  std::vector<Descriptor> centres{ points[static_cast<size_t>(random.Integer(static_cast<int64_t>(points.size())))] };
  std::vector<double>     nearest(points.size(), 4.0);
  while (static_cast<int64_t>(centres.size()) < clusters)
  {
    double total = 0;
    for (size_t i = 0; i < points.size(); ++i)
    {
      const double distance = std::max(0.0, 1.0 - AppearanceSimilarity(points[i], centres.back()));
      nearest[i] = std::min(nearest[i], distance * distance);
      total += nearest[i];
    }
    size_t chosen = 0;
    if (total > 0)
    {
      // The first point whose running sum passes the draw; a draw at the very end takes the last
      // point with any weight, never one that is already a centre.
      double draw = random.Uniform() * total;
      for (size_t i = 0; i < points.size(); ++i)
        if (nearest[i] > 0)
        {
          chosen = i;
          draw -= nearest[i];
          if (draw < 0)
            break;
        }
    }
    else // every point coincides with a centre: any of them serves
      chosen = static_cast<size_t>(random.Integer(static_cast<int64_t>(points.size())));
    centres.push_back(points[chosen]);
  }
  return centres;
}

int64_t
MostSimilarCentre(const Descriptor & point, const std::vector<Descriptor> & centres)
{
  int64_t best = 0;
  double  bestSimilarity = -2;
  for (size_t c = 0; c < centres.size(); ++c)
  {
    const double s = AppearanceSimilarity(point, centres[c]);
    if (s > bestSimilarity)
    {
      bestSimilarity = s;
      best = static_cast<int64_t>(c);
    }
  }
  return best;
}

/** Each centre as its members' mean at unit length; a centre without members, or whose members
 *  cancel out, stays where it was. */
void
MoveCentres(const std::vector<Descriptor> & points, const std::vector<int64_t> & groups, std::vector<Descriptor> & centres)
{
  const size_t                     length = points.front().size();
  std::vector<std::vector<double>> sums(centres.size(), std::vector<double>(length, 0.0));
  for (size_t i = 0; i < points.size(); ++i)
    for (size_t d = 0; d < length; ++d)
      sums[static_cast<size_t>(groups[i])][d] += points[i][d];
  for (size_t c = 0; c < centres.size(); ++c)
  {
    double norm = 0;
    for (double v : sums[c])
      norm += v * v;
    norm = std::sqrt(norm);
    if (norm <= 0)
      continue;
    for (size_t d = 0; d < length; ++d)
      centres[c][d] = static_cast<float>(sums[c][d] / norm);
  }
}
} // namespace

std::vector<int64_t>
ClusterAppearances(const std::vector<Descriptor> & descriptors, int64_t clusters, uint64_t seed, int64_t maxIterations)
{
  if (clusters < 1 || clusters > static_cast<int64_t>(descriptors.size()))
    throw std::invalid_argument("ClusterAppearances: " + std::to_string(clusters) + " groups asked of " + std::to_string(descriptors.size()) +
                                " pictures (1 to one per picture)");
  for (const Descriptor & d : descriptors)
    if (d.size() != descriptors.front().size())
      throw std::invalid_argument("ClusterAppearances: descriptors of different lengths");
  PortableRandom          random(seed);
  std::vector<Descriptor> centres = SeedCentres(descriptors, clusters, random);
  std::vector<int64_t>    groups(descriptors.size(), -1);
  for (int64_t pass = 0; pass < std::max<int64_t>(1, maxIterations); ++pass)
  {
    bool changed = false;
    for (size_t i = 0; i < descriptors.size(); ++i)
    {
      const int64_t g = MostSimilarCentre(descriptors[i], centres);
      changed = changed || g != groups[i];
      groups[i] = g;
    }
    if (!changed)
      break;
    MoveCentres(descriptors, groups, centres);
  }
  return groups;
}

} // namespace sinus
