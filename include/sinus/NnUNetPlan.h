// SPDX-License-Identifier: Apache-2.0
#ifndef sinus_NnUNetPlan_h
#define sinus_NnUNetPlan_h

#include "sinus/DatasetFingerprint.h"
#include "sinus/NnUNetSegmenter.h"
#include "sinus/SegmenterTraining.h"

#include <string>

namespace sinus
{

/** The budget a plan must fit: the largest input side and the widths of nnU-Net 2-D (base 32,
 *  at most 512), or smaller ones for a CPU. */
struct NnUNetPlanLimits
{
  int64_t maxInputSize = 1024;
  int64_t baseChannels = 32;
  int64_t maxChannels = 512;
  int64_t referenceBatch = 12;       ///< nnU-Net 2-D's batch at the reference input below
  int64_t referenceInputSize = 512;
  int64_t epochs = 1000;
  double  learningRate = 1e-2;

  static NnUNetPlanLimits Paper(); ///< nnU-Net's own 2-D settings
  static NnUNetPlanLimits Cpu();   ///< 256 pixels, half the widths, a CPU's epochs
};

/** Network and training derived from a fingerprint as nnU-Net's planner does it for 2-D data:
 *  the input is the median image (its longer side, within the budget, a multiple of 16);
 *  the network is halved until the coarsest map is 4 pixels (at most 7 times) with widths
 *  doubling from the base up to the cap; the batch fills the reference budget but covers at most
 *  5 % of the training set's pixels and is at least 2; training uses the poly learning-rate
 *  schedule, deep supervision and nnU-Net's strong spatial and intensity augmentation. */
struct NnUNetPlan
{
  DatasetFingerprint       fingerprint;
  NnUNetConfig             network;
  SegmenterTrainingOptions training;
  std::string              rationale; ///< one line per decision, for the run's report

  Json ToJson() const;
};

NnUNetPlan
PlanNnUNet(const DatasetFingerprint & fingerprint, const NnUNetPlanLimits & limits);

} // namespace sinus

#endif
