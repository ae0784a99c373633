// SPDX-License-Identifier: Apache-2.0
#include "sinus/SegmentationMetrics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>

namespace sinus
{
namespace
{
constexpr double kInfinity = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::vector<int64_t>
StridesOf(const std::vector<int64_t> & size)
{
  std::vector<int64_t> strides(size.size(), 1);
  for (size_t a = 1; a < size.size(); ++a)
  {
    strides[a] = strides[a - 1] * size[a - 1];
  }
  return strides;
}

int64_t
CountOf(const std::vector<int64_t> & size)
{
  return std::accumulate(size.begin(), size.end(), int64_t{ 1 }, std::multiplies<int64_t>());
}

/** One pass of the Felzenszwalb-Huttenlocher transform along a line: g holds squared distances
 *  (infinity = no feature yet); on return it holds the lower envelope of the parabolas
 *  w (x - q)^2 + g[q], w = spacing^2. */
void
DistanceTransformLine(double * g, int64_t n, double w, std::vector<int64_t> & v, std::vector<double> & z,
                      std::vector<double> & out)
{
  int64_t k = -1;
  for (int64_t q = 0; q < n; ++q)
  {
    if (g[q] == kInfinity)
    {
      continue;
    }
    if (k < 0)
    {
      k = 0;
      v[0] = q;
      z[0] = -kInfinity;
      z[1] = kInfinity;
      continue;
    }
    double s;
    while (true)
    {
      const int64_t p = v[static_cast<size_t>(k)];
      s = ((g[q] + w * static_cast<double>(q * q)) - (g[p] + w * static_cast<double>(p * p))) /
          (2.0 * w * static_cast<double>(q - p));
      if (s <= z[static_cast<size_t>(k)])
      {
        --k; // z[0] = -inf, so k never drops below 0 here
        continue;
      }
      break;
    }
    ++k;
    v[static_cast<size_t>(k)] = q;
    z[static_cast<size_t>(k)] = s;
    z[static_cast<size_t>(k + 1)] = kInfinity;
  }
  if (k < 0)
  {
    return; // no feature on this line yet
  }
  k = 0;
  for (int64_t q = 0; q < n; ++q)
  {
    while (z[static_cast<size_t>(k + 1)] < static_cast<double>(q))
    {
      ++k;
    }
    const int64_t p = v[static_cast<size_t>(k)];
    out[static_cast<size_t>(q)] = w * static_cast<double>((q - p) * (q - p)) + g[p];
  }
  std::copy(out.begin(), out.begin() + n, g);
}

// numpy's _lerp: a + (b - a) t, computed from the nearer end for t >= 0.5.
double
NumpyLerp(double a, double b, double t)
{
  const double diff = b - a;
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

struct DirectedDistances
{
  std::vector<double> predictionToReference;
  std::vector<double> referenceToPrediction;
};

DirectedDistances
BorderToBorderDistances(const std::vector<uint8_t> & predictionBorder, const std::vector<uint8_t> & referenceBorder,
                        const std::vector<int64_t> & size, const std::vector<double> & spacing)
{
  const std::vector<double> toReference = SquaredDistanceToFeatures(referenceBorder, size, spacing);
  const std::vector<double> toPrediction = SquaredDistanceToFeatures(predictionBorder, size, spacing);
  DirectedDistances         d;
  for (size_t i = 0; i < predictionBorder.size(); ++i)
  {
    if (predictionBorder[i])
      d.predictionToReference.push_back(std::sqrt(toReference[i]));
    if (referenceBorder[i])
      d.referenceToPrediction.push_back(std::sqrt(toPrediction[i]));
  }
  return d;
}

struct DistanceSummary
{
  double hd95 = 0, hd = 0, assd = 0;
};

DistanceSummary
SummarizeDistances(DirectedDistances d, HD95Mode mode, double percentile)
{
  DistanceSummary s;
  const auto      maxOf = [](const std::vector<double> & v) { return *std::max_element(v.begin(), v.end()); };
  s.hd = std::max(maxOf(d.predictionToReference), maxOf(d.referenceToPrediction));
  const double total = std::accumulate(d.predictionToReference.begin(), d.predictionToReference.end(), 0.0) +
                       std::accumulate(d.referenceToPrediction.begin(), d.referenceToPrediction.end(), 0.0);
  s.assd = total / static_cast<double>(d.predictionToReference.size() + d.referenceToPrediction.size());
  if (mode == HD95Mode::Directed)
  {
    s.hd95 = std::max(PercentileLinear(d.predictionToReference, percentile),
                      PercentileLinear(d.referenceToPrediction, percentile));
  }
  else
  {
    std::vector<double> pooled = std::move(d.predictionToReference);
    pooled.insert(pooled.end(), d.referenceToPrediction.begin(), d.referenceToPrediction.end());
    s.hd95 = PercentileLinear(pooled, percentile);
  }
  return s;
}

double
Ratio(int64_t numerator, int64_t denominator, bool bothEmpty)
{
  if (denominator == 0)
  {
    return bothEmpty ? 1.0 : kNaN;
  }
  return static_cast<double>(numerator) / static_cast<double>(denominator);
}
} // namespace

HD95Mode
ParseHD95Mode(const std::string & text)
{
  if (text == "directed")
    return HD95Mode::Directed;
  if (text == "pooled")
    return HD95Mode::Pooled;
  throw std::invalid_argument("HD95 mode must be 'directed' or 'pooled', got '" + text + "'");
}

const char *
ToString(HD95Mode mode)
{
  return mode == HD95Mode::Directed ? "directed" : "pooled";
}

double
PercentileLinear(std::vector<double> & values, double q)
{
  if (values.empty())
  {
    return kNaN;
  }
  if (!(q >= 0 && q <= 100))
  {
    throw std::invalid_argument("percentile must lie in [0, 100]");
  }
  const int64_t n = static_cast<int64_t>(values.size());
  const double  index = static_cast<double>(n - 1) * (q / 100.0);
  const int64_t previous = std::min<int64_t>(static_cast<int64_t>(std::floor(index)), n - 1);
  const int64_t next = std::min<int64_t>(previous + 1, n - 1);
  const double  gamma = index - static_cast<double>(previous);
  std::nth_element(values.begin(), values.begin() + previous, values.end());
  const double a = values[static_cast<size_t>(previous)];
  double       b = a;
  if (next != previous)
  {
    // The next order statistic is the smallest value above position `previous`.
    b = *std::min_element(values.begin() + previous + 1, values.end());
  }
  return NumpyLerp(a, b, gamma);
}

std::vector<double>
SquaredDistanceToFeatures(const std::vector<uint8_t> & feature, const std::vector<int64_t> & size,
                          const std::vector<double> & spacing)
{
  const int64_t count = CountOf(size);
  if (static_cast<int64_t>(feature.size()) != count || spacing.size() != size.size())
  {
    throw std::invalid_argument("SquaredDistanceToFeatures: inconsistent sizes");
  }
  std::vector<double> d(static_cast<size_t>(count));
  for (size_t i = 0; i < d.size(); ++i)
  {
    d[i] = feature[i] ? 0.0 : kInfinity;
  }
  const auto strides = StridesOf(size);
  for (size_t axis = 0; axis < size.size(); ++axis)
  {
    const int64_t       n = size[axis];
    const int64_t       stride = strides[axis];
    const double        w = spacing[axis] * spacing[axis];
    std::vector<double> line(static_cast<size_t>(n)), out(static_cast<size_t>(n)), z(static_cast<size_t>(n + 1));
    std::vector<int64_t> v(static_cast<size_t>(n));
    const int64_t        blocks = count / (n * stride);
    for (int64_t block = 0; block < blocks; ++block)
    {
      for (int64_t inner = 0; inner < stride; ++inner)
      {
        const int64_t base = block * n * stride + inner;
        for (int64_t i = 0; i < n; ++i)
          line[static_cast<size_t>(i)] = d[static_cast<size_t>(base + i * stride)];
        DistanceTransformLine(line.data(), n, w, v, z, out);
        for (int64_t i = 0; i < n; ++i)
          d[static_cast<size_t>(base + i * stride)] = line[static_cast<size_t>(i)];
      }
    }
  }
  return d;
}

std::vector<uint8_t>
BorderVoxels(const std::vector<uint8_t> & mask, const std::vector<int64_t> & size)
{
  const int64_t        count = CountOf(size);
  const auto           strides = StridesOf(size);
  std::vector<uint8_t> border(static_cast<size_t>(count), 0);
  std::vector<int64_t> index(size.size(), 0);
  for (int64_t i = 0; i < count; ++i)
  {
    if (mask[static_cast<size_t>(i)])
    {
      bool isBorder = false;
      for (size_t a = 0; a < size.size() && !isBorder; ++a)
      {
        isBorder = index[a] == 0 || index[a] == size[a] - 1 || !mask[static_cast<size_t>(i - strides[a])] ||
                   !mask[static_cast<size_t>(i + strides[a])];
      }
      border[static_cast<size_t>(i)] = isBorder;
    }
    for (size_t a = 0; a < size.size(); ++a) // advance the multi-index, x fastest
    {
      if (++index[a] < size[a])
        break;
      index[a] = 0;
    }
  }
  return border;
}

namespace
{
void
CheckGrid(const MaskGrid & grid)
{
  const size_t dimension = grid.size.size();
  if (dimension < 1 || dimension > 3 || grid.spacing.size() != dimension)
    throw std::invalid_argument("ComputeSegmentationMetrics: 1-, 2- or 3-D grids with one spacing per axis");
  for (size_t a = 0; a < dimension; ++a)
    if (grid.size[a] < 1 || !(grid.spacing[a] > 0) || !std::isfinite(grid.spacing[a]))
      throw std::invalid_argument("ComputeSegmentationMetrics: sizes and spacings must be positive");
}

Distance
ImageDiagonal(const MaskGrid & grid)
{
  double physical = 0, pixels = 0;
  for (size_t a = 0; a < grid.size.size(); ++a)
  {
    const double extent = static_cast<double>(grid.size[a]) * grid.spacing[a];
    physical += extent * extent;
    pixels += static_cast<double>(grid.size[a] * grid.size[a]);
  }
  return { std::sqrt(physical), std::sqrt(pixels), 1.0 };
}

/** The bounding box of the union of both foregrounds (x fastest); high < low when both are empty. */
struct UnionBox
{
  std::array<int64_t, 3> size{ 1, 1, 1 }, low{ 0, 0, 0 }, high{ -1, -1, -1 };
};

/** Voxel counts into `m` and the union's bounding box, in one pass. */
UnionBox
CountVoxels(const uint8_t * prediction, const uint8_t * reference, const MaskGrid & grid, SegmentationMetrics & m)
{
  UnionBox box;
  for (size_t a = 0; a < grid.size.size(); ++a)
    box.size[a] = grid.size[a];
  box.low = box.size;
  for (int64_t z = 0, i = 0; z < box.size[2]; ++z)
    for (int64_t y = 0; y < box.size[1]; ++y)
      for (int64_t x = 0; x < box.size[0]; ++x, ++i)
      {
        const bool p = prediction[i] != 0, r = reference[i] != 0;
        if (!(p || r))
          continue;
        m.truePositives += p && r;
        m.predictionVoxels += p;
        m.referenceVoxels += r;
        const std::array<int64_t, 3> at{ x, y, z };
        for (int a = 0; a < 3; ++a)
        {
          box.low[a] = std::min(box.low[a], at[a]);
          box.high[a] = std::max(box.high[a], at[a]);
        }
      }
  m.falsePositives = m.predictionVoxels - m.truePositives;
  m.falseNegatives = m.referenceVoxels - m.truePositives;
  return box;
}

/** Both masks cropped to the union's bounding box: every border voxel of either mask lies inside
 *  it, and the outside holds no foreground, so borders and distances are unchanged. */
void
CropToBox(const uint8_t * prediction, const uint8_t * reference, const UnionBox & box, size_t dimension, std::vector<int64_t> & cropSize,
          std::vector<uint8_t> & cropPrediction, std::vector<uint8_t> & cropReference)
{
  cropSize.resize(dimension);
  for (size_t a = 0; a < dimension; ++a)
    cropSize[a] = box.high[a] - box.low[a] + 1;
  const int64_t cropCount = CountOf(cropSize);
  cropPrediction.assign(static_cast<size_t>(cropCount), 0);
  cropReference.assign(static_cast<size_t>(cropCount), 0);
  for (int64_t z = box.low[2], i = 0; z <= box.high[2]; ++z)
    for (int64_t y = box.low[1]; y <= box.high[1]; ++y)
    {
      const int64_t row = (z * box.size[1] + y) * box.size[0];
      for (int64_t x = box.low[0]; x <= box.high[0]; ++x, ++i)
      {
        cropPrediction[static_cast<size_t>(i)] = prediction[row + x] != 0;
        cropReference[static_cast<size_t>(i)] = reference[row + x] != 0;
      }
    }
}

/** HD95, HD and ASSD of two non-empty masks cropped to their union's box. */
void
BoundaryDistances(const std::vector<uint8_t> & prediction, const std::vector<uint8_t> & reference, const std::vector<int64_t> & cropSize,
                  const MaskGrid & grid, SegmentationMetrics & m)
{
  const std::vector<uint8_t> predictionBorder = BorderVoxels(prediction, cropSize);
  const std::vector<uint8_t> referenceBorder = BorderVoxels(reference, cropSize);
  m.predictionBorderVoxels = std::count(predictionBorder.begin(), predictionBorder.end(), uint8_t{ 1 });
  m.referenceBorderVoxels = std::count(referenceBorder.begin(), referenceBorder.end(), uint8_t{ 1 });
  const DistanceSummary physical =
    SummarizeDistances(BorderToBorderDistances(predictionBorder, referenceBorder, cropSize, grid.spacing), m.mode, m.percentile);
  DistanceSummary pixels;
  const bool      isotropic = std::all_of(grid.spacing.begin(), grid.spacing.end(), [&](double s) { return s == grid.spacing[0]; });
  if (isotropic)
  {
    const double s = grid.spacing[0];
    pixels = { physical.hd95 / s, physical.hd / s, physical.assd / s };
  }
  else
  {
    // With anisotropic spacing the nearest voxel in pixel units can be another one: transform again.
    pixels = SummarizeDistances(
      BorderToBorderDistances(predictionBorder, referenceBorder, cropSize, std::vector<double>(cropSize.size(), 1.0)), m.mode,
      m.percentile);
  }
  m.hd95 = { physical.hd95, pixels.hd95, physical.hd95 / m.diagonal.physical };
  m.hd = { physical.hd, pixels.hd, physical.hd / m.diagonal.physical };
  m.assd = { physical.assd, pixels.assd, physical.assd / m.diagonal.physical };
}
} // namespace

SegmentationMetrics
ComputeSegmentationMetrics(const uint8_t * prediction, const uint8_t * reference, const MaskGrid & grid, HD95Mode mode,
                           double percentile)
{
  CheckGrid(grid);
  SegmentationMetrics m;
  m.mode = mode;
  m.percentile = percentile;
  m.diagonal = ImageDiagonal(grid);
  const UnionBox box = CountVoxels(prediction, reference, grid, m);
  const bool     bothEmpty = m.predictionVoxels == 0 && m.referenceVoxels == 0;
  m.dice = bothEmpty ? 1.0
                     : 2.0 * static_cast<double>(m.truePositives) / static_cast<double>(m.predictionVoxels + m.referenceVoxels);
  m.recall = Ratio(m.truePositives, m.referenceVoxels, bothEmpty);
  m.precision = Ratio(m.truePositives, m.predictionVoxels, bothEmpty);
  if (bothEmpty)
    return m; // distances 0
  if (m.predictionVoxels == 0 || m.referenceVoxels == 0)
  {
    m.hd95 = m.hd = m.assd = { kNaN, kNaN, kNaN };
    return m;
  }
  std::vector<int64_t> cropSize;
  std::vector<uint8_t> cropPrediction, cropReference;
  CropToBox(prediction, reference, box, grid.size.size(), cropSize, cropPrediction, cropReference);
  BoundaryDistances(cropPrediction, cropReference, cropSize, grid, m);
  return m;
}

MetricSummary
Summarize(const std::vector<double> & values, const std::vector<double> & worstCase)
{
  if (values.size() != worstCase.size())
  {
    throw std::invalid_argument("Summarize: one worst-case value per case is needed");
  }
  MetricSummary s;
  s.count = static_cast<int>(values.size());
  if (values.empty())
  {
    s.mean = s.std = s.median = s.min = s.max = kNaN;
    return s;
  }
  std::vector<double> v(values.size());
  for (size_t i = 0; i < values.size(); ++i)
  {
    if (std::isnan(values[i]))
    {
      v[i] = worstCase[i];
      ++s.replaced;
    }
    else
    {
      v[i] = values[i];
    }
  }
  const double n = static_cast<double>(v.size());
  s.mean = std::accumulate(v.begin(), v.end(), 0.0) / n;
  double squares = 0;
  for (double x : v)
    squares += (x - s.mean) * (x - s.mean);
  s.std = std::sqrt(squares / n);
  std::sort(v.begin(), v.end());
  s.min = v.front();
  s.max = v.back();
  const size_t half = v.size() / 2;
  s.median = v.size() % 2 ? v[half] : 0.5 * (v[half - 1] + v[half]);
  return s;
}

double
DiceCoefficient(const uint8_t * prediction, const uint8_t * reference, size_t count)
{
  int64_t both = 0, predicted = 0, referenced = 0;
  for (size_t k = 0; k < count; ++k)
  {
    both += (prediction[k] & reference[k]);
    predicted += prediction[k];
    referenced += reference[k];
  }
  return (predicted + referenced == 0) ? 1.0 : 2.0 * static_cast<double>(both) / static_cast<double>(predicted + referenced);
}

} // namespace sinus
