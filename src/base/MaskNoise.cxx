// SPDX-License-Identifier: Apache-2.0
#include "sinus/MaskNoise.h"

#include "sinus/PortableRandom.h"
#include "sinus/SegmentationMetrics.h"

#include <cmath>
#include <limits>

namespace sinus
{

MaskNoiseOptions
MaskNoiseOptions::FromJson(const Json & json)
{
  RequireKnownKeys(json,
                   { "boundary_jitter", "jitter_correlation", "offset_min", "offset_max", "holes_max", "hole_radius_min",
                     "hole_radius_max", "specks_max", "speck_radius_min", "speck_radius_max", "speck_distance",
                     "missed_part_probability", "missed_part_fraction", "bulge_probability", "bulge_radius_min",
                     "bulge_radius_max" },
                   "mask noise");
  MaskNoiseOptions  o;
  const std::string w = "mask noise";
  ReadJsonField(json, "boundary_jitter", o.boundaryJitter, w);
  ReadJsonField(json, "jitter_correlation", o.jitterCorrelation, w);
  ReadJsonField(json, "offset_min", o.offsetMin, w);
  ReadJsonField(json, "offset_max", o.offsetMax, w);
  ReadJsonField(json, "holes_max", o.holesMax, w);
  ReadJsonField(json, "hole_radius_min", o.holeRadiusMin, w);
  ReadJsonField(json, "hole_radius_max", o.holeRadiusMax, w);
  ReadJsonField(json, "specks_max", o.specksMax, w);
  ReadJsonField(json, "speck_radius_min", o.speckRadiusMin, w);
  ReadJsonField(json, "speck_radius_max", o.speckRadiusMax, w);
  ReadJsonField(json, "speck_distance", o.speckDistance, w);
  ReadJsonField(json, "missed_part_probability", o.missedPartProbability, w);
  ReadJsonField(json, "missed_part_fraction", o.missedPartFraction, w);
  ReadJsonField(json, "bulge_probability", o.bulgeProbability, w);
  ReadJsonField(json, "bulge_radius_min", o.bulgeRadiusMin, w);
  ReadJsonField(json, "bulge_radius_max", o.bulgeRadiusMax, w);
  if (o.jitterCorrelation <= 0 || o.offsetMin > o.offsetMax || o.holesMax < 0 || o.specksMax < 0 ||
      o.holeRadiusMin > o.holeRadiusMax || o.speckRadiusMin > o.speckRadiusMax || o.bulgeRadiusMin > o.bulgeRadiusMax ||
      o.missedPartFraction < 0 || o.missedPartFraction > 1)
    throw std::runtime_error("mask noise: inconsistent settings (min above max, negative counts or correlation <= 0)");
  return o;
}

Json
MaskNoiseOptions::ToJson() const
{
  Json j = Json::object();
  j["boundary_jitter"] = boundaryJitter;
  j["jitter_correlation"] = jitterCorrelation;
  j["offset_min"] = offsetMin;
  j["offset_max"] = offsetMax;
  j["holes_max"] = holesMax;
  j["hole_radius_min"] = holeRadiusMin;
  j["hole_radius_max"] = holeRadiusMax;
  j["specks_max"] = specksMax;
  j["speck_radius_min"] = speckRadiusMin;
  j["speck_radius_max"] = speckRadiusMax;
  j["speck_distance"] = speckDistance;
  j["missed_part_probability"] = missedPartProbability;
  j["missed_part_fraction"] = missedPartFraction;
  j["bulge_probability"] = bulgeProbability;
  j["bulge_radius_min"] = bulgeRadiusMin;
  j["bulge_radius_max"] = bulgeRadiusMax;
  return j;
}

namespace
{
/** Signed distance in pixels: positive inside the mask, negative outside, measured to the nearest
 *  pixel of the other class. */
std::vector<double>
SignedDistance(const std::vector<uint8_t> & inside, int64_t height, int64_t width)
{
  std::vector<uint8_t> outside(inside.size());
  for (size_t i = 0; i < inside.size(); ++i)
    outside[i] = inside[i] ? 0 : 1;
  const std::vector<int64_t> size{ width, height };
  const std::vector<double>  unit{ 1.0, 1.0 };
  const auto                 toOutside = SquaredDistanceToFeatures(outside, size, unit);
  const auto                 toInside = SquaredDistanceToFeatures(inside, size, unit);
  std::vector<double>        d(inside.size());
  for (size_t i = 0; i < d.size(); ++i)
    d[i] = inside[i] ? std::sqrt(toOutside[i]) : -std::sqrt(toInside[i]);
  return d;
}

void
FillEllipse(std::vector<uint8_t> & mask, int64_t height, int64_t width, double cx, double cy, double rx, double ry, double angle,
            uint8_t value)
{
  const double r = std::max(rx, ry);
  const double c = std::cos(angle), s = std::sin(angle);
  for (int64_t y = std::max<int64_t>(0, static_cast<int64_t>(cy - r)); y <= std::min<int64_t>(height - 1, static_cast<int64_t>(cy + r) + 1); ++y)
    for (int64_t x = std::max<int64_t>(0, static_cast<int64_t>(cx - r)); x <= std::min<int64_t>(width - 1, static_cast<int64_t>(cx + r) + 1); ++x)
    {
      const double dx = x + 0.5 - cx, dy = y + 0.5 - cy;
      const double u = (c * dx + s * dy) / rx, v = (-s * dx + c * dy) / ry;
      if (u * u + v * v <= 1.0)
        mask[static_cast<size_t>(y * width + x)] = value;
    }
}

struct Box
{
  int64_t x0 = std::numeric_limits<int64_t>::max(), y0 = x0, x1 = -1, y1 = -1;
  bool    Empty() const { return x1 < 0; }
};

/** The bounding boxes of the left and right halves' foreground (the two sinuses of a panoramic
 *  mask; any mask works, a half may be empty). */
std::vector<Box>
HalfBoxes(const std::vector<uint8_t> & mask, int64_t height, int64_t width)
{
  std::vector<Box> boxes(2);
  for (int64_t y = 0; y < height; ++y)
    for (int64_t x = 0; x < width; ++x)
      if (mask[static_cast<size_t>(y * width + x)])
      {
        Box & b = boxes[x < width / 2 ? 0 : 1];
        b.x0 = std::min(b.x0, x), b.y0 = std::min(b.y0, y), b.x1 = std::max(b.x1, x), b.y1 = std::max(b.y1, y);
      }
  return boxes;
}
} // namespace

namespace
{
constexpr double kPiNoise = 3.14159265358979323846;

/** One corrupted mask in the making; each step draws from the same generator in a fixed order. */
struct NoisyMask
{
  const MaskNoiseOptions & o;
  PortableRandom           rng;
  int64_t                  H, W;
  double                   scale; // every length option is a fraction of the width
  std::vector<uint8_t>     inside, out;
  std::vector<Box>         components;

  void JitterBoundary();
  void CutMissedPart();
  void AddBulge();
  void AddHolesAndSpecks();
};

/** Boundary jitter and erosion/dilation: threshold the signed distance after adding a global offset
 *  and a smooth field (bilinear interpolation of random values on a coarse control grid). */
void
NoisyMask::JitterBoundary()
{
  const std::vector<double> distance = SignedDistance(inside, H, W);
  const double              offset = rng.Uniform(o.offsetMin, o.offsetMax) * scale;
  const double              cell = std::max(1.0, o.jitterCorrelation * scale);
  const uint64_t            fieldSeed = rng.Next();
  out.assign(inside.size(), 0);
  for (int64_t y = 0; y < H; ++y)
    for (int64_t x = 0; x < W; ++x)
    {
      const double  gx = x / cell, gy = y / cell;
      const int64_t ix = static_cast<int64_t>(gx), iy = static_cast<int64_t>(gy);
      const double  fx = gx - ix, fy = gy - iy;
      const auto    v = [&](int64_t a, int64_t b) { return 2.0 * HashUniform(fieldSeed, a, b) - 1.0; };
      const double  field = (1 - fy) * ((1 - fx) * v(ix, iy) + fx * v(ix + 1, iy)) + fy * ((1 - fx) * v(ix, iy + 1) + fx * v(ix + 1, iy + 1));
      const size_t  i = static_cast<size_t>(y * W + x);
      out[i] = distance[i] + offset + o.boundaryJitter * scale * field > 0 ? 1 : 0;
    }
}

/** Missed part: a straight cut removes the outer end of one component (a sinus whose lateral or
 *  lower recess the teacher did not reach). */
void
NoisyMask::CutMissedPart()
{
  if (!rng.Chance(o.missedPartProbability))
    return;
  const Box & b = components[static_cast<size_t>(rng.Integer(2))];
  if (b.Empty())
    return;
  const double fraction = rng.Uniform(0.1, 1.0) * o.missedPartFraction;
  const double angle = rng.Uniform(0, 2 * kPiNoise);
  const double nx = std::cos(angle), ny = std::sin(angle);
  // Project the box corners on the cut's normal to find the component's extent along it.
  double lo = std::numeric_limits<double>::max(), hi = -lo;
  for (const double cx : { double(b.x0), double(b.x1 + 1) })
    for (const double cy : { double(b.y0), double(b.y1 + 1) })
      lo = std::min(lo, cx * nx + cy * ny), hi = std::max(hi, cx * nx + cy * ny);
  const double threshold = hi - fraction * (hi - lo);
  for (int64_t y = b.y0; y <= b.y1; ++y)
    for (int64_t x = b.x0; x <= b.x1; ++x)
      if ((x + 0.5) * nx + (y + 0.5) * ny > threshold)
        out[static_cast<size_t>(y * W + x)] = 0;
}

/** Bulge: an ellipse centred on a boundary pixel leaks into the neighbouring bone. */
void
NoisyMask::AddBulge()
{
  if (!rng.Chance(o.bulgeProbability))
    return;
  std::vector<size_t> boundary;
  for (int64_t y = 1; y + 1 < H; ++y)
    for (int64_t x = 1; x + 1 < W; ++x)
    {
      const size_t i = static_cast<size_t>(y * W + x);
      if (inside[i] && (!inside[i - 1] || !inside[i + 1] || !inside[i - W] || !inside[i + W]))
        boundary.push_back(i);
    }
  if (boundary.empty())
    return;
  const size_t i = boundary[static_cast<size_t>(rng.Integer(static_cast<int64_t>(boundary.size())))];
  FillEllipse(out, H, W, static_cast<double>(i % W) + 0.5, static_cast<double>(i / W) + 0.5,
              rng.Uniform(o.bulgeRadiusMin, o.bulgeRadiusMax) * scale, rng.Uniform(o.bulgeRadiusMin, o.bulgeRadiusMax) * scale,
              rng.Uniform(0, kPiNoise), 1);
}

/** Holes inside a component and specks near it. */
void
NoisyMask::AddHolesAndSpecks()
{
  for (int64_t k = rng.Integer(o.holesMax + 1); k > 0; --k)
  {
    const Box & b = components[static_cast<size_t>(rng.Integer(2))];
    if (b.Empty())
      continue;
    const double cx = rng.Uniform(b.x0, b.x1 + 1), cy = rng.Uniform(b.y0, b.y1 + 1);
    if (!inside[static_cast<size_t>(std::min<int64_t>(H - 1, static_cast<int64_t>(cy)) * W + std::min<int64_t>(W - 1, static_cast<int64_t>(cx)))])
      continue; // holes only where the sinus is
    FillEllipse(out, H, W, cx, cy, rng.Uniform(o.holeRadiusMin, o.holeRadiusMax) * scale,
                rng.Uniform(o.holeRadiusMin, o.holeRadiusMax) * scale, rng.Uniform(0, kPiNoise), 0);
  }
  for (int64_t k = rng.Integer(o.specksMax + 1); k > 0; --k)
  {
    const Box & b = components[static_cast<size_t>(rng.Integer(2))];
    if (b.Empty())
      continue;
    const double margin = o.speckDistance * scale;
    const double cx = rng.Uniform(b.x0 - margin, b.x1 + 1 + margin), cy = rng.Uniform(b.y0 - margin, b.y1 + 1 + margin);
    FillEllipse(out, H, W, cx, cy, rng.Uniform(o.speckRadiusMin, o.speckRadiusMax) * scale,
                rng.Uniform(o.speckRadiusMin, o.speckRadiusMax) * scale, rng.Uniform(0, kPiNoise), 1);
  }
}
} // namespace

Raster<uint8_t>
CorruptMask(const Raster<uint8_t> & clean, const MaskNoiseOptions & o, uint64_t seed)
{
  if (clean.channels != 1 || clean.Empty())
    throw std::invalid_argument("CorruptMask: expected a non-empty one-channel mask");
  NoisyMask m{ o, PortableRandom(seed), clean.height, clean.width, static_cast<double>(clean.width), {}, {}, {} };
  m.inside.resize(clean.data.size());
  for (size_t i = 0; i < m.inside.size(); ++i)
    m.inside[i] = clean.data[i] ? 1 : 0;
  m.components = HalfBoxes(m.inside, m.H, m.W);
  m.JitterBoundary();
  m.CutMissedPart();
  m.AddBulge();
  m.AddHolesAndSpecks();
  Raster<uint8_t> result(m.H, m.W, 1);
  result.data = std::move(m.out);
  return result;
}

} // namespace sinus
