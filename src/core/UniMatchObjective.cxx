// SPDX-License-Identifier: Apache-2.0
#include "sinus/UniMatchObjective.h"

#include "sinus/Losses.h"

#include <stdexcept>

namespace sinus
{

WeakViewPseudoLabels
PseudoLabelsOfWeakView(const torch::Tensor & weakLogits, double confidenceThreshold)
{
  const torch::Tensor p = torch::sigmoid(Float32Logits(weakLogits.detach()));
  return { (p > 0.5).to(p.scalar_type()), (torch::max(p, 1 - p) >= confidenceThreshold).to(p.scalar_type()) };
}

namespace
{
torch::Tensor
MaskedDice(const torch::Tensor & p, const torch::Tensor & g, const torch::Tensor & keep)
{
  constexpr double smooth = 1e-5;
  const torch::Tensor intersection = (p * g * keep).sum();
  return 1 - (2 * intersection + smooth) / ((p * p * keep).sum() + (g * g * keep).sum() + smooth);
}
} // namespace

torch::Tensor
ConfidentDiceLoss(const torch::Tensor & logits, const WeakViewPseudoLabels & pseudoLabels)
{
  if (!logits.sizes().equals(pseudoLabels.labels.sizes()) || !logits.sizes().equals(pseudoLabels.confident.sizes()))
    throw std::invalid_argument("UniMatch: logits and pseudo-labels differ in shape");
  const torch::Tensor p = torch::sigmoid(Float32Logits(logits));
  const torch::Tensor & g = pseudoLabels.labels, & keep = pseudoLabels.confident;
  return 0.5 * (MaskedDice(1 - p, 1 - g, keep) + MaskedDice(p, g, keep));
}

torch::Tensor
UniMatchObjective(const torch::Tensor & labelled, const torch::Tensor & strong1, const torch::Tensor & strong2,
                  const torch::Tensor & featurePerturbed, const UniMatchSettings & settings)
{
  return (labelled + settings.strongWeight * (strong1 + strong2) + settings.featureWeight * featurePerturbed) / 2;
}

} // namespace sinus
