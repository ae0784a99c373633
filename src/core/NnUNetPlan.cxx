// SPDX-License-Identifier: Apache-2.0
#include "sinus/NnUNetPlan.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace sinus
{

NnUNetPlanLimits
NnUNetPlanLimits::Paper()
{
  return NnUNetPlanLimits{};
}

NnUNetPlanLimits
NnUNetPlanLimits::Cpu()
{
  NnUNetPlanLimits l;
  l.maxInputSize = 256;
  l.baseChannels = 16;
  l.maxChannels = 256;
  l.epochs = 100;
  l.learningRate = 1e-3; // AdamW's step size; nnU-Net's 1e-2 belongs to SGD with momentum 0.99
  return l;
}

Json
NnUNetPlan::ToJson() const
{
  Json j = Json::object();
  j["fingerprint"] = fingerprint.ToJson();
  j["network"] = network.ToJson();
  j["training"] = training.ToJson();
  j["rationale"] = rationale;
  return j;
}

namespace
{
/** nnU-Net's augmentation for 2-D data, within what AugmentationOptions models: large rotations
 *  and scalings, mirroring, brightness, contrast, gamma and noise. */
AugmentationOptions
NnUNetAugmentation()
{
  AugmentationOptions a;
  a.rotationDegrees = 30; // nnU-Net draws up to 180 degrees; a radiograph's layout is upright
  a.scale = 0.3;          // 0.7 .. 1.3 (nnU-Net: 0.7 .. 1.4)
  a.translation = 0.05;
  a.horizontalFlip = true;
  a.contrast = 0.25;      // 0.75 .. 1.25
  a.brightness = 0.1;
  a.gamma = 0.3;          // gamma 0.7 .. 1.5 in nnU-Net; exp(+-0.3) = 0.74 .. 1.35 here
  a.noiseStd = 0.03;
  return a;
}

int64_t
PlanPools(int64_t inputSize)
{
  int64_t pools = 0;
  // Halve while the coarsest map stays at least 4 pixels and the size stays divisible.
  while (pools < 7 && inputSize / (int64_t{ 1 } << (pools + 1)) >= 4 && inputSize % (int64_t{ 1 } << (pools + 1)) == 0)
    ++pools;
  return pools;
}
} // namespace

NnUNetPlan
PlanNnUNet(const DatasetFingerprint & f, const NnUNetPlanLimits & limits)
{
  if (f.images < 1 || f.medianHeight < 1 || f.medianWidth < 1)
    throw std::invalid_argument("nnU-Net plan: the fingerprint needs at least one image with a size");
  NnUNetPlan plan;
  plan.fingerprint = f;
  // Input: the median image's longer side (the radiographs are resampled to a square), within the
  // budget, rounded down to a multiple of 16.
  const int64_t side = std::min(std::max(f.medianHeight, f.medianWidth), limits.maxInputSize);
  if (side < 16)
    throw std::invalid_argument("nnU-Net plan: an input of " + std::to_string(side) + " pixels is below the smallest plan (16)");
  const int64_t input = side / 16 * 16;
  const int64_t pools = PlanPools(input);
  plan.network.inputSize = input;
  plan.network.stageChannels.clear();
  for (int64_t s = 0; s <= pools; ++s)
    plan.network.stageChannels.push_back(std::min(limits.baseChannels << s, limits.maxChannels));
  plan.network.deepSupervision = true;
  // Batch: the reference budget in pixels, at most 5 % of the training pixels, at least 2.
  const double  inputPixels = static_cast<double>(input * input);
  const int64_t budget = static_cast<int64_t>(std::floor(limits.referenceBatch * std::pow(static_cast<double>(limits.referenceInputSize), 2) / inputPixels));
  const int64_t coverage = static_cast<int64_t>(std::floor(0.05 * static_cast<double>(f.images) * f.medianHeight * f.medianWidth / inputPixels));
  plan.training.batchSize = std::max<int64_t>(2, std::min(budget, coverage));
  plan.training.epochs = limits.epochs;
  plan.training.learningRate = limits.learningRate;
  plan.training.learningRateSchedule = "poly";
  plan.training.augmentation = NnUNetAugmentation();
  plan.rationale = "input " + std::to_string(input) + " (median image " + std::to_string(f.medianWidth) + "x" + std::to_string(f.medianHeight) +
                   ", budget " + std::to_string(limits.maxInputSize) + ")\n" + std::to_string(pools) + " poolings (coarsest map " +
                   std::to_string(input >> pools) + " px)\nbatch " + std::to_string(plan.training.batchSize) + " (budget " + std::to_string(budget) +
                   ", 5 % of " + std::to_string(f.images) + " training images: " + std::to_string(coverage) + ", at least 2)\n";
  return plan;
}

} // namespace sinus
