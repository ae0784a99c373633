// SPDX-License-Identifier: Apache-2.0
#include "sinus/PanoramicPhantom.h"

#include "sinus/PortableRandom.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <stdexcept>
#include <string>

namespace sinus
{
namespace
{
constexpr double kPi = 3.14159265358979323846;

using PhantomRandom = PortableRandom;

// ---------------------------------------------------------------------------------------------
// Curves and drawing on float layers.
// ---------------------------------------------------------------------------------------------
Point2
CatmullRom(const Point2 & p0, const Point2 & p1, const Point2 & p2, const Point2 & p3, double t)
{
  const double t2 = t * t, t3 = t2 * t;
  const auto   f = [&](double a, double b, double c, double d) {
    return 0.5 * (2 * b + (-a + c) * t + (2 * a - 5 * b + 4 * c - d) * t2 + (-a + 3 * b - 3 * c + d) * t3);
  };
  return { f(p0.x, p1.x, p2.x, p3.x), f(p0.y, p1.y, p2.y, p3.y) };
}

Polygon2
SmoothCurve(const Polygon2 & controls, int samplesPerSegment, bool closed)
{
  Polygon2     out;
  const size_t n = controls.size();
  const size_t segments = closed ? n : n - 1;
  for (size_t i = 0; i < segments; ++i)
  {
    const auto at = [&](int64_t k) -> const Point2 & {
      if (closed)
        return controls[static_cast<size_t>((k % static_cast<int64_t>(n) + static_cast<int64_t>(n)) % static_cast<int64_t>(n))];
      return controls[static_cast<size_t>(std::min<int64_t>(std::max<int64_t>(k, 0), static_cast<int64_t>(n) - 1))];
    };
    const int64_t k = static_cast<int64_t>(i);
    for (int s = 0; s < samplesPerSegment; ++s)
    {
      out.push_back(CatmullRom(at(k - 1), at(k), at(k + 1), at(k + 2), static_cast<double>(s) / samplesPerSegment));
    }
  }
  if (!closed)
  {
    out.push_back(controls.back());
  }
  return out;
}

/** The outline of a curve drawn with a varying half width: left offsets then right offsets back. */
Polygon2
StrokeOutline(const Polygon2 & curve, const std::vector<double> & halfWidth)
{
  Polygon2 left, right;
  for (size_t i = 0; i < curve.size(); ++i)
  {
    const Point2 & a = curve[i == 0 ? 0 : i - 1];
    const Point2 & b = curve[i + 1 < curve.size() ? i + 1 : i];
    double         tx = b.x - a.x, ty = b.y - a.y;
    const double   len = std::max(std::hypot(tx, ty), 1e-9);
    tx /= len;
    ty /= len;
    left.push_back({ curve[i].x - ty * halfWidth[i], curve[i].y + tx * halfWidth[i] });
    right.push_back({ curve[i].x + ty * halfWidth[i], curve[i].y - tx * halfWidth[i] });
  }
  Polygon2 outline = left;
  outline.insert(outline.end(), right.rbegin(), right.rend());
  return outline;
}

enum class Blend
{
  Add,
  Max,
  Multiply
};

void
Paint(Raster<float> & layer, const Polygon2 & polygon, float value, Blend blend = Blend::Add)
{
  ScanPolygon(polygon, layer.width, layer.height, [&](int64_t row, int64_t first, int64_t end) {
    float * p = layer.data.data() + layer.Index(row, first);
    for (int64_t i = first; i < end; ++i, ++p)
    {
      switch (blend)
      {
        case Blend::Add:
          *p += value;
          break;
        case Blend::Max:
          *p = std::max(*p, value);
          break;
        case Blend::Multiply:
          *p *= value;
          break;
      }
    }
  });
}

Polygon2
Ellipse(double cx, double cy, double rx, double ry, double angle = 0, int samples = 72)
{
  Polygon2     out;
  const double c = std::cos(angle), s = std::sin(angle);
  for (int i = 0; i < samples; ++i)
  {
    const double t = 2 * kPi * i / samples;
    const double x = rx * std::cos(t), y = ry * std::sin(t);
    out.push_back({ cx + c * x - s * y, cy + s * x + c * y });
  }
  return out;
}

/** A stroke whose strength varies along the curve: drawn in short pieces, each with its own value. */
void
PaintModulatedStroke(Raster<float> & layer, const Polygon2 & curve, double halfWidth, const std::vector<double> & strength,
                     float value, size_t piece = 6)
{
  for (size_t start = 0; start + 1 < curve.size(); start += piece)
  {
    const size_t end = std::min(curve.size(), start + piece + 1);
    const double s = strength[std::min(curve.size() - 1, start + piece / 2)];
    if (s <= 0.02)
    {
      continue; // this stretch of cortex is missing on the radiograph
    }
    Polygon2 part(curve.begin() + static_cast<std::ptrdiff_t>(start), curve.begin() + static_cast<std::ptrdiff_t>(end));
    Paint(layer, StrokeOutline(part, std::vector<double>(part.size(), halfWidth)), static_cast<float>(value * s));
  }
}

void
PaintStroke(Raster<float> & layer, const Polygon2 & curve, double halfWidth, float value)
{
  Paint(layer, StrokeOutline(curve, std::vector<double>(curve.size(), halfWidth)), value);
}

/** Separable Gaussian blur with edge clamping. */
void
GaussianBlur(Raster<float> & image, double sigma)
{
  if (sigma < 0.3)
  {
    return;
  }
  const int64_t      radius = static_cast<int64_t>(std::ceil(3 * sigma));
  std::vector<float> kernel(static_cast<size_t>(2 * radius + 1));
  double             sum = 0;
  for (int64_t i = -radius; i <= radius; ++i)
  {
    sum += kernel[static_cast<size_t>(i + radius)] = static_cast<float>(std::exp(-0.5 * i * i / (sigma * sigma)));
  }
  for (float & k : kernel)
  {
    k = static_cast<float>(k / sum);
  }
  const int64_t      W = image.width, H = image.height;
  std::vector<float> line;
  Raster<float>      tmp(H, W, 1);
  for (int64_t y = 0; y < H; ++y)
  {
    const float * row = image.data.data() + image.Index(y, 0);
    for (int64_t x = 0; x < W; ++x)
    {
      float acc = 0;
      for (int64_t k = -radius; k <= radius; ++k)
      {
        acc += kernel[static_cast<size_t>(k + radius)] * row[std::min(W - 1, std::max<int64_t>(0, x + k))];
      }
      tmp(y, x) = acc;
    }
  }
  line.resize(static_cast<size_t>(H));
  for (int64_t x = 0; x < W; ++x)
  {
    for (int64_t y = 0; y < H; ++y)
    {
      line[static_cast<size_t>(y)] = tmp(y, x);
    }
    for (int64_t y = 0; y < H; ++y)
    {
      float acc = 0;
      for (int64_t k = -radius; k <= radius; ++k)
      {
        acc += kernel[static_cast<size_t>(k + radius)] * line[static_cast<size_t>(std::min(H - 1, std::max<int64_t>(0, y + k)))];
      }
      image(y, x) = acc;
    }
  }
}

/** Smooth value noise in [-1, 1] with lattice spacing `cell` pixels. */
double
ValueNoise(uint64_t seed, double x, double y, double cell)
{
  const double  gx = x / cell, gy = y / cell;
  const int64_t ix = static_cast<int64_t>(std::floor(gx)), iy = static_cast<int64_t>(std::floor(gy));
  double        fx = gx - static_cast<double>(ix), fy = gy - static_cast<double>(iy);
  fx = fx * fx * (3 - 2 * fx);
  fy = fy * fy * (3 - 2 * fy);
  const double v00 = HashUniform(seed, ix, iy), v10 = HashUniform(seed, ix + 1, iy);
  const double v01 = HashUniform(seed, ix, iy + 1), v11 = HashUniform(seed, ix + 1, iy + 1);
  const double v = (v00 * (1 - fx) + v10 * fx) * (1 - fy) + (v01 * (1 - fx) + v11 * fx) * fy;
  return 2 * v - 1;
}

/** A smooth periodic strength profile along a closed contour, clipped to [0, 1]; stretches where it
 *  is 0 are cortex that the radiograph does not show. */
std::vector<double>
CortexStrength(PhantomRandom & rng, size_t samples, double mean, double floorBoost)
{
  std::array<double, 4> amplitude, phase;
  for (int k = 0; k < 4; ++k)
  {
    amplitude[k] = rng.Uniform(0.1, 0.45) / (1 + 0.5 * k);
    phase[k] = rng.Uniform(0, 2 * kPi);
  }
  std::vector<double> s(samples);
  for (size_t i = 0; i < samples; ++i)
  {
    const double t = 2 * kPi * static_cast<double>(i) / static_cast<double>(samples);
    double       v = mean;
    for (int k = 0; k < 4; ++k)
    {
      v += amplitude[k] * std::cos((k + 1) * t + phase[k]);
    }
    v += floorBoost * std::max(0.0, std::sin(t)); // the floor (lower half, y down) shows best
    s[i] = std::min(1.0, std::max(0.0, v));
  }
  return s;
}

// ---------------------------------------------------------------------------------------------
// Anatomy.
// ---------------------------------------------------------------------------------------------
struct SinusShape
{
  Polygon2 outline;  // closed, pixel coordinates
  double   floorY;   // lowest point of the floor (pixels)
  double   floorX;   // x of that point
  double   cx, cy, a, b;
};

/** One maxillary sinus: a rounded superellipse with low-order Fourier wobble, a flatter roof
 *  (orbital floor), a floor that dips towards the molar roots and shallow scallops (septa).
 *  `medial` is +1 when the midline lies towards +x. */
SinusShape
DrawSinusShape(PhantomRandom & rng, double cx, double cy, double a, double b, double medial)
{
  const double exponent = rng.Uniform(2.1, 2.8);
  const double roofFlatness = rng.Uniform(2.6, 3.6);
  const double rotation = rng.Normal(0, 0.05);
  const double dipDepth = rng.Uniform(0.08, 0.32);
  const double dipCentre = medial * rng.Uniform(-0.15, 0.35); // towards the midline = anterior
  const double dipWidth = rng.Uniform(0.3, 0.55);
  const double scallop = rng.Uniform(0.0, 0.035);
  const double scallopPhase = rng.Uniform(0, 2 * kPi);
  std::array<double, 4> wobble, phase;
  for (int k = 0; k < 4; ++k)
  {
    wobble[k] = rng.Uniform(0, 0.035);
    phase[k] = rng.Uniform(0, 2 * kPi);
  }
  SinusShape   shape{ {}, -1e9, 0, cx, cy, a, b };
  const int    samples = 160;
  const double cr = std::cos(rotation), sr = std::sin(rotation);
  for (int i = 0; i < samples; ++i)
  {
    const double t = 2 * kPi * i / samples;
    const double c = std::cos(t), s = std::sin(t); // s > 0: lower half (y grows downwards)
    const double p = s < 0 ? roofFlatness : exponent;
    double       x = (c < 0 ? -1 : 1) * std::pow(std::fabs(c), 2.0 / p);
    double       y = (s < 0 ? -1 : 1) * std::pow(std::fabs(s), 2.0 / p);
    double       radial = 1;
    for (int k = 0; k < 4; ++k)
    {
      radial += wobble[k] * std::cos((k + 2) * t + phase[k]);
    }
    x *= radial;
    y *= radial;
    if (s > 0)
    {
      y += dipDepth * s * s * std::exp(-std::pow((x - dipCentre) / dipWidth, 2));
      y += scallop * s * std::sin(7 * x + scallopPhase);
    }
    const double px = cx + a * (cr * x - sr * y);
    const double py = cy + b * (sr * x + cr * y);
    shape.outline.push_back({ px, py });
    if (py > shape.floorY)
    {
      shape.floorY = py;
      shape.floorX = px;
    }
  }
  return shape;
}

struct ToothType
{
  double width;  // fraction of image width
  double crown;  // fraction of image height
  double root;   // fraction of image height
  int    roots;  // 1 or 2 (drawn)
  bool   posterior;
};

// Central incisor .. third molar, one quadrant; lower teeth use shorter crowns and roots for incisors.
const std::array<ToothType, 8> kUpperTeeth = { { { 0.028, 0.075, 0.130, 1, false },
                                                 { 0.024, 0.068, 0.120, 1, false },
                                                 { 0.027, 0.080, 0.170, 1, false },
                                                 { 0.029, 0.070, 0.130, 1, true },
                                                 { 0.029, 0.068, 0.125, 1, true },
                                                 { 0.043, 0.066, 0.120, 2, true },
                                                 { 0.040, 0.064, 0.115, 2, true },
                                                 { 0.036, 0.060, 0.100, 2, true } } };
const std::array<ToothType, 8> kLowerTeeth = { { { 0.020, 0.065, 0.115, 1, false },
                                                 { 0.022, 0.066, 0.120, 1, false },
                                                 { 0.026, 0.078, 0.160, 1, false },
                                                 { 0.028, 0.068, 0.140, 1, true },
                                                 { 0.029, 0.068, 0.140, 1, true },
                                                 { 0.045, 0.066, 0.130, 2, true },
                                                 { 0.042, 0.064, 0.125, 2, true },
                                                 { 0.038, 0.060, 0.110, 2, true } } };

/** One tooth's frame: (ox, oy) the centre of the occlusal surface, (dx, dy) the unit axis from
 *  crown to apex, and its drawn sizes. */
struct ToothFrame
{
  double ox, oy, dx, dy;
  double w, hc, hr; // width, crown height, root length in pixels

  /** The point `s` along the axis and `t` across it. */
  Point2 At(double s, double t) const { return Point2{ ox + dx * s - dy * t, oy + dy * s + dx * t }; }
};

constexpr int kCrownSteps = 14;

/** Crown: rounded occlusal corners, slight cervical narrowing; returns its two sides. */
std::pair<Polygon2, Polygon2>
PaintCrown(Raster<float> & teeth, const ToothFrame & f)
{
  Polygon2 crownLeft, crownRight;
  for (int i = 0; i <= kCrownSteps; ++i)
  {
    const double s = f.hc * i / kCrownSteps;
    double       half;
    if (s < 0.35 * f.hc)
    {
      const double u = (0.35 * f.hc - s) / (0.35 * f.hc);
      half = 0.5 * f.w * std::sqrt(std::max(0.0, 1 - u * u * 0.85));
    }
    else
      half = 0.5 * f.w * (1 - 0.14 * (s - 0.35 * f.hc) / (0.65 * f.hc));
    crownLeft.push_back(f.At(s, -half));
    crownRight.push_back(f.At(s, half));
  }
  Polygon2 crown = crownLeft;
  crown.insert(crown.end(), crownRight.rbegin(), crownRight.rend());
  Paint(teeth, crown, 0.62f, Blend::Max);
  return { crownLeft, crownRight };
}

/** A tapered root along the axis; returns its centre line (the canal). */
Polygon2
PaintRoot(Raster<float> & teeth, const ToothFrame & f, double offset, double width0, double length, double splay)
{
  const double        rootStart = f.hc * 0.85;
  Polygon2            axis;
  std::vector<double> half;
  const int           n = 12;
  for (int i = 0; i <= n; ++i)
  {
    const double t = static_cast<double>(i) / n;
    axis.push_back(f.At(rootStart + t * length, offset + splay * t * t * f.w));
    half.push_back(std::max(0.5, width0 * (1 - 0.8 * std::pow(t, 1.6))));
  }
  Paint(teeth, StrokeOutline(axis, half), 0.58f, Blend::Max);
  return axis;
}

/** Enamel cap (the occlusal 60 % of the crown, denser than dentine), then the pulp chamber and
 *  canals, darker than dentine. */
void
PaintEnamelAndPulp(Raster<float> & teeth, const ToothFrame & f, const std::pair<Polygon2, Polygon2> & crownSides,
                   const std::vector<Polygon2> & canals)
{
  Polygon2     enamel;
  const size_t capEnd = static_cast<size_t>(kCrownSteps * 0.6);
  for (size_t i = 0; i <= capEnd; ++i)
    enamel.push_back(crownSides.first[i]);
  for (size_t i = capEnd + 1; i-- > 0;)
    enamel.push_back(crownSides.second[i]);
  Paint(teeth, enamel, 0.95f, Blend::Max);
  Paint(teeth, Ellipse(f.At(f.hc * 0.72, 0).x, f.At(f.hc * 0.72, 0).y, 0.17 * f.w, 0.2 * f.hc, std::atan2(f.dy, f.dx) + kPi / 2, 24), 0.7f,
        Blend::Multiply);
  for (const Polygon2 & canal : canals)
  {
    std::vector<double> half(canal.size());
    for (size_t i = 0; i < canal.size(); ++i)
      half[i] = std::max(0.4, 0.05 * f.w * (1 - 0.6 * static_cast<double>(i) / static_cast<double>(canal.size())));
    Polygon2 trimmed(canal.begin(), canal.end() - 1);
    half.pop_back();
    Paint(teeth, StrokeOutline(trimmed, half), 0.72f, Blend::Multiply);
  }
}

/** One tooth: dentine body (crown + roots), enamel cap, pulp chamber and canals, optional filling.
 *  (ox, oy): centre of the occlusal surface; (dx, dy): unit axis from crown to apex. */
void
DrawTooth(Raster<float> & teeth, PhantomRandom & rng, const ToothType & type, double ox, double oy, double dx, double dy,
          double W, double H, double scale)
{
  ToothFrame f{ ox, oy, dx, dy, 0, 0, 0 };
  f.w = type.width * W * scale * rng.Uniform(0.93, 1.07);
  f.hc = type.crown * H * scale * rng.Uniform(0.92, 1.08);
  f.hr = type.root * H * scale * rng.Uniform(0.88, 1.1);
  const auto sides = PaintCrown(teeth, f);
  // Roots: two for molars, splitting below the furcation.
  std::vector<Polygon2> canals;
  if (type.roots == 1)
    canals.push_back(PaintRoot(teeth, f, 0, 0.4 * f.w, f.hr, rng.Normal(0, 0.04)));
  else
  {
    const double spread = rng.Uniform(0.05, 0.2);
    canals.push_back(PaintRoot(teeth, f, -0.22 * f.w, 0.2 * f.w, f.hr, -spread));
    canals.push_back(PaintRoot(teeth, f, 0.22 * f.w, 0.19 * f.w, f.hr * rng.Uniform(0.9, 1.0), spread));
  }
  PaintEnamelAndPulp(teeth, f, sides, canals);
  // Amalgam or composite filling on some posterior teeth: the brightest thing on the film.
  if (type.posterior && rng.Chance(0.16))
  {
    const double depth = f.hc * rng.Uniform(0.2, 0.45);
    const double half = 0.5 * f.w * rng.Uniform(0.35, 0.6);
    const double shift = rng.Normal(0, 0.08) * f.w;
    Paint(teeth, { f.At(-1, shift - half), f.At(-1, shift + half), f.At(depth, shift + half * 0.8), f.At(depth, shift - half * 0.8) }, 1.6f,
          Blend::Max);
  }
}

Polygon2
Scaled(const std::vector<std::array<double, 2>> & normalised, double W, double H)
{
  Polygon2 out;
  for (const auto & p : normalised)
    out.push_back({ p[0] * W, p[1] * H });
  return out;
}

} // namespace

uint64_t
DerivePhantomSeed(uint64_t datasetSeed, uint64_t index)
{
  return SplitMix64(SplitMix64(datasetSeed) ^ (index * 0xD1B54A32D192ED03ull + 1));
}

namespace
{
/** Patient-level variation, drawn first. */
struct PatientLayout
{
  double archScale = 0, occlusalLevel = 0, smile = 0, biteGap = 0, missingness = 0, headShiftX = 0;
  double palateLevel = 0, nasalTop = 0;
  double ramusTop = 0, angleY = 0, lowerBorder = 0, ramusX = 0;

  double OcclusalY(double u) const { return occlusalLevel - smile * std::pow((u - 0.5 - headShiftX) / 0.3, 2); }
};

struct SideSinus
{
  SinusShape shape;
  double     side; // -1 image left (patient right), +1 image right
};

/** The three density layers of one phantom and the randomness that shapes them. The drawing
 *  order -- and so the order of the random draws -- is the generator's definition: the same
 *  seed gives the same phantom on every machine. */
class PhantomPainter
{
public:
  PhantomPainter(const PanoramicPhantomOptions & options)
    : W(static_cast<double>(options.width))
    , H(static_cast<double>(options.height))
    , rng(options.seed)
    , bone(options.height, options.width, 1, 0.0f)
    , soft(options.height, options.width, 1, 0.0f)
    , teeth(options.height, options.width, 1, 0.0f)
  {}

  void                   DrawPatient();
  std::vector<SideSinus> DrawSinusShapes();
  void                   PaintSoftTissue();
  void                   PaintMidface();
  void                   PaintMandible();
  Json                   PaintSinuses(const std::vector<SideSinus> & sinuses);
  int                    PaintDentition();
  void                   AddTextureAndBlur(uint64_t seed);

  const double  W, H;
  PhantomRandom rng;
  Raster<float> bone, soft, teeth;
  PatientLayout patient;
};

void
PhantomPainter::DrawPatient()
{
  patient.archScale = rng.Uniform(1.08, 1.2);
  patient.occlusalLevel = rng.Uniform(0.54, 0.6);
  patient.smile = rng.Uniform(0.025, 0.06);
  patient.biteGap = rng.Uniform(0.004, 0.014);
  patient.missingness = rng.Uniform(0.0, 1.0);
  patient.headShiftX = rng.Normal(0, 0.008);
}

/** The maxillary sinuses come first: the palate and teeth are placed relative to them. */
std::vector<SideSinus>
PhantomPainter::DrawSinusShapes()
{
  std::vector<SideSinus> sinuses;
  const double           commonCy = rng.Uniform(0.27, 0.33);
  const double           commonA = rng.Uniform(0.055, 0.074);
  const double           commonB = rng.Uniform(0.075, 0.1);
  for (double side : { -1.0, 1.0 })
  {
    const double cx = 0.5 + patient.headShiftX + side * rng.Uniform(0.165, 0.2);
    const double cy = commonCy + rng.Normal(0, 0.01);
    const double a = commonA * rng.Uniform(0.88, 1.12); // asymmetry between the two sides
    const double b = commonB * rng.Uniform(0.88, 1.12);
    sinuses.push_back({ DrawSinusShape(rng, cx * W, cy * H, a * W, b * H, -side), side });
  }
  const double floorLevel = 0.5 * (sinuses[0].shape.floorY + sinuses[1].shape.floorY) / H;
  patient.palateLevel = floorLevel + rng.Uniform(-0.005, 0.03);
  return sinuses;
}

/** Face, cervical-spine ghost, tongue, airways, soft palate, orbits, nasal cavity. */
void
PhantomPainter::PaintSoftTissue()
{
  const double palateLevel = patient.palateLevel;
  // The head fills the film; outside it (lower corners, lateral to the rami) the film is dark.
  Paint(soft, Ellipse(0.5 * W, 0.5 * H, 0.5 * W, 0.62 * H), 0.22f);
  Paint(soft, Ellipse(0.5 * W, 0.42 * H, 0.4 * W, 0.5 * H), 0.1f);
  // Ghost of the cervical spine: a broad, blurred band at the bottom centre of the film.
  const double spineWidth = rng.Uniform(0.05, 0.08);
  Paint(soft, { { (0.5 - spineWidth) * W, 0.78 * H }, { (0.5 + spineWidth) * W, 0.78 * H }, { (0.5 + spineWidth * 1.2) * W, H },
                { (0.5 - spineWidth * 1.2) * W, H } },
        static_cast<float>(rng.Uniform(0.12, 0.22)));
  for (double side : { -1.0, 1.0 })
  {
    // Pharyngeal airway along the posterior ramus.
    const double u = 0.5 + side * rng.Uniform(0.29, 0.32);
    PaintStroke(soft, SmoothCurve(Scaled({ { u, 0.36 }, { u + side * 0.01, 0.55 }, { u - side * 0.005, 0.85 } }, W, H), 8, false),
                0.011 * W, -0.15f);
    // Soft palate hanging from the posterior end of the hard palate.
    PaintStroke(soft,
                SmoothCurve(Scaled({ { 0.5 + side * 0.25, palateLevel }, { 0.5 + side * 0.27, palateLevel + 0.06 },
                                     { 0.5 + side * 0.28, palateLevel + 0.13 } },
                                   W, H),
                            8, false),
                0.012 * H, 0.08f);
  }
  const double tongueTop = palateLevel + rng.Uniform(0.03, 0.06);
  Paint(soft, Ellipse(0.5 * W, (tongueTop + 0.07) * H, 0.25 * W, 0.07 * H), 0.12f);
  PaintStroke(soft,
              SmoothCurve(Scaled({ { 0.3, tongueTop + 0.005 }, { 0.4, tongueTop - 0.012 }, { 0.5, tongueTop - 0.016 },
                                   { 0.6, tongueTop - 0.012 }, { 0.7, tongueTop + 0.005 } },
                                 W, H),
                          8, false),
              0.01 * H, -0.12f);
  // Orbits (dark) high in the film.
  for (double side : { -1.0, 1.0 })
    Paint(soft, Ellipse((0.5 + side * 0.17) * W, 0.06 * H, 0.075 * W, 0.09 * H), -0.1f);
  // Nasal cavity: air, darker than the sinuses' surroundings.
  const double nasalTop = rng.Uniform(0.13, 0.18);
  const double nasalHalf = rng.Uniform(0.038, 0.05);
  patient.nasalTop = nasalTop;
  Paint(soft,
        SmoothCurve(Scaled({ { 0.5 - nasalHalf * 0.45, nasalTop },
                             { 0.5 + nasalHalf * 0.45, nasalTop },
                             { 0.5 + nasalHalf, palateLevel - 0.06 },
                             { 0.5 + nasalHalf * 0.85, palateLevel },
                             { 0.5 - nasalHalf * 0.85, palateLevel },
                             { 0.5 - nasalHalf, palateLevel - 0.06 } },
                           W, H),
                    10, true),
        -0.26f);
  for (double side : { -1.0, 1.0 })
    Paint(soft, Ellipse((0.5 + side * nasalHalf * 0.55) * W, (palateLevel - 0.055) * H, 0.016 * W, 0.03 * H), 0.12f);
}

/** Midface, alveolar process, orbit rims, hard palate and nasal septum. */
void
PhantomPainter::PaintMidface()
{
  const double palateLevel = patient.palateLevel, occlusalLevel = patient.occlusalLevel, nasalTop = patient.nasalTop;
  const auto   occlusalY = [&](double u) { return patient.OcclusalY(u); };
  // The midface (maxilla and zygoma seen through each other) has no sharp outline on a
  // panoramic film: it goes into the blurred layer.
  Paint(soft,
        SmoothCurve(Scaled({ { 0.17, 0.16 }, { 0.3, 0.11 }, { 0.5, 0.12 }, { 0.7, 0.11 }, { 0.83, 0.16 },
                             { 0.82, occlusalY(0.78) - 0.06 }, { 0.5, occlusalLevel - 0.06 }, { 0.18, occlusalY(0.22) - 0.06 } },
                           W, H),
                    10, true),
        0.28f);
  // Maxillary alveolar process around the upper roots, from the palate down to the crest.
  Paint(bone,
        SmoothCurve(Scaled({ { 0.2, palateLevel - 0.03 }, { 0.5, palateLevel - 0.04 }, { 0.8, palateLevel - 0.03 },
                             { 0.79, occlusalY(0.78) - 0.06 }, { 0.5, occlusalLevel - 0.065 }, { 0.21, occlusalY(0.22) - 0.06 } },
                           W, H),
                    10, true),
        0.22f);
  for (double side : { -1.0, 1.0 })
  {
    Polygon2 rim;
    for (int i = 0; i <= 24; ++i)
    {
      const double t = kPi * (0.15 + 0.7 * i / 24.0);
      rim.push_back({ (0.5 + side * 0.17) * W + 0.075 * W * std::cos(t), 0.06 * H + 0.09 * H * std::sin(t) });
    }
    PaintStroke(bone, rim, 0.004 * H, 0.16f);
  }
  // Hard palate: a dense band with a nasal-floor line above it.
  const auto palateCurve = [&](double dy) {
    return SmoothCurve(Scaled({ { 0.24, palateLevel + dy + 0.012 }, { 0.37, palateLevel + dy }, { 0.5, palateLevel + dy - 0.004 },
                                { 0.63, palateLevel + dy }, { 0.76, palateLevel + dy + 0.012 } },
                              W, H),
                       10, false);
  };
  PaintStroke(bone, palateCurve(0.006), 0.008 * H, 0.26f);
  PaintStroke(bone, palateCurve(-0.004), 0.0025 * H, 0.2f);
  PaintStroke(bone,
              SmoothCurve(Scaled({ { 0.5, nasalTop }, { 0.503, (nasalTop + palateLevel) / 2 }, { 0.499, palateLevel } }, W, H),
                          8, false),
              0.003 * W, 0.12f);
}

/** Mandible outline (image-left half, then mirrored), cortices, condyles, canals, hyoid. */
void
PhantomPainter::PaintMandible()
{
  const double headShiftX = patient.headShiftX;
  const double crest = patient.occlusalLevel + 0.065;
  const double ramusTop = patient.ramusTop = rng.Uniform(0.27, 0.31);
  const double angleY = patient.angleY = rng.Uniform(0.76, 0.82);
  const double lowerBorder = patient.lowerBorder = rng.Uniform(0.9, 0.95);
  const double ramusX = patient.ramusX = rng.Uniform(0.125, 0.145);
  std::vector<std::array<double, 2>> half = {
    { 0.5, lowerBorder },          { 0.4, lowerBorder - 0.012 },  { 0.3, lowerBorder - 0.045 },
    { 0.22, angleY + 0.04 },       { ramusX + 0.03, angleY },     { ramusX + 0.008, angleY - 0.09 },
    { ramusX, 0.52 },              { ramusX - 0.002, 0.4 },       { ramusX + 0.004, ramusTop + 0.04 },
    { ramusX + 0.012, ramusTop },  { ramusX + 0.026, ramusTop + 0.025 }, { ramusX + 0.045, ramusTop + 0.085 },
    { ramusX + 0.075, ramusTop + 0.04 }, { ramusX + 0.09, 0.42 }, { ramusX + 0.105, 0.52 },
    { 0.27, crest + 0.01 },        { 0.36, crest },               { 0.5, crest }
  };
  // Lower border (left) -> ramus -> crest (to midline) -> crest (right) -> ramus (right) -> lower
  // border (right), closed back to the start.
  std::vector<std::array<double, 2>> loop(half.begin(), half.end());
  for (size_t i = half.size() - 1; i-- > 1;)
    loop.push_back({ 1.0 - half[i][0], half[i][1] });
  for (auto & p : loop)
    p[0] += headShiftX;
  Paint(bone, SmoothCurve(Scaled(loop, W, H), 6, true), 0.5f);
  for (double side : { -1.0, 1.0 })
  {
    // Cortical lower border and posterior ramus border.
    std::vector<std::array<double, 2>> border;
    for (size_t i = 0; i <= 8; ++i)
      border.push_back({ 0.5 + headShiftX + side * (half[i][0] - 0.5) * -1.0, half[i][1] - 0.006 });
    PaintStroke(bone, SmoothCurve(Scaled(border, W, H), 8, false), 0.007 * H, 0.32f);
    // Condyle head and the mandibular canal.
    const double cu = 0.5 + headShiftX - side * (0.5 - (ramusX + 0.012));
    Paint(bone, Ellipse(cu * W, (ramusTop + 0.005) * H, 0.018 * W, 0.028 * H), 0.18f);
    PaintStroke(bone,
                SmoothCurve(Scaled({ { 0.5 + headShiftX - side * 0.33, 0.55 }, { 0.5 + headShiftX - side * 0.29, 0.7 },
                                     { 0.5 + headShiftX - side * 0.2, 0.76 }, { 0.5 + headShiftX - side * 0.11, 0.745 } },
                                   W, H),
                            10, false),
                0.005 * H, -0.12f);
    // Hyoid shadow below the angle of the mandible.
    Paint(soft, Ellipse((0.5 + headShiftX - side * 0.3) * W, (angleY + 0.12) * H, 0.045 * W, 0.012 * H, side * 0.2), 0.14f);
  }
}

Json
SinusParameters(const SideSinus & s, bool septum, bool cyst)
{
  Json p = Json::object();
  p["side"] = s.side < 0 ? "image-left (patient right)" : "image-right (patient left)";
  p["centre_x"] = s.shape.cx;
  p["centre_y"] = s.shape.cy;
  p["half_width"] = s.shape.a;
  p["half_height"] = s.shape.b;
  p["floor_y"] = s.shape.floorY;
  p["septum"] = septum;
  p["retention_cyst"] = cyst;
  return p;
}

/** Air, cortical outline, zygomatic buttress, occasional septum and retention cyst. */
Json
PhantomPainter::PaintSinuses(const std::vector<SideSinus> & sinuses)
{
  Json parameters = Json::array();
  for (const SideSinus & s : sinuses)
  {
    const SinusShape & shape = s.shape;
    Paint(bone, shape.outline, static_cast<float>(-rng.Uniform(0.14, 0.28)));
    const std::vector<double> strength = CortexStrength(rng, shape.outline.size(), rng.Uniform(0.25, 0.6), rng.Uniform(0.2, 0.5));
    Polygon2                  closed = shape.outline;
    closed.push_back(shape.outline.front());
    std::vector<double> closedStrength = strength;
    closedStrength.push_back(strength.front());
    PaintModulatedStroke(bone, closed, 0.0022 * W, closedStrength, static_cast<float>(rng.Uniform(0.14, 0.26)));
    // Zygomatic buttress (key ridge): a J-curve up through the posterior part of the sinus,
    // continuing laterally as the zygomatic arch.
    const double lateral = s.side; // +1: lateral is +x (image-right sinus)
    const double bx = shape.cx + lateral * shape.a * rng.Uniform(0.15, 0.45);
    PaintStroke(bone,
                SmoothCurve({ { bx - lateral * 0.1 * shape.a, shape.floorY + 0.02 * H },
                              { bx, shape.cy + 0.3 * shape.b },
                              { bx + lateral * 0.25 * shape.a, shape.cy - 0.25 * shape.b },
                              { bx + lateral * 0.8 * shape.a, shape.cy - 0.5 * shape.b },
                              { shape.cx + lateral * 2.0 * shape.a, shape.cy - 0.45 * shape.b } },
                            10, false),
                0.0045 * W, static_cast<float>(rng.Uniform(0.14, 0.24)));
    PaintStroke(bone,
                SmoothCurve({ { shape.cx + lateral * 0.9 * shape.a, shape.cy - 0.55 * shape.b },
                              { shape.cx + lateral * 1.8 * shape.a, shape.cy - 0.45 * shape.b },
                              { (0.5 + patient.headShiftX + lateral * (0.5 - patient.ramusX - 0.025)) * W, (patient.ramusTop + 0.03) * H } },
                            10, false),
                0.016 * H, 0.13f);
    const bool septum = rng.Chance(0.3), cyst = rng.Chance(0.15);
    if (septum)
    {
      const double x = shape.cx + rng.Uniform(-0.4, 0.4) * shape.a;
      PaintStroke(bone, { { x, shape.cy + 0.95 * shape.b }, { x + rng.Normal(0, 0.05) * shape.a, shape.cy + 0.4 * shape.b } }, 0.0018 * W,
                  0.14f);
    }
    // Mucous retention cyst: a dome rising from the floor; still part of the sinus.
    if (cyst)
      Paint(soft, Ellipse(shape.floorX, shape.floorY - 0.05 * shape.b, 0.3 * shape.a, 0.3 * shape.b), 0.14f);
    parameters.push_back(SinusParameters(s, septum, cyst));
  }
  return parameters;
}

/** Both arches, each tooth present or missing at random; returns the number missing. */
int
PhantomPainter::PaintDentition()
{
  int missing = 0;
  for (int arch = 0; arch < 2; ++arch) // 0 upper, 1 lower
  {
    const auto & types = arch == 0 ? kUpperTeeth : kLowerTeeth;
    for (double side : { -1.0, 1.0 })
    {
      double offset = 0; // from the midline, in units of W
      for (size_t i = 0; i < types.size(); ++i)
      {
        const ToothType & type = types[i];
        const double      width = type.width * patient.archScale;
        const double      centre = offset + width / 2;
        offset += width;
        const double pMissing = (i == 7 ? 0.35 : 0.03) + 0.12 * patient.missingness * (type.posterior ? 1 : 0.2);
        if (rng.Chance(pMissing))
        {
          ++missing;
          continue;
        }
        const double u = 0.5 + patient.headShiftX + side * centre;
        const double yOcclusal = (patient.OcclusalY(u) + (arch == 0 ? -patient.biteGap : patient.biteGap)) * H;
        // Posterior roots incline distally (towards the film edge); small individual tilt.
        const double tilt = side * (0.02 + 0.12 * static_cast<double>(i) / 7.0) + rng.Normal(0, 0.04);
        const double dx = std::sin(tilt);
        const double dy = (arch == 0 ? -1.0 : 1.0) * std::cos(tilt);
        DrawTooth(teeth, rng, type, u * W, yOcclusal, dx, dy, W, H, patient.archScale);
      }
    }
  }
  return missing;
}

/** Trabecular texture on bone and the soft tissue's blur. */
void
PhantomPainter::AddTextureAndBlur(uint64_t seed)
{
  const uint64_t textureSeed = SplitMix64(seed ^ 0x7E47u);
  const double   cell = std::max(2.0, 0.006 * W);
  for (int64_t y = 0; y < bone.height; ++y)
    for (int64_t x = 0; x < bone.width; ++x)
    {
      const double n = 0.45 * ValueNoise(textureSeed, static_cast<double>(x), static_cast<double>(y), cell * 4) +
                       0.35 * ValueNoise(textureSeed + 1, static_cast<double>(x), static_cast<double>(y), cell) +
                       0.2 * ValueNoise(textureSeed + 2, static_cast<double>(x), static_cast<double>(y), cell * 0.45);
      bone(y, x) *= static_cast<float>(1 + 0.35 * n);
    }
  GaussianBlur(soft, 0.012 * H);
}

/** The film's response to the summed densities. */
struct FilmResponse
{
  double attenuation = 0, gamma = 0, gain = 0, offset = 0, blurSigma = 0, noiseLevel = 0;
};

FilmResponse
DrawFilmResponse(PhantomRandom & rng, double H)
{
  FilmResponse f;
  f.attenuation = rng.Uniform(1.5, 1.9);
  f.gamma = rng.Uniform(1.3, 1.9);
  f.gain = rng.Uniform(0.95, 1.1);
  f.offset = rng.Uniform(-0.05, 0.04);
  f.blurSigma = rng.Uniform(0.6, 1.8) * H / 1024.0;
  f.noiseLevel = rng.Uniform(0.012, 0.035);
  return f;
}

/** Image formation: blurred total density -> film response with signal-dependent quantum noise. */
Raster<uint8_t>
ExposeFilm(const PhantomPainter & p, const FilmResponse & f, uint64_t seed)
{
  Raster<float> density(p.bone.height, p.bone.width, 1);
  for (size_t i = 0; i < density.data.size(); ++i)
    density.data[i] = std::max(0.0f, p.soft.data[i] + p.bone.data[i] + p.teeth.data[i]);
  GaussianBlur(density, f.blurSigma);
  Raster<uint8_t> image(density.height, density.width, 1);
  const uint64_t  noiseSeed = SplitMix64(seed ^ 0x4015Eu);
  for (int64_t y = 0; y < density.height; ++y)
    for (int64_t x = 0; x < density.width; ++x)
    {
      const double d = density(y, x);
      double       v = f.gain * std::pow(1.0 - std::exp(-f.attenuation * d), f.gamma) + f.offset;
      // Quantum noise grows with the signal; Box-Muller from two hashed uniforms per pixel.
      const double u1 = std::max(HashUniform(noiseSeed, x, y), 1e-12);
      const double u2 = HashUniform(noiseSeed + 7, x, y);
      v += f.noiseLevel * (0.35 + 0.65 * std::max(0.0, v)) * std::sqrt(-2 * std::log(u1)) * std::cos(2 * kPi * u2);
      // Detector range: the film saturates at both ends.
      v = std::min(1.0, std::max(0.0, v));
      image(y, x) = static_cast<uint8_t>(std::lround(255.0 * v));
    }
  return image;
}

Raster<uint8_t>
SinusMask(const std::vector<Polygon2> & outlines, int64_t width, int64_t height)
{
  Raster<uint8_t> mask(height, width, 1, 0);
  for (const Polygon2 & outline : outlines)
    ScanPolygon(outline, width, height, [&](int64_t row, int64_t first, int64_t end) {
      std::fill(mask.data.begin() + static_cast<std::ptrdiff_t>(mask.Index(row, first)),
                mask.data.begin() + static_cast<std::ptrdiff_t>(mask.Index(row, end - 1)) + 1, uint8_t{ 255 });
    });
  return mask;
}

void
CheckPhantomSize(const PanoramicPhantomOptions & options)
{
  if (options.width < 64 || options.height < 32)
    throw std::invalid_argument("GeneratePanoramicPhantom: the image must be at least 64x32 pixels, got " + std::to_string(options.width) +
                                "x" + std::to_string(options.height));
  if (options.width > 16384 || options.height > 16384)
    throw std::invalid_argument("GeneratePanoramicPhantom: at most 16384 pixels per side");
}
} // namespace

PanoramicPhantom
GeneratePanoramicPhantom(const PanoramicPhantomOptions & options, const ProgressCallback & progress)
{
  CheckPhantomSize(options);
  const auto report = [&](double f) {
    if (progress)
      progress(f);
  };
  PhantomPainter painter(options);
  painter.DrawPatient();
  const std::vector<SideSinus> sinuses = painter.DrawSinusShapes();
  report(0.05);
  painter.PaintSoftTissue();
  report(0.15);
  painter.PaintMidface();
  painter.PaintMandible();
  report(0.3);
  PanoramicPhantom result;
  const Json       sinusParameters = painter.PaintSinuses(sinuses);
  for (const SideSinus & s : sinuses)
    result.sinusOutlines.push_back(s.shape.outline);
  report(0.4);
  const int missing = painter.PaintDentition();
  report(0.55);
  painter.AddTextureAndBlur(options.seed);
  report(0.7);
  const FilmResponse film = DrawFilmResponse(painter.rng, painter.H);
  result.image = ExposeFilm(painter, film, options.seed);
  report(0.85);
  result.mask = SinusMask(result.sinusOutlines, options.width, options.height);

  Json parameters = Json::object();
  parameters["generator"] = "sinusseg panoramic phantom v1";
  parameters["seed"] = static_cast<double>(options.seed);
  parameters["width"] = options.width;
  parameters["height"] = options.height;
  parameters["occlusal_level"] = painter.patient.occlusalLevel;
  parameters["palate_level"] = painter.patient.palateLevel;
  parameters["missing_teeth"] = missing;
  parameters["attenuation"] = film.attenuation;
  parameters["gamma"] = film.gamma;
  parameters["blur_sigma_px"] = film.blurSigma;
  parameters["noise_level"] = film.noiseLevel;
  parameters["sinuses"] = sinusParameters;
  result.parameters = parameters;
  report(1.0);
  return result;
}

} // namespace sinus
