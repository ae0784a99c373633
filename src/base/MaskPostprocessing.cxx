// SPDX-License-Identifier: Apache-2.0
#include "sinus/MaskPostprocessing.h"

#include "sinus/ProbabilityValleys.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <sstream>
#include <stdexcept>

namespace sinus
{
namespace
{
/** Visits the 8-connected objects of a mask: `visit(pixels of one object)` once per object, in
 *  raster order of their first pixel. */
void
ForEachObject(const Raster<uint8_t> & mask, const std::function<void(const std::vector<size_t> &)> & visit)
{
  if (mask.channels != 1)
    throw std::invalid_argument("object labelling: the mask must have one channel, not " + std::to_string(mask.channels));
  std::vector<uint8_t> seen(mask.data.size(), 0);
  std::vector<size_t>  object;
  for (size_t start = 0; start < mask.data.size(); ++start)
  {
    if (mask.data[start] == 0 || seen[start])
      continue;
    object.assign(1, start);
    seen[start] = 1;
    // The object's own pixel list is the breadth-first queue: no second buffer needed.
    for (size_t next = 0; next < object.size(); ++next)
    {
      const int64_t y = static_cast<int64_t>(object[next]) / mask.width, x = static_cast<int64_t>(object[next]) % mask.width;
      for (int64_t dy = -1; dy <= 1; ++dy)
        for (int64_t dx = -1; dx <= 1; ++dx)
        {
          const int64_t ny = y + dy, nx = x + dx;
          if (ny < 0 || nx < 0 || ny >= mask.height || nx >= mask.width)
            continue;
          const size_t n = mask.Index(ny, nx);
          if (mask.data[n] != 0 && !seen[n])
          {
            seen[n] = 1;
            object.push_back(n);
          }
        }
    }
    visit(object);
  }
}
} // namespace

int64_t
MaskPostprocessing::MinimumObjectPixels(int64_t pixels) const
{
  return static_cast<int64_t>(std::ceil(minimumObjectFraction * static_cast<double>(pixels)));
}

int64_t
MaskPostprocessing::ValleyWidthPixels(int64_t height, int64_t width) const
{
  int64_t pixels = std::llround(valleyWidthFraction * static_cast<double>(std::min(height, width)));
  if (pixels % 2 == 0)
    ++pixels;
  return std::max<int64_t>(3, pixels);
}

void
MaskPostprocessing::Validate(const std::string & where) const
{
  if (!(threshold > 0.0 && threshold < 1.0))
    throw std::invalid_argument(where + ": threshold must lie strictly between 0 and 1, not " + std::to_string(threshold));
  if (!(minimumObjectFraction >= 0.0 && minimumObjectFraction < 1.0))
    throw std::invalid_argument(where + ": minimum_object_fraction must lie in [0, 1), not " + std::to_string(minimumObjectFraction));
  if (!(valleyWidthFraction >= 0.0 && valleyWidthFraction <= 0.5))
    throw std::invalid_argument(where + ": valley_width_fraction must lie in [0, 0.5], not " + std::to_string(valleyWidthFraction));
  if (CutsValleys() && !(valleyDepth > 0.0 && valleyDepth < 1.0))
    throw std::invalid_argument(where + ": valley_depth must lie strictly between 0 and 1 when valleys are cut, not " +
                                std::to_string(valleyDepth));
  if (!CutsValleys() && valleyDepth != 0.0)
    throw std::invalid_argument(where + ": valley_depth " + std::to_string(valleyDepth) +
                                " without a valley_width_fraction (a depth alone cuts nothing)");
}

Json
MaskPostprocessing::ToJson() const
{
  Json j = Json::object();
  j["threshold"] = threshold;
  j["minimum_object_fraction"] = minimumObjectFraction;
  if (CutsValleys())
  {
    j["valley_width_fraction"] = valleyWidthFraction;
    j["valley_depth"] = valleyDepth;
  }
  return j;
}

MaskPostprocessing
MaskPostprocessing::FromJson(const Json & json, const std::string & where)
{
  if (!json.is_object())
    throw std::invalid_argument(where + ": expected an object with threshold and minimum_object_fraction");
  RequireKnownKeys(json, { "threshold", "minimum_object_fraction", "valley_width_fraction", "valley_depth" }, where);
  MaskPostprocessing p;
  ReadJsonField(json, "threshold", p.threshold, where);
  ReadJsonField(json, "minimum_object_fraction", p.minimumObjectFraction, where);
  ReadJsonField(json, "valley_width_fraction", p.valleyWidthFraction, where);
  ReadJsonField(json, "valley_depth", p.valleyDepth, where);
  p.Validate(where);
  return p;
}

std::optional<MaskPostprocessing>
MaskPostprocessing::FromModelMetadata(const Json & metadata, const std::string & modelPath)
{
  const Json * stored = FindJsonMember(metadata, "postprocessing");
  if (!stored)
    return std::nullopt;
  return FromJson(*stored, modelPath + ": postprocessing");
}

void
MaskPostprocessing::WriteToModelMetadata(Json & metadata) const
{
  metadata["postprocessing"] = ToJson();
}

std::string
MaskPostprocessing::Describe() const
{
  std::ostringstream text;
  text << "> " << threshold;
  if (CutsValleys())
    text << ", cut along valleys under " << 100.0 * valleyWidthFraction << "% of the shorter side deeper than " << valleyDepth;
  if (minimumObjectFraction > 0)
    text << ", objects under " << 100.0 * minimumObjectFraction << "% of the image removed";
  return text.str();
}

Raster<uint8_t>
RemoveSmallObjects(const Raster<uint8_t> & mask, int64_t minimumPixels)
{
  Raster<uint8_t> kept = mask;
  ForEachObject(mask, [&](const std::vector<size_t> & object) {
    if (static_cast<int64_t>(object.size()) < minimumPixels)
      for (size_t i : object)
        kept.data[i] = 0;
  });
  return kept;
}

int64_t
SmallestObjectPixels(const Raster<uint8_t> & mask)
{
  int64_t smallest = std::numeric_limits<int64_t>::max();
  ForEachObject(mask, [&](const std::vector<size_t> & object) { smallest = std::min(smallest, static_cast<int64_t>(object.size())); });
  return smallest == std::numeric_limits<int64_t>::max() ? 0 : smallest;
}

Raster<uint8_t>
ApplyMaskPostprocessing(const Raster<float> & probability, const MaskPostprocessing & postprocessing, uint8_t foreground)
{
  Raster<uint8_t> mask(probability.height, probability.width, probability.channels);
  for (size_t i = 0; i < mask.data.size(); ++i)
    mask.data[i] = static_cast<double>(probability.data[i]) > postprocessing.threshold ? foreground : 0;
  if (postprocessing.CutsValleys())
  {
    const Raster<uint8_t> floors = ProbabilityValleyFloors(
      probability, postprocessing.ValleyWidthPixels(probability.height, probability.width), postprocessing.valleyDepth);
    for (size_t i = 0; i < mask.data.size(); ++i)
      if (floors.data[i])
        mask.data[i] = 0;
  }
  if (postprocessing.minimumObjectFraction > 0)
    mask = RemoveSmallObjects(mask, postprocessing.MinimumObjectPixels(mask.NumberOfPixels()));
  return mask;
}

} // namespace sinus
