// SPDX-License-Identifier: Apache-2.0
#ifndef sinus_Segmenter_h
#define sinus_Segmenter_h

#include "sinus/Json.h"

#include <torch/torch.h>

#include <string>
#include <utility>
#include <vector>

namespace sinus
{

/** Prompts a segmenter may use and may ignore, in the pixels of its (square) input. */
struct SegmenterPrompts
{
  torch::Tensor boxes;       ///< B x 4 (x0, y0, x1, y1); undefined: the whole input
  torch::Tensor points;      ///< B x N x 2 (x, y); undefined: none
  torch::Tensor pointLabels; ///< B x N, 1 foreground, 0 background
};

/** Any network that segments the sinus: normalised images in (B x 3 x S x S, MedSAM's
 *  normalisation to [0, 1]), logits out (B x 1 x S/stride x S/stride). Teacher and student
 *  training, knowledge distillation, pseudo-labels, refinement input and evaluation see only this
 *  interface; the parameter groups are the network's direct children (what trains and what stays
 *  frozen is chosen by their names). An implementation registers itself in SegmenterRegistry.h. */
class SegmenterImpl : public torch::nn::Module
{
public:
  /** The name written into model files ("sam", "unet"). */
  virtual std::string Architecture() const = 0;
  /** Everything needed to rebuild the network (the "config" of its model file). */
  virtual Json ConfigJson() const = 0;
  /** Side of the square input the network expects. */
  virtual int64_t InputSize() const = 0;
  /** Input pixels per logit pixel. */
  virtual int64_t OutputStride() const = 0;
  /** Side multiple of the inputs Logits also takes besides InputSize() (a convolutional network
   *  takes any side that its poolings divide), so that it can train on patches and predict whole
   *  images; 0 for a network that takes InputSize() alone (a ViT's token grid and positions). */
  virtual int64_t InputSideMultiple() const { return 0; }
  /** Whether boxes/points change the result (SAM) or are ignored (plain segmentation networks). */
  virtual bool UsesPrompts() const { return false; }
  /** The groups trained when a configuration names none. */
  virtual std::vector<std::string> DefaultTrainableGroups() const { return ParameterGroups(); }
  /** Logits B x 1 x L x L with L = InputSize() / OutputStride(). */
  virtual torch::Tensor Logits(const torch::Tensor & images, const SegmenterPrompts & prompts = {}) = 0;
  /** Deep supervision: the coarser logit maps (B x 1 x h x h, finest first) of the last Logits
   *  call in training mode; empty for networks that make none. */
  virtual std::vector<torch::Tensor> AuxiliaryLogits() const { return {}; }

  /** Masked-image pretraining (MaskedPretraining.h): the encoder's features of `images` on the
   *  grid of 16-pixel patches, B x C x S/16 x S/16 -- the layers a decoder builds on, run up to
   *  stride 16. Throws std::logic_error for a network without such an encoder. */
  virtual torch::Tensor EncoderFeatures(const torch::Tensor & images);
  /** MAE (He et al. 2022) needs an encoder whose 16-pixel patches meet only in global attention (a
   *  plain ViT): then EncodesPatchSubsets() is true and EncodeVisiblePatches gives the encoder's
   *  tokens (B x N_visible x D) of the patches listed in `visible` (B x N_visible, int64 indices
   *  into the row-major patch grid), the others never seen. */
  virtual bool          EncodesPatchSubsets() const { return false; }
  virtual torch::Tensor EncodeVisiblePatches(const torch::Tensor & images, const torch::Tensor & visible);

  /** UniMatch's feature perturbation (UniMatchObjective.h): from one pass of the encoder, the
   *  logits of the images (as Logits gives them, deep supervision included) and those of the
   *  decoder fed with every encoder feature map after channel dropout at rate `dropout`
   *  (Dropout2d, applied in training and evaluation mode alike). Only encoder-decoder networks
   *  whose decoder reads the encoder's feature maps have it: PerturbsFeatures() says which; the
   *  others throw std::logic_error. */
  virtual bool PerturbsFeatures() const { return false; }
  virtual std::pair<torch::Tensor, torch::Tensor> LogitsWithPerturbedFeatures(const torch::Tensor & images, double dropout);

  int64_t                  LogitSize() const { return InputSize() / OutputStride(); }
  std::vector<std::string> ParameterGroups() const;
};
TORCH_MODULE(Segmenter);

/** A concrete network's holder (Sam, UNetSegmenter, ...) as a Segmenter sharing the same module. */
template <typename THolder>
Segmenter
AsSegmenter(const THolder & network)
{
  return Segmenter(std::shared_ptr<SegmenterImpl>(network.ptr()));
}

/** Freezes every parameter group not in `groups` and returns the parameters that train (all
 *  groups of the default when `groups` is empty). An unknown group name is an error that lists
 *  the network's groups. */
std::vector<torch::Tensor>
SelectTrainableGroups(SegmenterImpl & segmenter, const std::vector<std::string> & groups);

/** Channel dropout (Dropout2d) of every feature map, always active: UniMatch's feature perturbation. */
std::vector<torch::Tensor>
DropFeatureChannels(const std::vector<torch::Tensor> & features, double dropout);

/** Bilinear (align_corners=False) resampling of B x C x h x w maps to B x C x size x size; the
 *  input itself when it already has that size. Used to bring images to a network's input and a
 *  teacher's logits or pseudo-labels to a student's logit grid. */
torch::Tensor
ResampleSquare(const torch::Tensor & maps, int64_t size);

} // namespace sinus

#endif
