// SPDX-License-Identifier: Apache-2.0
#include "sinus/StrongPerturbation.h"

#include <cmath>
#include <stdexcept>

namespace sinus
{

CutMixBox
DrawCutMixBox(int64_t side, PortableRandom & random, double probability)
{
  if (!random.Chance(probability))
    return {};
  const double area = random.Uniform(0.02, 0.4) * static_cast<double>(side * side);
  for (;;)
  {
    const double aspect = random.Uniform(0.3, 1.0 / 0.3);
    CutMixBox    box;
    box.width = static_cast<int64_t>(std::sqrt(area / aspect));
    box.height = static_cast<int64_t>(std::sqrt(area * aspect));
    box.left = random.Integer(side);
    box.top = random.Integer(side);
    if (box.left + box.width <= side && box.top + box.height <= side)
      return box;
  }
}

torch::Tensor
CutMixMasks(const std::vector<CutMixBox> & boxes, int64_t side, int64_t grid)
{
  torch::Tensor masks = torch::zeros({ static_cast<int64_t>(boxes.size()), 1, grid, grid });
  auto          m = masks.accessor<float, 4>();
  const double  scale = static_cast<double>(side) / static_cast<double>(grid);
  const auto    inside = [&](int64_t pixel, int64_t first, int64_t length) {
    const double centre = (static_cast<double>(pixel) + 0.5) * scale;
    return centre >= static_cast<double>(first) && centre < static_cast<double>(first + length);
  };
  for (size_t b = 0; b < boxes.size(); ++b)
    for (int64_t y = 0; y < grid; ++y)
      for (int64_t x = 0; x < grid; ++x)
        if (inside(y, boxes[b].top, boxes[b].height) && inside(x, boxes[b].left, boxes[b].width))
          m[static_cast<int64_t>(b)][0][y][x] = 1.0f;
  return masks;
}

torch::Tensor
PasteCutMix(const torch::Tensor & original, const torch::Tensor & mixedIn, const torch::Tensor & masks)
{
  if (!original.sizes().equals(mixedIn.sizes()) || masks.size(0) != original.size(0) || masks.size(-1) != original.size(-1) ||
      masks.size(-2) != original.size(-2))
    throw std::invalid_argument("CutMix: the images, the images mixed in and the masks differ in size");
  const torch::Tensor m = masks.to(original.device(), original.scalar_type());
  return m * mixedIn + (1 - m) * original;
}

StrongIntensityDraw
DrawStrongIntensity(PortableRandom & random)
{
  StrongIntensityDraw draw;
  draw.jitter = random.Chance(0.8);
  if (draw.jitter)
  {
    draw.brightnessFirst = random.Chance(0.5);
    draw.brightness = random.Uniform(0.5, 1.5);
    draw.contrast = random.Uniform(0.5, 1.5);
  }
  if (random.Chance(0.5))
    draw.blurSigma = random.Uniform(0.1, 2.0);
  return draw;
}

namespace
{
torch::Tensor
GaussianBlur(const torch::Tensor & image, double sigma)
{
  namespace F = torch::nn::functional;
  const int64_t radius = static_cast<int64_t>(std::ceil(3 * sigma));
  torch::Tensor kernel = torch::arange(-radius, radius + 1, image.options()).pow(2).div(-2 * sigma * sigma).exp();
  kernel = kernel / kernel.sum();
  const int64_t channels = image.size(0);
  torch::Tensor x = F::pad(image.unsqueeze(0), F::PadFuncOptions({ radius, radius, radius, radius }).mode(torch::kReplicate));
  x = F::conv2d(x, kernel.view({ 1, 1, 1, -1 }).expand({ channels, 1, 1, 2 * radius + 1 }), F::Conv2dFuncOptions().groups(channels));
  x = F::conv2d(x, kernel.view({ 1, 1, -1, 1 }).expand({ channels, 1, 2 * radius + 1, 1 }), F::Conv2dFuncOptions().groups(channels));
  return x.squeeze(0);
}
} // namespace

torch::Tensor
ApplyStrongIntensity(const torch::Tensor & image, const StrongIntensityDraw & draw)
{
  torch::Tensor out = image;
  const auto    brightness = [&] { out = (out * draw.brightness).clamp(0, 1); };
  const auto    contrast = [&] {
    const torch::Tensor mean = out.mean(); // the channels are equal: this is the grey mean
    out = (draw.contrast * out + (1 - draw.contrast) * mean).clamp(0, 1);
  };
  if (draw.jitter)
  {
    if (draw.brightnessFirst)
    {
      brightness();
      contrast();
    }
    else
    {
      contrast();
      brightness();
    }
  }
  if (draw.blurSigma > 0)
    out = GaussianBlur(out, draw.blurSigma);
  return out;
}

} // namespace sinus
