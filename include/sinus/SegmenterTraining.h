#ifndef sinus_SegmenterTraining_h
#define sinus_SegmenterTraining_h

#include "sinus/Json.h"
#include "sinus/Raster.h"
#include "sinus/SamModel.h"
#include "sinus/SegmentationAugmentation.h"

#include <torch/torch.h>

#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace sinus
{

/** Architectures of teacher and student. "vit_b": the official MedSAM ViT-B (1024 input, the paper's
 *  setting, for GPUs). "small": the same SAM architecture shrunk for a 2-core CPU -- input 256,
 *  patch 16, embedding 192, depth 4 (windowed blocks of 8 tokens, global attention in blocks 1 and
 *  3), 3 heads, neck/prompt/decoder width 128 with 4 decoder heads. `inputSize` > 0 replaces the
 *  preset's input size (a multiple of the patch size). Unknown names throw std::invalid_argument. */
SamConfig
SegmenterPreset(const std::string & name, int64_t inputSize = 0);

/** One radiograph prepared for the networks. The image is kept as MedSAM's uint8 input
 *  (3 x S x S after PreprocessForMedSAM; normalised per batch), so a few thousand images fit in
 *  memory. The label, when there is one, is on the grid of the decoder's logits (L = S / 4), area
 *  averaged from the original mask; `fullLabel` keeps the original mask for validation and test. */
struct SegmentationSample
{
  std::string         name;
  std::string         source;         ///< the image file, when it came from one
  torch::Tensor       image;          ///< uint8, 3 x S x S
  torch::Tensor       label;          ///< float32, 1 x L x L in [0, 1]; undefined when unlabelled
  Raster<uint8_t>     fullLabel;      ///< 0/1 on the original grid; empty when not known
  int64_t             height = 0, width = 0; ///< original image size
  std::vector<double> spacing{ 1.0, 1.0 };   ///< x, y spacing of the original image (for HD95 in mm)
};

/** Builds a sample from a grey radiograph (values in [0, 255]) and an optional 0/1 mask of the same
 *  size (an empty raster for none). */
SegmentationSample
MakeSegmentationSample(const std::string & name, const Raster<double> & grey, const Raster<uint8_t> & mask, int64_t inputSize,
                       const std::vector<double> & spacing = { 1.0, 1.0 });

/** MedSAM's normalisation of a batch of uint8 images (each image min-max scaled to [0, 1]). */
torch::Tensor
NormalizeSampleImages(const torch::Tensor & imagesUInt8);

/** The networks' forward pass as MedSAM trains it: image encoder, the full-image box
 *  (0, 0, S, S) as prompt, mask decoder with multimask_output=False. Images B x 3 x S x S in
 *  [0, 1]; returns the low-resolution logits B x 1 x L x L. */
torch::Tensor
FullImageBoxLogits(SamImpl & model, const torch::Tensor & images);

/** Logits of every sample, N x 1 x L x L on the CPU, without augmentation or gradients. */
torch::Tensor
PredictSampleLogits(SamImpl & model, const std::vector<SegmentationSample> & samples, int64_t batchSize,
                    const torch::Device & device, const std::function<bool()> & shouldAbort = {});

/** A sample's prediction on its original grid, exactly as `sinusseg predict` makes it: sigmoid,
 *  bilinear (align_corners=False) to the original size, > 0.5. */
Raster<uint8_t>
LogitsToOriginalMask(const torch::Tensor & logits, int64_t height, int64_t width);

/** Mean Dice on the original grids of samples with a fullLabel. */
double
MeanDiceOnOriginalGrid(const torch::Tensor & logits, const std::vector<SegmentationSample> & samples);

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
  double                   weightDecay = 0.01;
  uint64_t                 seed = 0;
  std::vector<std::string> trainableParts{ "image_encoder", "mask_decoder" }; ///< the prompt encoder stays frozen
  AugmentationOptions      augmentation;
  // The student's objective (unused for the teacher).
  double           alpha = 0.5;
  double           beta = 1e-6;
  double           temperature = 2;
  double           tau = 1; ///< pixels of HD95 at the logit grid
  DistillationMode distillation = DistillationMode::Weighted;
  bool             distilUnlabelled = false; ///< also apply L_wkd to unlabelled batches

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
};

/** What the student learns from besides labels: the frozen teacher's logits on the labelled and
 *  the unlabelled images, and the (refined or raw) pseudo-labels of the unlabelled ones, all on the
 *  logit grid. */
struct StudentTargets
{
  torch::Tensor labelledTeacherLogits;   ///< N_l x 1 x L x L
  torch::Tensor unlabelledTeacherLogits; ///< N_u x 1 x L x L (may be empty)
  torch::Tensor pseudoLabels;            ///< N_u x 1 x L x L in [0, 1] (may be empty)
};

struct SegmenterBatchReport
{
  int64_t epoch = 0, batch = 0, batches = 0;
  double  total = 0, supervised = 0, distillationRaw = 0, unsupervised = 0, meanWeight = 0;
};

struct SegmenterTrainingCallbacks
{
  std::function<void(const SegmenterBatchReport &)>               onBatch;
  std::function<void(const std::vector<SegmenterEpochRecord> &)>  onEpoch; ///< after the epoch's checkpoint
  std::function<bool()>                                           shouldAbort;
};

/** A non-finite loss (naming stage, epoch and batch), an unusable checkpoint or bad data. */
class SegmenterTrainingError : public std::runtime_error
{
public:
  using std::runtime_error::runtime_error;
};
class SegmenterTrainingAborted : public std::runtime_error
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
  std::string stage;      ///< "teacher" or "student", used in messages and the model's metadata
  std::string modelPath;
  std::string checkpointPath;
};

/** Trains a segmenter. Without `targets` it is the teacher's fine-tuning with L_sup; with them the
 *  student's alpha * L_sup + beta * L_wkd + (1 - alpha) * L_unsup. One epoch visits every labelled
 *  and every unlabelled image once: ceil(max(N_l, N_u) / batch) iterations, each with a labelled
 *  and (when there are unlabelled images) an unlabelled batch, the shorter list cycling. With
 *  `resume` and an existing checkpoint, training continues after its last epoch and ends with the
 *  same weights as an uninterrupted run. Returns the log of all epochs. */
std::vector<SegmenterEpochRecord>
TrainSegmenter(Sam & model, const std::vector<SegmentationSample> & labelled, const std::vector<SegmentationSample> & unlabelled,
               const std::vector<SegmentationSample> & validation, const StudentTargets * targets,
               const SegmenterTrainingOptions & options, const SegmenterStageFiles & files, bool resume,
               const torch::Device & device, const SegmenterTrainingCallbacks & callbacks = {}, const Json & modelMetadata = Json::Object());

/** The per-epoch log as CSV (one header line, one row per epoch, %.9g numbers). */
std::string
FormatSegmenterLogCsv(const std::vector<SegmenterEpochRecord> & log);

} // namespace sinus

#endif
