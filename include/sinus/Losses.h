#ifndef sinus_Losses_h
#define sinus_Losses_h

#include <torch/torch.h>

namespace sinus
{

// Each loss term of Park et al. 2026 in one named function.

/** LSGAN adversarial term (Mao et al. 2017): mean squared distance of the discriminator's patch
 *  scores from 1 (real) or 0 (fake). */
torch::Tensor
LsganLoss(const torch::Tensor & scores, bool targetIsReal);

/** Cycle-consistency term: mean |F(G(x)) - x| (L1). */
torch::Tensor
CycleConsistencyLoss(const torch::Tensor & reconstructed, const torch::Tensor & original);

/** Correction term of SinusCycle-GAN: binary cross-entropy between the correction network's logits
 *  and the target mask in [0, 1], averaged over pixels. */
torch::Tensor
CorrectionLoss(const torch::Tensor & logits, const torch::Tensor & target);

/** The parts of the generator-side objective, kept apart for logging. */
struct SinusCycleGANObjective
{
  torch::Tensor adversarialAB; ///< L_adv(G_AB, D_B)
  torch::Tensor adversarialBA; ///< L_adv(G_BA, D_A)
  torch::Tensor cycle;         ///< L_cycle (both directions)
  torch::Tensor correction;    ///< L_corr = BCE(C_B(G_AB(y_hat)), y) + BCE(C_A(G_BA(y)), y_hat)
  torch::Tensor total;         ///< L_adv + L_adv + lambda * L_cycle + L_corr
};

/** L = L_adv(G_AB, D_B) + L_adv(G_BA, D_A) + lambda * L_cycle + L_corr, the paper's equation for
 *  SinusCycle-GAN's generators and correction networks. */
SinusCycleGANObjective
CombineSinusCycleGANObjective(const torch::Tensor & adversarialAB, const torch::Tensor & adversarialBA,
                              const torch::Tensor & cycle, const torch::Tensor & correction, double cycleWeight);

} // namespace sinus

#endif
