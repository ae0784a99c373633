// SPDX-License-Identifier: Apache-2.0
#ifndef sinus_MaskedPretraining_h
#define sinus_MaskedPretraining_h

#include "sinus/Json.h"
#include "sinus/Segmenter.h"

#include <torch/torch.h>

#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace sinus
{

/** Self-supervised pretraining of a segmenter's encoder on unlabelled radiographs by masked-image
 *  modelling. Two objectives, one loss (MSE on the hidden patches' per-patch normalised pixels):
 *  - "mae" (He et al. 2022): the encoder sees only the visible patches (75 % hidden), a light
 *    transformer decoder fills in the rest. Needs an encoder whose patches meet only in global
 *    attention: the plain ViT of UNETR.
 *  - "masked_image" (SimMIM, Xie et al. 2022): hidden patches are blanked in the input (60 %),
 *    the whole encoder runs, a 1x1 convolution predicts each patch from the stride-16 features.
 *    For encoders that must see the whole image: convolutions (U-Net, nnU-Net, DeepLabV3+, the
 *    CNN stem of TransUNet, whose receptive fields would leak hidden pixels into visible tokens)
 *    and SAM's windowed attention with relative positions.
 *  "auto" picks "mae" when the encoder allows it. */
struct MaskedPretrainingOptions
{
  std::string objective = "auto";
  double      maskRatio = 0; ///< 0: the objective's own (0.75 mae, 0.6 masked_image)
  int64_t     epochs = 60;
  int64_t     batchSize = 8;
  double      learningRate = 1e-3; ///< AdamW, cosine decay to 0 over the epochs
  double      weightDecay = 0.05;
  uint64_t    seed = 0;
  int64_t     decoderDim = 128, decoderDepth = 2, decoderHeads = 4; ///< MAE's decoder

  /** The objective used for `segmenter` ("auto" resolved); an explicit "mae" for an encoder that
   *  cannot run on a subset of patches is std::invalid_argument. */
  std::string ObjectiveFor(const SegmenterImpl & segmenter) const;
  double      MaskRatioFor(const std::string & objective) const;
  double      LearningRateAt(int64_t epoch) const; ///< 1-based
  Json        ToJson() const;
  void        Validate() const; ///< throws std::invalid_argument
};

/** One epoch of pretraining: mean reconstruction loss over its batches. */
struct MaskedPretrainingRecord
{
  int64_t epoch = 0;
  double  loss = 0;
  double  learningRate = 0;
  double  seconds = 0;
};

struct MaskedPretrainingCallbacks
{
  std::function<void(int64_t epoch, int64_t batch, int64_t batches, double loss)> onBatch;
  std::function<void(const std::vector<MaskedPretrainingRecord> &)>              onEpoch; ///< after the epoch's checkpoint
  std::function<bool()>                                                           shouldAbort;
};

/** A non-finite loss, an unusable checkpoint, too few images or an abort. */
class MaskedPretrainingError : public std::runtime_error
{
public:
  using std::runtime_error::runtime_error;
};

/** Masked input, reconstruction (hidden patches predicted, visible ones kept) and original of a
 *  few images, each B x C x S x S in [0, 1], for the picture of a pretraining run. */
struct ReconstructionExamples
{
  torch::Tensor masked, reconstruction, original;
};

/** Pretrains the encoder of `segmenter` (SegmenterImpl::EncoderFeatures, or
 *  EncodeVisiblePatches for MAE) on `images` (uint8, 3 x S x S each, S the network's input size).
 *  The checkpoint (atomic, after every epoch) holds everything needed to continue: with `resume`
 *  training goes on after its last epoch and ends with the weights of an uninterrupted run.
 *  In a data-parallel job (ProcessGroup()) batch_size is per process: each step takes batch_size
 *  images per rank, every rank draws the global batch's flips and masks and trains on its block,
 *  gradients are averaged, and rank 0 alone writes the checkpoint and calls onEpoch. */
class MaskedPretrainer
{
public:
  MaskedPretrainer(SegmenterImpl & segmenter, const MaskedPretrainingOptions & options, const torch::Device & device = torch::kCPU);
  ~MaskedPretrainer();

  std::vector<MaskedPretrainingRecord> Train(const std::vector<torch::Tensor> & images, const std::string & checkpointPath, bool resume,
                                             const MaskedPretrainingCallbacks & callbacks = {});
  ReconstructionExamples               Reconstruct(const std::vector<torch::Tensor> & images, uint64_t seed);

  const std::string &              Objective() const;
  double                           MaskRatio() const;
  /** The segmenter's parameters that the objective trains (what a pretrained model file carries). */
  const std::vector<std::string> & EncoderParameters() const;
  /** What a model file records of this pretraining: objective, ratio, options, encoder parameters. */
  Json                             Description(int64_t images) const;

private:
  struct State;
  std::unique_ptr<State> m_State;
};

} // namespace sinus

#endif
