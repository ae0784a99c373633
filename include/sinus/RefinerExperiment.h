// SPDX-License-Identifier: Apache-2.0
#ifndef sinus_RefinerExperiment_h
#define sinus_RefinerExperiment_h

#include "sinus/MaskNoise.h"
#include "sinus/RefinerTraining.h"

namespace sinus
{

/** The evidence that SinusCycle-GAN refinement helps, on data with a known answer: clean phantom
 *  sinus masks, corrupted by the noise model (the "teacher"). Phantoms 0..pairs-1 give the labelled
 *  pairs (corrupted, clean), the next `unlabelled` give domain A only, the last `heldOut` are never
 *  seen in training and are scored before and after refinement on their own grid. */
struct RefinerExperimentOptions
{
  int64_t                phantomWidth = 256;
  int64_t                phantomHeight = 128;
  uint64_t               dataSeed = 7;
  int64_t                pairs = 24;
  int64_t                unlabelled = 24;
  int64_t                heldOut = 16;
  MaskNoiseOptions       noise;
  RefinerConfig          config = RefinerConfig::Small();
  RefinerTrainingOptions training;

  /** The CPU run documented in Refinement.md and asserted by a test: 256 x 128 phantoms, working
   *  grid 128 x 64, ngf 8 with 3 blocks, ndf 8, 8 correction filters, 20 epochs, batch 4, lr 1e-3. */
  static RefinerExperimentOptions CpuEvidenceRun();
};

struct RefinerExperimentResult
{
  double  diceBefore = 0, diceAfter = 0;   ///< means over the held-out masks
  double  hd95Before = 0, hd95After = 0;   ///< pixels, means (an empty prediction counts as the image diagonal)
  double  diceBeforeStd = 0, diceAfterStd = 0, hd95BeforeStd = 0, hd95AfterStd = 0;
  double  trainingSeconds = 0;
  int64_t cases = 0;
  std::vector<RefinerEpochRecord> log;
};

RefinerExperimentResult
RunRefinerExperiment(const RefinerExperimentOptions & options, const RefinerTrainingCallbacks & callbacks = {});

} // namespace sinus

#endif
