// SPDX-License-Identifier: Apache-2.0
#ifndef sinus_SegmenterTraining_h
#define sinus_SegmenterTraining_h

#include "sinus/ComputePrecision.h"
#include "sinus/Json.h"
#include "sinus/SegmentationAugmentation.h"
#include "sinus/SegmentationSample.h"
#include "sinus/Segmenter.h"
#include "sinus/SegmenterInference.h"

#include <torch/torch.h>

#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace sinus
{

enum class DistillationMode
{
  Off,        ///< no L_wkd term
  Unweighted, ///< plain Hinton KD (w_i = 1)
  Weighted    ///< the paper's HD95-weighted KD
};
DistillationMode
ParseDistillationMode(const std::string & text); ///< "off" | "unweighted" | "weighted"
const char *
ToString(DistillationMode mode);

/** Training settings of the teacher or the student; defaults are the paper's (AdamW lr 1e-5, batch
 *  8, 10 epochs; alpha 0.5, beta 1e-6, T 2). */
struct SegmenterTrainingOptions
{
  int64_t                  epochs = 10;
  int64_t                  batchSize = 8;
  int64_t                  stepsPerEpoch = 0; ///< 0: ceil(max(N_l, N_u) / batch), one pass over the longer list
  double                   learningRate = 1e-5;
  /** "constant" (the paper), or "poly": lr * (1 - epoch / epochs)^0.9 per epoch (nnU-Net). */
  std::string              learningRateSchedule = "constant";
  double                   weightDecay = 0.01;
  uint64_t                 seed = 0;
  /** Parameter groups that train (the network's direct children); empty: the network's default
   *  (for SAM the paper's image encoder + mask decoder, the prompt encoder frozen). */
  std::vector<std::string> trainableParts;
  AugmentationOptions      augmentation;
  /** 0: every step sees whole inputs. P > 0: nnU-Net's patch-based training, every image of a step
   *  seen through a random P x P window of the network's input grid (AddRandomPatches), for a
   *  convolutional network that then predicts whole inputs; P must be smaller than the input side
   *  and a multiple of the network's InputSideMultiple(). */
  int64_t                  patchSize = 0;
  /** The labels' BCE weighted by SeparationWeights(labels, separationGap, separationWeight) on
   *  the network's full-resolution output (its deep-supervision outputs unweighted); 0: off. */
  double                   separationWeight = 0;
  int64_t                  separationGap = 5; ///< pixels of the logit grid (odd, >= 3)
  // The student's objective (unused for the teacher).
  double           alpha = 0.5;
  double           beta = 1e-6;
  double           temperature = 2;
  double           tau = 1; ///< pixels of HD95 at the student's logit grid
  DistillationMode distillation = DistillationMode::Weighted;
  bool             distilUnlabelled = false; ///< also apply L_wkd to unlabelled batches
  /** L_unsup: "foreground_bce" (the paper's eq. 13: BCE over the pseudo-foreground only) or
   *  "dice_bce" (Dice + BCE over the whole image, as L_sup). On real radiographs the paper's term
   *  only ever pushes pixels towards foreground, and students grow blobs (recall 0.92, precision
   *  0.61 on UFBA-425); see Documentation/benchmarks.md. */
  std::string      unsupervisedLoss = "foreground_bce";
  /** How the student uses the unlabelled images: "paper" (the pseudo-labels and the teacher's
   *  logits above: L_unsup and L_wkd), or an online method that ignores them and learns from its own
   *  predictions during training -- "mean_teacher", "cps" or "unimatch"
   *  (OnlineSemiSupervision.h, Documentation/SemiSupervisedBaselines.md). */
  std::string      semiSupervised = "paper";
  /** The forward pass and the losses on the CPU: Float32 (the reference), BFloat16 (LibTorch's CPU
   *  autocast: products and convolutions in bf16, norms, softmax and every loss in fp32; the
   *  weights, gradients and AdamW's state stay fp32) or Auto (bf16 where the CPU has it natively).
   *  Validation and prediction stay fp32. */
  ComputePrecision precision = ComputePrecision::Float32;

  /** The learning rate of `epoch` (1-based) under the schedule. */
  double LearningRateAt(int64_t epoch) const;

  static SegmenterTrainingOptions FromJson(const Json & json, const SegmenterTrainingOptions & defaults);
  Json                            ToJson() const;
  void                            Validate() const; ///< throws std::invalid_argument
};

/** Mean losses of one epoch, plus validation. For the teacher only `supervised` and `total` are set. */
struct SegmenterEpochRecord
{
  int64_t epoch = 0;
  double  supervised = 0, distillationRaw = 0, distillationWeighted = 0, unsupervised = 0, total = 0;
  double  meanWeight = 0, meanHD95 = 0; ///< of the KD weights and the teacher-student HD95 (pixels)
  double  validationDice = -1;         ///< -1 when there is no validation set
  bool    best = false;                ///< this epoch's weights are the stage's model file
  double  seconds = 0;

  Json                        ToJson() const;
  static SegmenterEpochRecord FromJson(const Json & json);
};

/** What the student learns from besides labels: the frozen teacher's logits on the labelled and
 *  the unlabelled images, and the (refined or raw) pseudo-labels of the unlabelled ones, on the
 *  teacher's logit grid; the trainer resamples them to the student's grid when the grids differ. */
struct StudentTargets
{
  torch::Tensor labelledTeacherLogits;   ///< N_l x 1 x L_t x L_t
  torch::Tensor unlabelledTeacherLogits; ///< N_u x 1 x L_t x L_t (may be empty)
  torch::Tensor pseudoLabels;            ///< N_u x 1 x L_t x L_t in [0, 1] (may be empty)
};

struct SegmenterBatchReport
{
  int64_t epoch = 0, batch = 0, batches = 0;
  double  total = 0, supervised = 0, distillationRaw = 0, unsupervised = 0, meanWeight = 0;
};

struct SegmenterTrainingCallbacks
{
  std::function<void(const SegmenterBatchReport &)>              onBatch;
  std::function<void(const std::vector<SegmenterEpochRecord> &)> onEpoch; ///< after the epoch's checkpoint
  std::function<bool()>                                          shouldAbort;
};

/** A non-finite loss (naming stage, epoch and batch), an unusable checkpoint or bad data. */
class SegmenterTrainingError : public std::runtime_error
{
public:
  using std::runtime_error::runtime_error;
};

/** Where a stage keeps its files. The model file holds the weights with the best validation Dice
 *  (the last epoch's without validation data); the checkpoint holds everything needed to continue
 *  after the last finished epoch (weights, AdamW state, log, best Dice); both are written atomically
 *  after every epoch. */
struct SegmenterStageFiles
{
  std::string stage; ///< "teacher" or "student", used in messages and the model's metadata
  std::string modelPath;
  std::string checkpointPath;
};

/** The data a segmenter trains on: labelled images (labels on the segmenter's logit grid), for the
 *  student also unlabelled images with the teacher's targets, and validation images. */
struct SegmenterTrainingData
{
  const std::vector<SegmentationSample> & labelled;
  const std::vector<SegmentationSample> & unlabelled;
  const std::vector<SegmentationSample> & validation;
  const StudentTargets *                  targets = nullptr; ///< null: the teacher's L_sup alone
};

/** Trains any segmenter. Without targets it is the teacher's fine-tuning with L_sup; with them the
 *  student's alpha * L_sup + beta * L_wkd + (1 - alpha) * L_unsup. One epoch visits every labelled
 *  and every unlabelled image once: ceil(max(N_l, N_u) / batch) iterations, each with a labelled
 *  and (when there are unlabelled images) an unlabelled batch, the shorter list cycling. With
 *  `resume` and an existing checkpoint, training continues after its last epoch and ends with the
 *  same weights as an uninterrupted run. Returns the log of all epochs. */
std::vector<SegmenterEpochRecord>
TrainSegmenter(SegmenterImpl & segmenter, const SegmenterTrainingData & data, const SegmenterTrainingOptions & options,
               const SegmenterStageFiles & files, bool resume, const torch::Device & device,
               const SegmenterTrainingCallbacks & callbacks = {}, const Json & modelMetadata = Json::object());

/** The per-epoch log as CSV (one header line, one row per epoch, %.9g numbers). */
std::string
FormatSegmenterLogCsv(const std::vector<SegmenterEpochRecord> & log);

} // namespace sinus

#endif
