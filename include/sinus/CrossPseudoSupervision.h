// SPDX-License-Identifier: Apache-2.0
#ifndef sinus_CrossPseudoSupervision_h
#define sinus_CrossPseudoSupervision_h

#include <torch/torch.h>

namespace sinus
{

/** Cross pseudo supervision (Chen et al., CVPR 2021): two networks of the same architecture,
 *  initialised differently, each learning the other's hard pseudo-labels on the unlabelled images
 *  besides the labels. Weighting as SSL4MIS's 2-D baseline (HiLab-git/SSL4MIS,
 *  train_cross_pseudo_supervision_2D.py): each network's loss is L_sup + w(t) * its cross term,
 *  w(t) = ConsistencyWeight(0.1, ...) ramped over the whole run, and the two losses are summed. */
struct CrossPseudoSupervisionTerms
{
  torch::Tensor first;  ///< BCE(first network's logits, second's pseudo-labels)
  torch::Tensor second; ///< BCE(second network's logits, first's pseudo-labels)
};

/** The cross terms of two networks' logits on the same images (N x 1 x H x W): the mean binary
 *  cross-entropy of each network's logits against the other's pseudo-labels 1[logit > 0], which
 *  carry no gradient. For two classes this is CPS's cross-entropy with the other network's
 *  arg-max. */
CrossPseudoSupervisionTerms
CrossPseudoSupervisionLoss(const torch::Tensor & firstLogits, const torch::Tensor & secondLogits);

} // namespace sinus

#endif
