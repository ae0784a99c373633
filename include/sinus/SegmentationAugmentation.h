// SPDX-License-Identifier: Apache-2.0
#ifndef sinus_SegmentationAugmentation_h
#define sinus_SegmentationAugmentation_h

#include "sinus/Json.h"
#include "sinus/PortableRandom.h"

#include <torch/torch.h>

#include <vector>

namespace sinus
{

/** Augmentation for panoramic radiographs during teacher and student training: a small random
 *  affine map (rotation, isotropic scale, translation, optional left-right mirror -- a panoramic
 *  view is roughly symmetric), then contrast, brightness and gamma changes and additive Gaussian
 *  noise. Never used when pseudo-labels or evaluation predictions are made. The geometric part is
 *  applied identically to the image and to every per-pixel target of that image (label, teacher
 *  logits, pseudo-label), so targets stay aligned. */
struct AugmentationOptions
{
  bool   enabled = true;
  double rotationDegrees = 5;   ///< uniform in [-r, r]
  double scale = 0.05;          ///< uniform in [1 - s, 1 + s]
  double translation = 0.03;    ///< fraction of the image size, uniform in [-t, t] per axis
  bool   horizontalFlip = false; ///< mirror with probability 1/2
  double contrast = 0.15;       ///< factor uniform in [1 - c, 1 + c] around the image mean
  double brightness = 0.05;     ///< offset uniform in [-b, b] (images are in [0, 1])
  double gamma = 0.15;          ///< exponent exp(uniform in [-g, g])
  double noiseStd = 0.02;       ///< standard deviation of the additive noise

  static AugmentationOptions FromJson(const Json & json, const AugmentationOptions & defaults);
  Json                       ToJson() const;
  void                       Validate() const; ///< throws std::invalid_argument naming the field
};

/** The random draws of one batch, so that the same transform can be applied to several tensors. */
struct BatchAugmentation
{
  /** B x 2 x 3 affine maps in normalised coordinates (output -> input); undefined: no warp. */
  torch::Tensor       theta;
  int64_t             batch = 0;          ///< images drawn for
  double              outputFraction = 1; ///< side of the warped output / side of its input (patches: < 1)
  std::vector<double> contrast, brightness, gamma;
  double              noiseStd = 0;
  uint64_t            noiseSeed = 0;
  bool                intensity = false; ///< contrast, brightness, gamma and noise drawn
  /** Set by SelectAugmentationRows: these images are rows `noiseRows` of a drawn batch of
   *  `noiseBatch` images, and take those rows of its noise. noiseBatch 0: the whole drawn batch. */
  std::vector<int64_t> noiseRows;
  int64_t              noiseBatch = 0;
};

/** Draws the transforms of a batch of `batch` images from `random` (deterministic given its state). */
BatchAugmentation
DrawBatchAugmentation(int64_t batch, const AugmentationOptions & options, PortableRandom & random);

/** nnU-Net's patch-based training: every image of the batch is then seen through a square window
 *  of `patchSide` pixels at a random place of its `inputSide` grid, cut from the augmented view
 *  (whose rotation and scaling stay centred on the whole image), so that a network learns at the
 *  full input resolution for the cost of a patch. Windows start on whole pixels of the input grid.
 *  Throws std::invalid_argument unless 0 < patchSide < inputSide. */
void
AddRandomPatches(BatchAugmentation & augmentation, int64_t inputSide, int64_t patchSide, PortableRandom & random);

/** The transforms of some rows of a drawn batch, in the given order. A rank of a data-parallel job
 *  draws the whole global batch, as one process would, and applies the rows of its own images, so
 *  that the job sees the same transforms, noise included, as one process with the whole batch.
 *  Throws std::invalid_argument for a row outside the batch. */
BatchAugmentation
SelectAugmentationRows(const BatchAugmentation & augmentation, const std::vector<int64_t> & rows);

/** The augmented images (B x C x H x W, values in [0, 1]): geometric warp (bilinear, border
 *  values repeated) to H x W times the output fraction, then the intensity changes and the noise;
 *  the result is kept in [0, 1]. */
torch::Tensor
AugmentImages(const torch::Tensor & images, const BatchAugmentation & augmentation);

/** The geometric warp alone, for per-pixel targets of any resolution (B x C x h x w, to h x w
 *  times the output fraction; throws std::invalid_argument when that is not whole): bilinear;
 *  outside the image, masks get 0 (`repeatBorder` false) and logits their border value (true). */
torch::Tensor
WarpTargets(const torch::Tensor & targets, const BatchAugmentation & augmentation, bool repeatBorder);

} // namespace sinus

#endif
