// SPDX-License-Identifier: Apache-2.0
#include "sinus/SegmentationAugmentation.h"

#include "sinus/ConfigurationCheck.h"

#include <ATen/CPUGeneratorImpl.h>

#include <cmath>
#include <stdexcept>

namespace sinus
{

AugmentationOptions
AugmentationOptions::FromJson(const Json & json, const AugmentationOptions & defaults)
{
  const std::string where = "augmentation";
  RequireKnownKeys(json,
                   { "enabled", "rotation_degrees", "scale", "translation", "horizontal_flip", "contrast", "brightness", "gamma",
                     "noise_std" },
                   where);
  AugmentationOptions o = defaults;
  ReadJsonField(json, "enabled", o.enabled, where);
  ReadJsonField(json, "rotation_degrees", o.rotationDegrees, where);
  ReadJsonField(json, "scale", o.scale, where);
  ReadJsonField(json, "translation", o.translation, where);
  ReadJsonField(json, "horizontal_flip", o.horizontalFlip, where);
  ReadJsonField(json, "contrast", o.contrast, where);
  ReadJsonField(json, "brightness", o.brightness, where);
  ReadJsonField(json, "gamma", o.gamma, where);
  ReadJsonField(json, "noise_std", o.noiseStd, where);
  o.Validate();
  return o;
}

Json
AugmentationOptions::ToJson() const
{
  Json j = Json::object();
  j["enabled"] = enabled;
  j["rotation_degrees"] = rotationDegrees;
  j["scale"] = scale;
  j["translation"] = translation;
  j["horizontal_flip"] = horizontalFlip;
  j["contrast"] = contrast;
  j["brightness"] = brightness;
  j["gamma"] = gamma;
  j["noise_std"] = noiseStd;
  return j;
}

void
AugmentationOptions::Validate() const
{
  const ConfigurationCheck require("augmentation");
  require(rotationDegrees >= 0 && rotationDegrees <= 45, "rotation_degrees must lie in [0, 45]");
  require(scale >= 0 && scale < 0.5, "scale must lie in [0, 0.5)");
  require(translation >= 0 && translation <= 0.25, "translation must lie in [0, 0.25]");
  require(contrast >= 0 && contrast < 1, "contrast must lie in [0, 1)");
  require(brightness >= 0 && brightness <= 0.5, "brightness must lie in [0, 0.5]");
  require(gamma >= 0 && gamma <= 1, "gamma must lie in [0, 1]");
  require(noiseStd >= 0 && noiseStd <= 0.5, "noise_std must lie in [0, 0.5]");
}

BatchAugmentation
DrawBatchAugmentation(int64_t batch, const AugmentationOptions & options, PortableRandom & random)
{
  BatchAugmentation a;
  a.batch = batch;
  a.intensity = options.enabled;
  if (!options.enabled)
    return a;
  constexpr double pi = 3.14159265358979323846;
  a.theta = torch::zeros({ batch, 2, 3 }, torch::kFloat32);
  auto theta = a.theta.accessor<float, 3>();
  for (int64_t i = 0; i < batch; ++i)
  {
    const double angle = random.Uniform(-options.rotationDegrees, options.rotationDegrees) * pi / 180.0;
    const double s = random.Uniform(1.0 - options.scale, 1.0 + options.scale);
    const double tx = 2.0 * random.Uniform(-options.translation, options.translation);
    const double ty = 2.0 * random.Uniform(-options.translation, options.translation);
    const double mirror = (options.horizontalFlip && random.Chance(0.5)) ? -1.0 : 1.0;
    // theta maps output coordinates to input coordinates: the inverse of scaling by s.
    theta[i][0][0] = static_cast<float>(mirror * std::cos(angle) / s);
    theta[i][0][1] = static_cast<float>(-std::sin(angle) / s);
    theta[i][0][2] = static_cast<float>(tx);
    theta[i][1][0] = static_cast<float>(mirror * std::sin(angle) / s);
    theta[i][1][1] = static_cast<float>(std::cos(angle) / s);
    theta[i][1][2] = static_cast<float>(ty);
    a.contrast.push_back(random.Uniform(1.0 - options.contrast, 1.0 + options.contrast));
    a.brightness.push_back(random.Uniform(-options.brightness, options.brightness));
    a.gamma.push_back(std::exp(random.Uniform(-options.gamma, options.gamma)));
  }
  a.noiseStd = options.noiseStd;
  a.noiseSeed = random.Next();
  return a;
}

void
AddRandomPatches(BatchAugmentation & a, int64_t inputSide, int64_t patchSide, PortableRandom & random)
{
  if (patchSide <= 0 || patchSide >= inputSide)
    throw std::invalid_argument("patches of " + std::to_string(patchSide) + " pixels must be smaller than the " +
                                std::to_string(inputSide) + "-pixel input and positive");
  if (!a.theta.defined())
    a.theta = torch::tensor({ 1.0f, 0.0f, 0.0f, 0.0f, 1.0f, 0.0f }).view({ 1, 2, 3 }).repeat({ a.batch, 1, 1 });
  const double fraction = static_cast<double>(patchSide) / static_cast<double>(inputSide);
  auto         theta = a.theta.accessor<float, 3>();
  for (int64_t i = 0; i < theta.size(0); ++i)
  {
    // Patch pixel j sits at normalised coordinate fraction * u_j + centre of the augmented view;
    // with the window's first pixel k on the grid, centre = (2k + patchSide) / inputSide - 1.
    double centre[2];
    for (double & c : centre)
      c = static_cast<double>(2 * random.Integer(inputSide - patchSide + 1) + patchSide) / static_cast<double>(inputSide) - 1.0;
    for (int64_t row = 0; row < 2; ++row)
    {
      const double a0 = theta[i][row][0], a1 = theta[i][row][1];
      theta[i][row][0] = static_cast<float>(a0 * fraction);
      theta[i][row][1] = static_cast<float>(a1 * fraction);
      theta[i][row][2] = static_cast<float>(theta[i][row][2] + a0 * centre[0] + a1 * centre[1]);
    }
  }
  a.outputFraction *= fraction;
}

BatchAugmentation
SelectAugmentationRows(const BatchAugmentation & a, const std::vector<int64_t> & rows)
{
  for (int64_t row : rows)
    if (row < 0 || row >= a.batch)
      throw std::invalid_argument("augmentation row " + std::to_string(row) + " outside the drawn batch of " + std::to_string(a.batch));
  BatchAugmentation selected = a;
  selected.batch = static_cast<int64_t>(rows.size());
  if (a.theta.defined())
    selected.theta = a.theta.index_select(0, torch::tensor(rows, torch::kInt64));
  const auto pick = [&](const std::vector<double> & all) {
    std::vector<double> some;
    for (int64_t row : rows)
      some.push_back(all.at(static_cast<size_t>(row)));
    return some;
  };
  if (a.intensity)
  {
    selected.contrast = pick(a.contrast);
    selected.brightness = pick(a.brightness);
    selected.gamma = pick(a.gamma);
  }
  const bool nested = a.noiseBatch > 0;
  selected.noiseBatch = nested ? a.noiseBatch : a.batch;
  selected.noiseRows.clear();
  for (int64_t row : rows)
    selected.noiseRows.push_back(nested ? a.noiseRows[static_cast<size_t>(row)] : row);
  return selected;
}

namespace
{
torch::Tensor
Warp(const torch::Tensor & input, const torch::Tensor & theta, double outputFraction, bool repeatBorder)
{
  namespace F = torch::nn::functional;
  std::vector<int64_t> outputSize = input.sizes().vec();
  for (size_t axis = 2; axis < outputSize.size(); ++axis)
  {
    const double side = static_cast<double>(outputSize[axis]) * outputFraction;
    if (std::abs(side - std::round(side)) > 1e-6)
      throw std::invalid_argument("augmentation: a " + std::to_string(outputSize[axis]) + "-pixel side cannot be cut to " +
                                  std::to_string(outputFraction) + " of itself in whole pixels");
    outputSize[axis] = static_cast<int64_t>(std::round(side));
  }
  const torch::Tensor grid = F::affine_grid(theta.to(input.device(), input.scalar_type()), outputSize, /*align_corners=*/false);
  F::GridSampleFuncOptions options = F::GridSampleFuncOptions().mode(torch::kBilinear).align_corners(false);
  if (repeatBorder)
    options.padding_mode(torch::kBorder);
  else
    options.padding_mode(torch::kZeros);
  return F::grid_sample(input, grid, options);
}

torch::Tensor
PerImage(const std::vector<double> & values, const torch::Tensor & like)
{
  return torch::tensor(values, torch::kFloat64).to(like.device(), like.scalar_type()).view({ -1, 1, 1, 1 });
}
} // namespace

torch::Tensor
AugmentImages(const torch::Tensor & images, const BatchAugmentation & a)
{
  torch::Tensor out = a.theta.defined() ? Warp(images, a.theta, a.outputFraction, /*repeatBorder=*/true) : images;
  if (!a.intensity)
    return out;
  const torch::Tensor mean = out.mean({ 1, 2, 3 }, /*keepdim=*/true);
  out = (out - mean) * PerImage(a.contrast, out) + mean + PerImage(a.brightness, out);
  out = out.clamp(0.0, 1.0).pow(PerImage(a.gamma, out));
  // The noise comes from its own generator seeded per batch, so it is the same on every run and
  // independent of LibTorch's global random state.
  at::Generator generator = at::detail::createCPUGenerator(a.noiseSeed);
  std::vector<int64_t> drawn = out.sizes().vec();
  if (a.noiseBatch > 0)
    drawn[0] = a.noiseBatch;
  torch::Tensor noise = torch::randn(drawn, generator, torch::TensorOptions().dtype(torch::kFloat32));
  if (a.noiseBatch > 0)
    noise = noise.index_select(0, torch::tensor(a.noiseRows, torch::kInt64));
  out = out + noise.to(out.device(), out.scalar_type()) * a.noiseStd;
  return out.clamp(0.0, 1.0);
}

torch::Tensor
WarpTargets(const torch::Tensor & targets, const BatchAugmentation & a, bool repeatBorder)
{
  if (!a.theta.defined())
    return targets;
  return Warp(targets, a.theta, a.outputFraction, repeatBorder);
}

} // namespace sinus
