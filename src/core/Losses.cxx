// SPDX-License-Identifier: Apache-2.0
#include "sinus/Losses.h"

#include "sinus/SegmentationMetrics.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace sinus
{
namespace F = torch::nn::functional;

torch::Tensor
Float32Logits(const torch::Tensor & logits)
{
  return logits.scalar_type() == torch::kFloat32 ? logits : logits.to(torch::kFloat32);
}

torch::Tensor
LsganLoss(const torch::Tensor & scores, bool targetIsReal)
{
  return F::mse_loss(scores, targetIsReal ? torch::ones_like(scores) : torch::zeros_like(scores));
}

torch::Tensor
CycleConsistencyLoss(const torch::Tensor & reconstructed, const torch::Tensor & original)
{
  return F::l1_loss(reconstructed, original);
}

torch::Tensor
CorrectionLoss(const torch::Tensor & logits, const torch::Tensor & target)
{
  return F::binary_cross_entropy_with_logits(logits, target);
}

SinusCycleGANObjective
CombineSinusCycleGANObjective(const torch::Tensor & adversarialAB, const torch::Tensor & adversarialBA,
                              const torch::Tensor & cycle, const torch::Tensor & correction, double cycleWeight)
{
  return { adversarialAB, adversarialBA, cycle, correction, adversarialAB + adversarialBA + cycleWeight * cycle + correction };
}

torch::Tensor
DiceLoss(const torch::Tensor & logits, const torch::Tensor & target)
{
  constexpr double    smooth = 1e-5;
  const torch::Tensor p = torch::sigmoid(Float32Logits(logits)).flatten(1);
  const torch::Tensor g = target.flatten(1);
  const torch::Tensor overlap = (p * g).sum(1);
  const torch::Tensor denominator = (p * p).sum(1) + (g * g).sum(1);
  return (1.0 - (2.0 * overlap + smooth) / (denominator + smooth)).mean();
}

torch::Tensor
SupervisedLoss(const torch::Tensor & logitsIn, const torch::Tensor & target, const torch::Tensor & pixelWeights)
{
  const torch::Tensor logits = Float32Logits(logitsIn);
  // An undefined weight tensor is LibTorch's own "no weights".
  return DiceLoss(logits, target) +
         F::binary_cross_entropy_with_logits(logits, target, F::BinaryCrossEntropyWithLogitsFuncOptions().weight(pixelWeights));
}

torch::Tensor
SeparationWeights(const torch::Tensor & target, int64_t gap, double weight)
{
  if (gap < 3 || gap % 2 == 0)
    throw std::invalid_argument("separation weights: the gap must be an odd number of pixels >= 3, not " + std::to_string(gap));
  torch::NoGradGuard  noGrad;
  const int64_t       half = gap / 2;
  const torch::Tensor dilated = F::max_pool2d(target, F::MaxPool2dFuncOptions(gap).stride(1).padding(half));
  // Outside the image is background for the erosion, so that a strip between an object and the
  // image's edge is not taken for a gap between two objects.
  const torch::Tensor padded = F::pad(dilated, F::PadFuncOptions({ half, half, half, half }).value(0.0));
  const torch::Tensor closed = -F::max_pool2d(-padded, F::MaxPool2dFuncOptions(gap).stride(1));
  return 1.0 + weight * (closed - target).clamp_min(0.0);
}

torch::Tensor
KnowledgeDistillationPerImage(const torch::Tensor & teacherLogits, const torch::Tensor & studentLogits, double temperature)
{
  // softmax((0, z) / T) gives (1 - sigmoid(z / T), sigmoid(z / T)); log-sigmoids keep it stable.
  const torch::Tensor t = Float32Logits(teacherLogits.detach()) / temperature, s = Float32Logits(studentLogits) / temperature;
  const torch::Tensor logT1 = F::logsigmoid(t), logT0 = F::logsigmoid(-t);
  const torch::Tensor logS1 = F::logsigmoid(s), logS0 = F::logsigmoid(-s);
  const torch::Tensor perPixel = logT1.exp() * (logT1 - logS1) + logT0.exp() * (logT0 - logS0);
  return perPixel.flatten(1).sum(1) * (temperature * temperature);
}

std::vector<double>
HD95DistillationWeights(const std::vector<double> & hd95, double tau, double batchBest)
{
  if (!(tau > 0))
    throw std::invalid_argument("HD95 weights: tau must be positive");
  if (hd95.empty())
    return {};
  for (double h : hd95)
    if (!std::isfinite(h))
      throw std::invalid_argument("HD95 weights: every HD95 must be finite");
  const double own = *std::min_element(hd95.begin(), hd95.end());
  if (batchBest > own)
    throw std::invalid_argument("HD95 weights: the batch's best HD95 " + std::to_string(batchBest) + " exceeds these images' best " +
                                std::to_string(own));
  const double        best = std::isnan(batchBest) ? own : batchBest;
  std::vector<double> w;
  for (double h : hd95)
    w.push_back(std::exp(-(h - best) / tau));
  return w;
}

double
DistillationHD95(const torch::Tensor & teacherLogits, const torch::Tensor & studentLogits)
{
  const torch::Tensor teacher = teacherLogits.detach().squeeze().gt(0).to(torch::kUInt8).contiguous().cpu();
  const torch::Tensor student = studentLogits.detach().squeeze().gt(0).to(torch::kUInt8).contiguous().cpu();
  if (teacher.dim() != 2 || teacher.sizes() != student.sizes())
    throw std::invalid_argument("distillation HD95: expected two logit maps of one image with the same size");
  const int64_t H = teacher.size(0), W = teacher.size(1);
  const bool    teacherEmpty = teacher.sum().item<int64_t>() == 0, studentEmpty = student.sum().item<int64_t>() == 0;
  if (teacherEmpty && studentEmpty)
    return 0.0;
  if (teacherEmpty || studentEmpty)
    return std::sqrt(static_cast<double>(H * H + W * W));
  const MaskGrid grid{ { W, H }, { 1.0, 1.0 } };
  return ComputeSegmentationMetrics(student.data_ptr<uint8_t>(), teacher.data_ptr<uint8_t>(), grid).hd95.pixels;
}

WeightedDistillation
WeightedKnowledgeDistillationLoss(const torch::Tensor & teacherLogits, const torch::Tensor & studentLogits, double temperature,
                                  double tau, const BatchBestHD95 & batchBest)
{
  WeightedDistillation result;
  const torch::Tensor  perImage = KnowledgeDistillationPerImage(teacherLogits, studentLogits, temperature);
  for (int64_t i = 0; i < teacherLogits.size(0); ++i)
  {
    result.hd95.push_back(DistillationHD95(teacherLogits[i], studentLogits[i]));
    result.rawKD.push_back(perImage[i].item<double>());
  }
  double best = std::numeric_limits<double>::quiet_NaN();
  if (batchBest)
    best = batchBest(result.hd95.empty() ? std::numeric_limits<double>::infinity()
                                         : *std::min_element(result.hd95.begin(), result.hd95.end()));
  result.weights = HD95DistillationWeights(result.hd95, tau, best);
  const torch::Tensor weights = torch::tensor(result.weights, torch::kFloat64).to(perImage.options());
  result.loss = (weights * perImage).mean();
  return result;
}

torch::Tensor
UnsupervisedLoss(const torch::Tensor & studentLogitsIn, const torch::Tensor & refinedPseudoLabel)
{
  const torch::Tensor studentLogits = Float32Logits(studentLogitsIn);
  const torch::Tensor foreground = refinedPseudoLabel.detach().gt(0.5).to(studentLogits.scalar_type());
  const torch::Tensor perPixel =
    F::binary_cross_entropy_with_logits(studentLogits, refinedPseudoLabel.detach(), F::BinaryCrossEntropyWithLogitsFuncOptions().reduction(torch::kNone));
  const torch::Tensor count = foreground.sum();
  // max(count, 1): an empty pseudo-foreground gives 0 * anything / 1 = 0, never 0 / 0.
  return (perPixel * foreground).sum() / torch::clamp_min(count, 1.0);
}

torch::Tensor
StudentObjective(const torch::Tensor & supervised, const torch::Tensor & weightedDistillation, const torch::Tensor & unsupervised,
                 double alpha, double beta)
{
  return alpha * supervised + beta * weightedDistillation + (1.0 - alpha) * unsupervised;
}

} // namespace sinus
