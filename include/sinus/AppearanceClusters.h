// SPDX-License-Identifier: Apache-2.0
#ifndef sinus_AppearanceClusters_h
#define sinus_AppearanceClusters_h

#include <cstdint>
#include <vector>

namespace sinus
{

/** Groups appearance descriptors (AppearanceDescriptor: mean-free, unit length, so that a dot
 *  product is a correlation) into `clusters` groups of alike pictures: spherical k-means (each
 *  picture joins the centre it correlates with most; a centre is its members' mean brought back
 *  to unit length), started by k-means++ seeding (Arthur & Vassilvitskii 2007) on 1 - correlation,
 *  iterated until no picture changes group or `maxIterations` passes. The same descriptors, count
 *  and seed give the same groups on any machine. Returns each descriptor's group, 0..clusters-1;
 *  throws std::invalid_argument when `clusters` is not in 1..descriptors or the lengths differ. */
std::vector<int64_t>
ClusterAppearances(const std::vector<std::vector<float>> & descriptors, int64_t clusters, uint64_t seed, int64_t maxIterations = 100);

} // namespace sinus

#endif
