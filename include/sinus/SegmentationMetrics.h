// SPDX-License-Identifier: Apache-2.0
#ifndef sinus_SegmentationMetrics_h
#define sinus_SegmentationMetrics_h

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace sinus
{

/** How the 95th percentile of the boundary distances is taken.
 *  Directed (default; MONAI, Metrics Reloaded): max(P95(A->B), P95(B->A)).
 *  Pooled (medpy): P95 of both directed distance sets together. */
enum class HD95Mode
{
  Directed,
  Pooled
};
HD95Mode
ParseHD95Mode(const std::string & text); ///< "directed" | "pooled"; throws otherwise
const char *
ToString(HD95Mode mode);

/** The grid the two masks share: voxels per axis (x fastest, then y, then z) and spacing. */
struct MaskGrid
{
  std::vector<int64_t> size;
  std::vector<double>  spacing; ///< physical size of a voxel along each axis
};

/** A distance in three units: physical (spacing applied), pixels (index space, unit spacing) and
 *  normalised by the image diagonal (physical distance / physical diagonal of the image extent). */
struct Distance
{
  double physical = 0;
  double pixels = 0;
  double normalized = 0;
};

/** Every metric of one prediction/reference pair. Foreground is what the caller's predicate says
 *  (value != 0, or == label). Border voxels: foreground voxels with a face-connected (4-connected in
 *  2-D, 6 in 3-D) background neighbour, the outside of the image counting as background.
 *  Directed distances: from each border voxel of one mask to the nearest border voxel of the other,
 *  exact Euclidean (separable exact distance transform), in physical units.
 *  Empty masks: both empty -> Dice, recall, precision 1 and distances 0; exactly one empty -> Dice 0
 *  and distances NaN. Recall and precision with a zero denominator are 1 when both masks are empty
 *  and NaN (undefined) otherwise. */
struct SegmentationMetrics
{
  int64_t  truePositives = 0;
  int64_t  falsePositives = 0;
  int64_t  falseNegatives = 0;
  int64_t  predictionVoxels = 0;
  int64_t  referenceVoxels = 0;
  int64_t  predictionBorderVoxels = 0;
  int64_t  referenceBorderVoxels = 0;
  double   dice = 1;
  double   recall = 1;    ///< TP / |reference|
  double   precision = 1; ///< TP / |prediction|
  Distance hd95;          ///< per `mode`
  Distance hd;            ///< max of both directed maxima
  Distance assd;          ///< mean of all directed distances, both directions together
  Distance diagonal;      ///< the image diagonal (the worst case a distance can take)
  HD95Mode mode = HD95Mode::Directed;
  double   percentile = 95;
};

/** Computes all metrics. `prediction` and `reference` hold one flag per voxel (non-zero =
 *  foreground) in the grid's order. Only the bounding box of the union of both foregrounds is
 *  transformed, so sinus-sized masks on a 2048 x 1024 grid take a few milliseconds. */
SegmentationMetrics
ComputeSegmentationMetrics(const uint8_t * prediction, const uint8_t * reference, const MaskGrid & grid,
                           HD95Mode mode = HD95Mode::Directed, double percentile = 95);

/** Dice of two 0/1 masks of `count` voxels alone (1 when both are empty); the cheap check that
 *  validation runs after every epoch. */
double
DiceCoefficient(const uint8_t * prediction, const uint8_t * reference, size_t count);

/** numpy.percentile(values, q) with the default 'linear' method (interpolation between order
 *  statistics at q/100 * (n - 1), numpy's lerp). `values` is reordered. NaN for an empty set. */
double
PercentileLinear(std::vector<double> & values, double q);

/** Squared exact Euclidean distance transform: for every voxel, the squared physical distance to the
 *  nearest voxel with feature[i] != 0 (infinity where there is none). Felzenszwalb-Huttenlocher
 *  lower envelope of parabolas, one pass per axis, any number of axes, per-axis spacing. */
std::vector<double>
SquaredDistanceToFeatures(const std::vector<uint8_t> & feature, const std::vector<int64_t> & size,
                          const std::vector<double> & spacing);

/** Border voxels of a binary mask (see SegmentationMetrics). */
std::vector<uint8_t>
BorderVoxels(const std::vector<uint8_t> & mask, const std::vector<int64_t> & size);

/** Summary over cases of one metric: NaN values (undefined cases) are replaced by `worst` values
 *  supplied per case, and counted. */
struct MetricSummary
{
  double mean = 0, std = 0, median = 0, min = 0, max = 0; ///< std: population (ddof = 0), as numpy
  int    replaced = 0;                                     ///< NaN values replaced by the worst case
  int    count = 0;
};
MetricSummary
Summarize(const std::vector<double> & values, const std::vector<double> & worstCase);

} // namespace sinus

#endif
