// SPDX-License-Identifier: Apache-2.0
#ifndef sinus_UniMatchObjective_h
#define sinus_UniMatchObjective_h

#include <torch/torch.h>

namespace sinus
{

/** UniMatch (Yang et al., CVPR 2023, "Revisiting weak-to-strong consistency in semi-supervised
 *  semantic segmentation"), its medical-image form (UniMatch repository,
 *  more-scenarios/medical/unimatch.py and configs/acdc.yaml), whose settings are the defaults. The
 *  network's prediction on the weakly augmented view gives pseudo-labels; it learns them on two
 *  strongly perturbed views (StrongPerturbation.h) and on its own decoder fed with dropped-out
 *  encoder features. */
struct UniMatchSettings
{
  double confidenceThreshold = 0.95; ///< conf_thresh: pixels less confident are ignored
  double strongWeight = 0.25;        ///< each of the two strong views
  double featureWeight = 0.5;        ///< the feature-perturbed view
  double featureDropout = 0.5;       ///< channel dropout (Dropout2d) of the encoder features
};

/** Pseudo-labels of the weak view: 1[logit > 0], and which pixels are confident enough,
 *  max(p, 1 - p) >= threshold with p = sigmoid(logit). Both float 0/1, no gradient. */
struct WeakViewPseudoLabels
{
  torch::Tensor labels;
  torch::Tensor confident;
};

WeakViewPseudoLabels
PseudoLabelsOfWeakView(const torch::Tensor & weakLogits, double confidenceThreshold);

/** UniMatch's unlabelled loss, its medical DiceLoss with the unconfident pixels ignored: for the
 *  background and the foreground class, 1 - (2 sum p g + s) / (sum p^2 + sum g^2 + s) over the
 *  confident pixels of the whole batch (s = 1e-5), averaged over the two classes. */
torch::Tensor
ConfidentDiceLoss(const torch::Tensor & logits, const WeakViewPseudoLabels & pseudoLabels);

/** (L_x + w_s * L_s1 + w_s * L_s2 + w_fp * L_fp) / 2, UniMatch's total loss. */
torch::Tensor
UniMatchObjective(const torch::Tensor & labelled, const torch::Tensor & strong1, const torch::Tensor & strong2,
                  const torch::Tensor & featurePerturbed, const UniMatchSettings & settings);

} // namespace sinus

#endif
