#include "sinus/Losses.h"

namespace sinus
{
namespace F = torch::nn::functional;

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

} // namespace sinus
