// SPDX-License-Identifier: Apache-2.0
#ifndef sinus_Losses_h
#define sinus_Losses_h

#include <torch/torch.h>

#include <functional>
#include <limits>
#include <vector>

namespace sinus
{

// Each loss term of Park et al. 2026 in one named function.

/** Logits as float32 (the same tensor when they are float32 already). Every loss below that takes
 *  a network's logits starts with it, so that losses compute in float32 also on the bf16 logits of
 *  a network that trains under a BFloat16 PrecisionScope (ComputePrecision.h). */
torch::Tensor
Float32Logits(const torch::Tensor & logits);

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

// ------------------------------------------------------------------------------------------------
// Teacher and student (the semi-supervised objective)
// ------------------------------------------------------------------------------------------------

/** Dice loss in the squared-denominator form of the paper's eq. 7, per image:
 *  1 - (2 sum p g + s) / (sum p^2 + sum g^2 + s), p = sigmoid(logits), g in [0, 1], s = 1e-5;
 *  averaged over the batch. Logits and targets N x 1 x H x W. */
torch::Tensor
DiceLoss(const torch::Tensor & logits, const torch::Tensor & target);

/** L_sup = Dice + BCE (mean over pixels), the loss of the teacher's fine-tuning and of the
 *  student's labelled batches. With `pixelWeights` (defined), the BCE term is the mean of
 *  weights x BCE (Dice unchanged). */
torch::Tensor
SupervisedLoss(const torch::Tensor & logits, const torch::Tensor & target, const torch::Tensor & pixelWeights = {});

/** The U-Net paper's separation weights (Ronneberger et al. 2015, eq. 2), for objects that nearly
 *  touch (teeth): 1 everywhere plus `weight` times how much a pixel is background inside a gap
 *  narrower than `gap` pixels between foreground parts -- the morphological closing of the (soft)
 *  target by a gap x gap square minus the target. Instead of the paper's distances to the two
 *  nearest cells, which need the objects as separate instances, the closing finds the same gaps in
 *  a plain binary mask. `gap` odd and >= 3; targets N x 1 x H x W in [0, 1]. */
torch::Tensor
SeparationWeights(const torch::Tensor & target, int64_t gap, double weight);

/** Hinton's knowledge distillation per image, for binary segmentation: the per-pixel two-class
 *  distributions q = softmax((0, z) / T), KL(q_teacher || q_student) summed over pixels, times T^2.
 *  Returns N values (no reduction over the batch). The teacher is not differentiated. */
torch::Tensor
KnowledgeDistillationPerImage(const torch::Tensor & teacherLogits, const torch::Tensor & studentLogits, double temperature);

/** The HD95-based weights w_i = exp(-HD95_i / tau) / max_j exp(-HD95_j / tau), computed in the
 *  overflow-free form exp(-(HD95_i - min_j HD95_j) / tau). Every HD95 must be finite (see
 *  DistillationHD95). `batchBest`, when given, is min_j over a batch these images are part of
 *  (data parallelism); it may not exceed their own minimum. */
std::vector<double>
HD95DistillationWeights(const std::vector<double> & hd95, double tau,
                        double batchBest = std::numeric_limits<double>::quiet_NaN());

/** HD95 (directed, pixels) between the teacher's and the student's binarised predictions (logit
 *  > 0) of one image, with the empty cases defined so that no NaN/Inf reaches the loss: both empty
 *  -> 0 (they agree), exactly one empty -> the image diagonal (the worst case). */
double
DistillationHD95(const torch::Tensor & teacherLogits, const torch::Tensor & studentLogits);

struct WeightedDistillation
{
  torch::Tensor       loss;    ///< mean over the batch of w_i * KD_i (differentiable in the student)
  std::vector<double> rawKD;   ///< KD_i, for the log
  std::vector<double> hd95;    ///< HD95_i in pixels
  std::vector<double> weights; ///< w_i
};

/** Maps the smallest HD95 among this process's images to the smallest of the whole batch: the
 *  images of a data-parallel batch are spread over several processes, and the weights are
 *  normalised by the best of all of them. */
using BatchBestHD95 = std::function<double(double)>;

/** L_wkd: the per-image KD weighted by the HD95 agreement of teacher and student, averaged over the
 *  batch (paper, weighted knowledge distillation). Without `batchBest` the batch is these images. */
WeightedDistillation
WeightedKnowledgeDistillationLoss(const torch::Tensor & teacherLogits, const torch::Tensor & studentLogits, double temperature,
                                  double tau, const BatchBestHD95 & batchBest = {});

/** L_unsup (the paper's eq. 13): BCE between the student's logits and the refined pseudo-label,
 *  summed over the pseudo-foreground pixels (pseudo-label > 0.5) and divided by their number;
 *  0 (still differentiable) when a batch has no pseudo-foreground. */
torch::Tensor
UnsupervisedLoss(const torch::Tensor & studentLogits, const torch::Tensor & refinedPseudoLabel);

/** The student's objective: alpha * L_sup + beta * L_wkd + (1 - alpha) * L_unsup. */
torch::Tensor
StudentObjective(const torch::Tensor & supervised, const torch::Tensor & weightedDistillation, const torch::Tensor & unsupervised,
                 double alpha, double beta);

} // namespace sinus

#endif
