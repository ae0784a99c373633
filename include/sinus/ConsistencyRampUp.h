// SPDX-License-Identifier: Apache-2.0
#ifndef sinus_ConsistencyRampUp_h
#define sinus_ConsistencyRampUp_h

#include <cstdint>

namespace sinus
{

/** The sigmoid-shaped ramp-up of Laine & Aila 2017 (arXiv 1610.02242), used by Mean Teacher and by
 *  SSL4MIS's CPS: exp(-5 (1 - t)^2) with t = current / length clipped to [0, 1]; 1 when `length` is
 *  0. Grows from exp(-5) = 0.0067 at the start to 1 at `length`. */
double
SigmoidRampUp(double current, double length);

/** The weight of an unsupervised consistency term at optimiser step `step` (0-based) of
 *  `totalSteps`: `maximum` * SigmoidRampUp(step, rampUpFraction * totalSteps), and 0 during the
 *  first `warmUpFraction` of the steps. SSL4MIS's 2-D baselines (HiLab-git/SSL4MIS, train_mean_teacher_2D.py,
 *  train_cross_pseudo_supervision_2D.py) use maximum 0.1 ramped over the whole run (200 x 150 of
 *  30000 iterations), Mean Teacher also 0 for its first 1000 iterations. */
double
ConsistencyWeight(double maximum, int64_t step, int64_t totalSteps, double rampUpFraction, double warmUpFraction);

} // namespace sinus

#endif
