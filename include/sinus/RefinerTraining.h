// SPDX-License-Identifier: Apache-2.0
#ifndef sinus_RefinerTraining_h
#define sinus_RefinerTraining_h

#include "sinus/Json.h"
#include "sinus/PortableRandom.h"
#include "sinus/SinusCycleGAN.h"

#include <functional>
#include <stdexcept>

namespace sinus
{

/** Optimisation settings of SinusCycle-GAN; defaults from the paper (AdamW lr 1e-5, batch 10,
 *  100 epochs, lambda 10) and CycleGAN (beta1 0.5, history pool of 50). */
struct RefinerTrainingOptions
{
  int64_t  epochs = 100;
  int64_t  batchSize = 10;
  double   learningRate = 1e-5;
  double   beta1 = 0.5;
  double   beta2 = 0.999;
  double   weightDecay = 0.01;
  double   cycleWeight = 10;
  int64_t  historyPoolSize = 50;
  uint64_t seed = 0;

  static RefinerTrainingOptions FromJson(const Json & json, const RefinerTrainingOptions & defaults);
  static RefinerTrainingOptions FromJson(const Json & json);
  Json                          ToJson() const;
};

/** Training masks at the working grid, N x 1 x H x W, values in [0, 1].
 *  - unpairedTeacher (domain A): teacher masks on unlabelled images;
 *  - unpairedTruth (domain B): ground-truth masks;
 *  - pairedTeacher / pairedTruth: teacher predictions on labelled images and their labels, the only
 *    place where the two domains correspond, used for L_corr.
 *  With no unlabelled images, the paired teacher masks also serve as domain A. */
struct RefinerTrainingData
{
  torch::Tensor unpairedTeacher, unpairedTruth, pairedTeacher, pairedTruth;
  void          Validate(const RefinerConfig & config) const; ///< throws std::invalid_argument
};

/** Mean losses of one epoch. */
struct RefinerEpochRecord
{
  int64_t epoch = 0; ///< 1-based
  double  adversarialAB = 0, adversarialBA = 0, cycle = 0, correction = 0, total = 0;
  double  discriminatorA = 0, discriminatorB = 0;
  double  seconds = 0;
};

struct RefinerTrainingCallbacks
{
  std::function<void(int64_t epoch, int64_t batch, int64_t batches)> onBatch; ///< after each batch
  std::function<void(const std::vector<RefinerEpochRecord> &)>       onEpoch; ///< after each epoch's checkpoint: the log so far
  std::function<bool()>                                              shouldAbort;
};

/** Raised for a non-finite loss (naming epoch and batch) or an unusable checkpoint; the last good
 *  checkpoint is left as it was. */
class RefinerTrainingError : public std::runtime_error
{
public:
  using std::runtime_error::runtime_error;
};

/** Raised when callbacks.shouldAbort() returns true; the checkpoint of the last finished epoch stays. */
class RefinerTrainingAborted : public std::runtime_error
{
public:
  using std::runtime_error::runtime_error;
};

/** CycleGAN's image pool: until full, fakes are stored and returned; then each fake is, with
 *  probability 1/2, swapped for a random stored one (which is returned) or returned as is. Keeps the
 *  discriminators from forgetting earlier generator outputs. */
class MaskHistoryPool
{
public:
  explicit MaskHistoryPool(int64_t capacity);
  torch::Tensor Query(const torch::Tensor & fakes, PortableRandom & random);
  torch::Tensor Contents() const; ///< K x 1 x H x W (empty tensor when nothing is stored)
  void          Restore(const torch::Tensor & contents);

private:
  int64_t                    m_Capacity;
  std::vector<torch::Tensor> m_Images;
};

/** Trains all six networks (the generator step with the discriminators frozen, then the
 *  discriminator step on pooled fakes), one epoch = ceil(max(|A|, |B|) / batch) iterations.
 *  With a checkpoint path, the complete state (weights, both AdamW states, pools, epoch log) is
 *  written atomically after every epoch; with `resume` and an existing checkpoint, training
 *  continues after its last epoch and gives the same result as an uninterrupted run. Returns the
 *  log of all epochs (including resumed ones). */
std::vector<RefinerEpochRecord>
TrainRefiner(SinusCycleGAN & model, const RefinerTrainingData & data, const RefinerTrainingOptions & options,
             const std::string & checkpointPath = "", bool resume = false, const RefinerTrainingCallbacks & callbacks = {});

/** The per-epoch log as CSV (one header line, one row per epoch, %.9g numbers). */
std::string
FormatRefinerLogCsv(const std::vector<RefinerEpochRecord> & log);

/** The refiner's part of a configuration file, one schema wherever it is read: "refiner" (the
 *  architecture, RefinerConfig) and "refiner_training" (RefinerTrainingOptions) -- in `sinusseg
 *  train`'s configuration and in `sinusseg train-refiner --config` alike, so one file serves both. */
struct RefinerSettings
{
  RefinerConfig          architecture = RefinerConfig::Small();
  RefinerTrainingOptions training;

  /** Reads the two keys when present (other keys are the caller's); values start from `defaults`. */
  static RefinerSettings FromJson(const Json & json, const RefinerSettings & defaults);
  /** Adds the two keys to `json`. */
  void WriteTo(Json & json) const;
};

} // namespace sinus

#endif
