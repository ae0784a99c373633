// SPDX-License-Identifier: Apache-2.0
#ifndef sinus_MeanTeacher_h
#define sinus_MeanTeacher_h

#include <torch/torch.h>

#include <cstdint>

namespace sinus
{

/** Mean Teacher (Tarvainen & Valpola, NeurIPS 2017) in the form of SSL4MIS's 2-D medical baseline
 *  (HiLab-git/SSL4MIS, train_mean_teacher_2D.py), whose settings are the defaults here. The student
 *  learns the labels and, on unlabelled images, the probabilities of its own exponential moving
 *  average (the teacher) seen through input noise; ConsistencyRampUp.h weights that term. */
struct MeanTeacherSettings
{
  double decay = 0.99;           ///< EMA decay (SSL4MIS --ema_decay)
  double consistency = 0.1;      ///< maximal weight of the consistency term (--consistency)
  double rampUpFraction = 1.0;   ///< ramped over the whole run (--consistency_rampup 200 x 150 of 30000 iterations)
  double warmUpFraction = 1.0 / 30; ///< no consistency term for the first 1000 of 30000 iterations
  double inputNoiseStd = 0.1;    ///< the teacher's input noise N(0, 0.1^2) ...
  double inputNoiseClamp = 0.2;  ///< ... clipped to [-0.2, 0.2]
};

/** The decay of EMA step `step` (0-based): min(1 - 1 / (step + 1), decay), the true average of the
 *  weights seen so far until the exponential one is the better estimate (the Mean Teacher code). */
double
MeanTeacherDecay(double decay, int64_t step);

/** teacher <- d * teacher + (1 - d) * student for every parameter; the buffers (batch-norm
 *  statistics) are copied from the student, whose batches they describe. Throws
 *  std::invalid_argument when the two modules' parameters or buffers differ in names or shapes. */
void
UpdateMeanTeacher(torch::nn::Module & teacher, const torch::nn::Module & student, double decay);

/** The consistency term: mean over pixels and images of (sigmoid(student) - sigmoid(teacher))^2,
 *  the teacher not differentiated. For two classes this equals SSL4MIS's mean squared difference
 *  of the softmax outputs (both channels differ by the same amount). */
torch::Tensor
ProbabilityConsistencyLoss(const torch::Tensor & studentLogits, const torch::Tensor & teacherLogits);

/** The teacher's view of the images: images + clamp(N(0, std^2), -clamp, clamp) drawn from a
 *  generator seeded with `seed`, so that a resumed run draws the same noise. */
torch::Tensor
AddClampedGaussianNoise(const torch::Tensor & images, double std, double clamp, uint64_t seed);

} // namespace sinus

#endif
