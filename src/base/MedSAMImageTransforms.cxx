// SPDX-License-Identifier: Apache-2.0
#include "sinus/MedSAMImageTransforms.h"


#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace sinus
{
namespace
{

// ---------------------------------------------------------------------------------------------
// Boundary handling. scipy's 'mirror' mode reflects about the edge samples without repeating
// them: x[-1] = x[1], x[n] = x[n-2]. Written exactly as scipy.ndimage maps coordinates, because
// the same arithmetic must give the same sample positions.
// ---------------------------------------------------------------------------------------------
double
MirrorCoordinate(double in, int64_t len)
{
  if (in < 0)
  {
    if (len <= 1)
    {
      return 0;
    }
    const int64_t period = 2 * len - 2;
    in = static_cast<double>(period * static_cast<int64_t>(-in / static_cast<double>(period))) + in;
    in = in <= static_cast<double>(1 - len) ? in + static_cast<double>(period) : -in;
  }
  else if (in > static_cast<double>(len - 1))
  {
    if (len <= 1)
    {
      return 0;
    }
    const int64_t period = 2 * len - 2;
    in -= static_cast<double>(period * static_cast<int64_t>(in / static_cast<double>(period)));
    if (in >= static_cast<double>(len))
    {
      in = static_cast<double>(period) - in;
    }
  }
  return in;
}

int64_t
MirrorIndex(int64_t index, int64_t len)
{
  return static_cast<int64_t>(MirrorCoordinate(static_cast<double>(index), len));
}

// Strided access to one line of a (H, W, C) array along `axis`.
struct Line
{
  int64_t length;
  int64_t stride;
};

std::array<int64_t, 3>
ShapeOf(const Raster<double> & r)
{
  return { r.height, r.width, r.channels };
}

std::array<int64_t, 3>
StridesOf(const std::array<int64_t, 3> & shape)
{
  return { shape[1] * shape[2], shape[2], 1 };
}

// Calls fn(offsetOfLineStart) for every line of `shape` along `axis`.
template <typename Fn>
void
ForEachLine(const std::array<int64_t, 3> & shape, int axis, Fn && fn)
{
  const auto strides = StridesOf(shape);
  int        a = (axis + 1) % 3, b = (axis + 2) % 3;
  if (a > b)
  {
    std::swap(a, b);
  }
  for (int64_t i = 0; i < shape[a]; ++i)
  {
    for (int64_t j = 0; j < shape[b]; ++j)
    {
      fn(i * strides[a] + j * strides[b]);
    }
  }
}

// numpy's pairwise summation (used by ndarray.sum for float64), so the Gaussian kernel is normalised
// with the same rounding as scipy's _gaussian_kernel1d.
double
NumpyPairwiseSum(const double * a, int64_t n)
{
  if (n < 8)
  {
    double res = 0.;
    for (int64_t i = 0; i < n; ++i)
    {
      res += a[i];
    }
    return res;
  }
  if (n <= 128)
  {
    double  r[8];
    int64_t i;
    for (int k = 0; k < 8; ++k)
    {
      r[k] = a[k];
    }
    for (i = 8; i < n - (n % 8); i += 8)
    {
      for (int k = 0; k < 8; ++k)
      {
        r[k] += a[i + k];
      }
    }
    double res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; ++i)
    {
      res += a[i];
    }
    return res;
  }
  int64_t n2 = n / 2;
  n2 -= n2 % 8;
  return NumpyPairwiseSum(a, n2) + NumpyPairwiseSum(a + n2, n - n2);
}

/** scipy.ndimage.gaussian_filter1d(mode='mirror', truncate=4.0) along one axis, in place. */
void
AntiAliasGaussian1D(Raster<double> & image, int axis, double sigma)
{
  const int64_t       radius = static_cast<int64_t>(4.0 * sigma + 0.5);
  std::vector<double> kernel(static_cast<size_t>(2 * radius + 1));
  const double        sigma2 = sigma * sigma;
  for (int64_t x = -radius; x <= radius; ++x)
  {
    kernel[static_cast<size_t>(x + radius)] = std::exp(-0.5 / sigma2 * static_cast<double>(x * x));
  }
  const double sum = NumpyPairwiseSum(kernel.data(), static_cast<int64_t>(kernel.size()));
  for (auto & k : kernel)
  {
    k = k / sum;
  }
  const double * fw = kernel.data() + radius; // symmetric: fw[-j] == fw[j]

  const auto          shape = ShapeOf(image);
  const auto          strides = StridesOf(shape);
  const int64_t       length = shape[axis];
  const int64_t       stride = strides[axis];
  std::vector<double> extended(static_cast<size_t>(length + 2 * radius));
  ForEachLine(shape, axis, [&](int64_t start) {
    for (int64_t k = -radius; k < length + radius; ++k)
    {
      extended[static_cast<size_t>(k + radius)] = image.data[static_cast<size_t>(start + MirrorIndex(k, length) * stride)];
    }
    for (int64_t l = 0; l < length; ++l)
    {
      const double * in = extended.data() + radius + l;
      double         out = in[0] * fw[0];
      for (int64_t j = -radius; j < 0; ++j)
      {
        out += (in[j] + in[-j]) * fw[j];
      }
      image.data[static_cast<size_t>(start + l * stride)] = out;
    }
  });
}

/** scipy.ndimage.spline_filter1d(order=3, mode='mirror') along one axis, in place: the gain
 *  followed by one causal and one anti-causal recursive pass with pole sqrt(3) - 2. */
void
BSplinePrefilter1D(Raster<double> & image, int axis)
{
  constexpr double pole = -0.267949192431122706472553658494127633; // sqrt(3) - 2
  const auto       shape = ShapeOf(image);
  const auto       strides = StridesOf(shape);
  const int64_t    n = shape[axis];
  const int64_t    stride = strides[axis];
  if (n <= 1)
  {
    return;
  }
  const double        gain = (1.0 - pole) * (1.0 - 1.0 / pole);
  std::vector<double> c(static_cast<size_t>(n));
  ForEachLine(shape, axis, [&](int64_t start) {
    for (int64_t i = 0; i < n; ++i)
    {
      c[static_cast<size_t>(i)] = image.data[static_cast<size_t>(start + i * stride)] * gain;
    }
    // Causal initialisation for mirror boundaries (Unser et al. 1991), summed in scipy's order.
    double       zi = pole;
    const double zn1 = std::pow(pole, static_cast<double>(n - 1));
    c[0] = c[0] + zn1 * c[static_cast<size_t>(n - 1)];
    for (int64_t i = 1; i < n - 1; ++i)
    {
      c[0] += zi * (c[static_cast<size_t>(i)] + zn1 * c[static_cast<size_t>(n - 1 - i)]);
      zi *= pole;
    }
    c[0] /= 1 - zn1 * zn1;
    for (int64_t i = 1; i < n; ++i)
    {
      c[static_cast<size_t>(i)] += pole * c[static_cast<size_t>(i - 1)];
    }
    c[static_cast<size_t>(n - 1)] =
      (pole * c[static_cast<size_t>(n - 2)] + c[static_cast<size_t>(n - 1)]) * pole / (pole * pole - 1);
    for (int64_t i = n - 2; i >= 0; --i)
    {
      c[static_cast<size_t>(i)] = pole * (c[static_cast<size_t>(i + 1)] - c[static_cast<size_t>(i)]);
    }
    for (int64_t i = 0; i < n; ++i)
    {
      image.data[static_cast<size_t>(start + i * stride)] = c[static_cast<size_t>(i)];
    }
  });
}

/** Cubic B-spline weights of scipy's get_spline_interpolation_weights (order 3). */
std::array<double, 4>
CubicBSplineWeights(double x)
{
  x -= std::floor(x);
  const double          y = x;
  const double          z = 1.0 - x;
  std::array<double, 4> w;
  w[1] = (y * y * (y - 2.0) * 3.0 + 4.0) / 6.0;
  w[2] = (z * z * (z - 2.0) * 3.0 + 4.0) / 6.0;
  w[0] = z * z * z / 6.0;
  w[3] = 1.0;
  for (int i = 0; i < 3; ++i)
  {
    w[3] -= w[i];
  }
  return w;
}

/** Per output position along one axis: the four input indices (mirrored at the edges) and the
 *  four B-spline weights, as scipy.ndimage.zoom(grid_mode=True) computes them. */
struct AxisTaps
{
  std::vector<std::array<int64_t, 4>> index;
  std::vector<std::array<double, 4>>  weight;
};

AxisTaps
ZoomTaps(int64_t inLength, int64_t outLength)
{
  const double zoom = static_cast<double>(inLength) / static_cast<double>(outLength);
  AxisTaps     taps;
  taps.index.resize(static_cast<size_t>(outLength));
  taps.weight.resize(static_cast<size_t>(outLength));
  for (int64_t k = 0; k < outLength; ++k)
  {
    double cc = static_cast<double>(k);
    cc += 0.5;
    cc *= zoom;
    cc -= 0.5;
    cc = MirrorCoordinate(cc, inLength);
    // cc > -1 always holds after mirroring, so no constant-border branch is needed.
    const int64_t start = static_cast<int64_t>(std::floor(cc)) - 1;
    for (int64_t t = 0; t < 4; ++t)
    {
      taps.index[static_cast<size_t>(k)][static_cast<size_t>(t)] = MirrorIndex(start + t, inLength);
    }
    taps.weight[static_cast<size_t>(k)] = CubicBSplineWeights(cc);
  }
  return taps;
}

/** Evaluates the prefiltered coefficients at the zoomed grid: the tensor-product sum in scipy's
 *  order (last axis fastest, coefficient multiplied by the weights axis by axis). */
Raster<double>
ZoomCubicBSpline(const Raster<double> & coefficients, const AxisTaps & rows, const AxisTaps & cols, const ProgressCallback & progress)
{
  const int64_t  outHeight = static_cast<int64_t>(rows.index.size());
  const int64_t  outWidth = static_cast<int64_t>(cols.index.size());
  const int64_t  channels = coefficients.channels;
  Raster<double> out(outHeight, outWidth, channels);
  const AxisTaps chans = ZoomTaps(channels, channels);
  for (int64_t y = 0; y < outHeight; ++y)
  {
    const auto & ri = rows.index[static_cast<size_t>(y)];
    const auto & rw = rows.weight[static_cast<size_t>(y)];
    for (int64_t x = 0; x < outWidth; ++x)
    {
      const auto & ci = cols.index[static_cast<size_t>(x)];
      const auto & cw = cols.weight[static_cast<size_t>(x)];
      for (int64_t c = 0; c < channels; ++c)
      {
        const auto & ki = chans.index[static_cast<size_t>(c)];
        const auto & kw = chans.weight[static_cast<size_t>(c)];
        double       t = 0.0;
        for (int a = 0; a < 4; ++a)
        {
          for (int b = 0; b < 4; ++b)
          {
            const size_t rowBase = static_cast<size_t>((ri[a] * coefficients.width + ci[b]) * channels);
            for (int k = 0; k < 4; ++k)
            {
              double coeff = coefficients.data[rowBase + static_cast<size_t>(ki[k])];
              coeff *= rw[a];
              coeff *= cw[b];
              coeff *= kw[k];
              t += coeff;
            }
          }
        }
        out(y, x, c) = t;
      }
    }
    if (progress && (y % 32 == 31 || y == outHeight - 1))
    {
      progress(0.2 + 0.8 * static_cast<double>(y + 1) / static_cast<double>(outHeight));
    }
  }
  return out;
}

} // namespace

namespace
{
/** The checks of ResizeLikeSkimage; returns the image's [min, max], which the result is clipped to. */
std::pair<double, double>
CheckResizeInput(const Raster<double> & image, int64_t outHeight, int64_t outWidth)
{
  if (image.height < 1 || image.width < 1 || image.data.size() != static_cast<size_t>(image.height * image.width * image.channels))
  {
    throw std::invalid_argument("ResizeLikeSkimage: empty or inconsistent input image");
  }
  if (outHeight < 1 || outWidth < 1)
  {
    throw std::invalid_argument("ResizeLikeSkimage: output size must be positive, got " + std::to_string(outHeight) +
                                "x" + std::to_string(outWidth));
  }
  for (double v : image.data)
  {
    if (!std::isfinite(v))
    {
      throw std::invalid_argument("ResizeLikeSkimage: the input image contains NaN or infinite values");
    }
  }
  const auto [minIt, maxIt] = std::minmax_element(image.data.begin(), image.data.end());
  return { *minIt, *maxIt };
}

/** The row and column passes of the resize, in place: anti-aliasing, then the B-spline prefilter.
 *  Each channel is filtered on its own. */
void
FilterRowsAndColumns(Raster<double> & work, int64_t outHeight, int64_t outWidth)
{
  const std::array<int64_t, 2> inShape{ work.height, work.width };
  const std::array<int64_t, 2> outShape{ outHeight, outWidth };
  for (int axis = 0; axis < 2; ++axis)
  {
    const double factor = static_cast<double>(inShape[axis]) / static_cast<double>(outShape[axis]);
    const double sigma = std::max(0.0, (factor - 1) / 2);
    if (sigma > 1e-15)
    {
      AntiAliasGaussian1D(work, axis, sigma);
    }
  }
  for (int axis = 0; axis < 2; ++axis)
  {
    BSplinePrefilter1D(work, axis);
  }
}

/** The rest of the resize: the prefilter along the channels, the zoom with the given taps, the
 *  clip to [low, high]. */
Raster<double>
ZoomFilteredImage(Raster<double> & work, const AxisTaps & rows, const AxisTaps & cols, double low, double high,
                  const ProgressCallback & progress)
{
  BSplinePrefilter1D(work, 2);
  if (progress)
  {
    progress(0.2);
  }
  Raster<double> out = ZoomCubicBSpline(work, rows, cols, progress);
  for (double & v : out.data)
  {
    v = std::min(std::max(v, low), high);
  }
  return out;
}

/** The input positions `taps` reads, in order, each once; the taps then index into that list. */
std::vector<int64_t>
KeepOnlyTappedPositions(AxisTaps & taps)
{
  std::vector<int64_t> used;
  for (const auto & four : taps.index)
    used.insert(used.end(), four.begin(), four.end());
  std::sort(used.begin(), used.end());
  used.erase(std::unique(used.begin(), used.end()), used.end());
  for (auto & four : taps.index)
    for (int64_t & i : four)
      i = std::lower_bound(used.begin(), used.end(), i) - used.begin();
  return used;
}
} // namespace

Raster<double>
ResizeLikeSkimage(const Raster<double> & image, int64_t outHeight, int64_t outWidth, const ProgressCallback & progress)
{
  const auto [low, high] = CheckResizeInput(image, outHeight, outWidth);
  Raster<double> work = image;
  FilterRowsAndColumns(work, outHeight, outWidth);
  if (progress)
  {
    progress(0.1);
  }
  return ZoomFilteredImage(work, ZoomTaps(work.height, outHeight), ZoomTaps(work.width, outWidth), low, high, progress);
}

Raster<uint8_t>
TruncateToUInt8(const Raster<double> & image)
{
  Raster<uint8_t> out(image.height, image.width, image.channels);
  for (size_t i = 0; i < image.data.size(); ++i)
  {
    const double v = image.data[i];
    if (!(v >= 0.0 && v < 256.0))
    {
      throw std::out_of_range("TruncateToUInt8: value " + std::to_string(v) + " is outside [0, 256)");
    }
    out.data[i] = static_cast<uint8_t>(v);
  }
  return out;
}

Raster<float>
MinMaxNormalize(const Raster<uint8_t> & image)
{
  Raster<float> out(image.height, image.width, image.channels);
  if (image.data.empty())
  {
    return out;
  }
  const auto [minIt, maxIt] = std::minmax_element(image.data.begin(), image.data.end());
  const int    minValue = *minIt;
  const double range = std::max(static_cast<double>(*maxIt - minValue), 1e-8);
  for (size_t i = 0; i < image.data.size(); ++i)
  {
    out.data[i] = static_cast<float>(static_cast<double>(image.data[i] - minValue) / range);
  }
  return out;
}

void
MapToMedSAMRange(Raster<double> & grey, bool rescale)
{
  if (grey.data.empty())
    return;
  const auto [minIt, maxIt] = std::minmax_element(grey.data.begin(), grey.data.end());
  const double minValue = *minIt, maxValue = *maxIt;
  for (double v : grey.data)
  {
    if (!std::isfinite(v))
      throw std::invalid_argument("the image contains NaN or infinite values");
  }
  if (rescale)
  {
    const double range = maxValue - minValue;
    for (double & v : grey.data)
      v = range > 0 ? (v - minValue) * (255.0 / range) : 0.0;
  }
  else if (minValue < 0.0 || maxValue > 255.0)
  {
    throw std::out_of_range("values span [" + std::to_string(minValue) + ", " + std::to_string(maxValue) +
                            "], outside MedSAM's 8-bit range [0, 255]; rescale them (RescaleInputTo8BitRange / "
                            "--rescale on) to map them linearly");
  }
}

MedSAMPreprocessed
PreprocessForMedSAM(const Raster<double> & grey, int64_t inputSize, const ProgressCallback & progress)
{
  if (grey.channels != 1)
  {
    throw std::invalid_argument("PreprocessForMedSAM: expected a single-channel image, got " +
                                std::to_string(grey.channels) + " channels");
  }
  for (double v : grey.data)
  {
    if (!(v >= 0.0 && v <= 255.0))
    {
      throw std::out_of_range("PreprocessForMedSAM: grey values must lie in [0, 255]; found " + std::to_string(v));
    }
  }
  // MedSAM resizes the grey image as three identical channels. The row and column passes filter
  // each channel on its own, so they run once, on the grey channel; the three copies are made
  // after them, and only of the rows and columns the zoom reads (at a network input far smaller
  // than the radiograph, about a sixth of them): the same arithmetic as ResizeLikeSkimage on the
  // three channels, with a third of its filtering and a fraction of its full-size copies.
  const auto [low, high] = CheckResizeInput(grey, inputSize, inputSize);
  Raster<double> filtered = grey;
  FilterRowsAndColumns(filtered, inputSize, inputSize);
  if (progress)
  {
    progress(0.1);
  }
  AxisTaps                   rowTaps = ZoomTaps(grey.height, inputSize), columnTaps = ZoomTaps(grey.width, inputSize);
  const std::vector<int64_t> rows = KeepOnlyTappedPositions(rowTaps), columns = KeepOnlyTappedPositions(columnTaps);
  Raster<double>             threeChannels(static_cast<int64_t>(rows.size()), static_cast<int64_t>(columns.size()), 3);
  for (size_t r = 0; r < rows.size(); ++r)
  {
    for (size_t c = 0; c < columns.size(); ++c)
    {
      const double v = filtered(rows[r], columns[c], 0);
      for (int64_t k = 0; k < 3; ++k)
      {
        threeChannels(static_cast<int64_t>(r), static_cast<int64_t>(c), k) = v;
      }
    }
  }
  filtered = Raster<double>();
  MedSAMPreprocessed result;
  result.resizedUInt8 = TruncateToUInt8(ZoomFilteredImage(threeChannels, rowTaps, columnTaps, low, high, progress));
  result.input = MinMaxNormalize(result.resizedUInt8);
  return result;
}

Raster<uint8_t>
ThresholdProbability(const Raster<float> & probability, float threshold, uint8_t foreground)
{
  Raster<uint8_t> out(probability.height, probability.width, probability.channels);
  for (size_t i = 0; i < probability.data.size(); ++i)
  {
    out.data[i] = probability.data[i] > threshold ? foreground : 0;
  }
  return out;
}

} // namespace sinus
