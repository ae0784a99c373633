// SPDX-License-Identifier: Apache-2.0
#ifndef sinus_StrongPerturbation_h
#define sinus_StrongPerturbation_h

#include "sinus/PortableRandom.h"

#include <torch/torch.h>

#include <vector>

namespace sinus
{

// The strong image-level perturbations of weak-to-strong consistency (FixMatch, UniMatch), as the
// UniMatch repository draws them for medical images (more-scenarios/medical/dataset/acdc.py and
// transform.py): colour jitter with probability 0.8, Gaussian blur with probability 0.5, and a
// CutMix box with probability 0.5. Applied on top of the weak view (the trainer's usual
// augmentation), so that weak and strong views share their geometry.

/** A rectangle of input pixels [top, top + height) x [left, left + width); empty: no mixing. */
struct CutMixBox
{
  int64_t top = 0, left = 0, height = 0, width = 0;
  bool    Empty() const { return height == 0 || width == 0; }
};

/** UniMatch's obtain_cutmix_box on a side x side input: with `probability` a box of area
 *  uniform(0.02, 0.4) * side^2 and aspect uniform(0.3, 1 / 0.3), width floor(sqrt(area / aspect)),
 *  height floor(sqrt(area * aspect)), at a uniform top-left pixel; aspect and corner are drawn again
 *  until the box fits. Otherwise an empty box. */
CutMixBox
DrawCutMixBox(int64_t side, PortableRandom & random, double probability = 0.5);

/** The boxes (one per image, in the pixels of a side x side input) as B x 1 x grid x grid masks,
 *  1 where a grid pixel's centre lies in its image's box; a logit grid coarser than the input gets
 *  the box at its own resolution. */
torch::Tensor
CutMixMasks(const std::vector<CutMixBox> & boxes, int64_t side, int64_t grid);

/** masks * mixedIn + (1 - masks) * original, for images, pseudo-labels and confidences alike. */
torch::Tensor
PasteCutMix(const torch::Tensor & original, const torch::Tensor & mixedIn, const torch::Tensor & masks);

/** torchvision's ColorJitter(0.5, 0.5, 0.5, 0.25) with probability 0.8, then Gaussian blur of a
 *  standard deviation uniform(0.1, 2) with probability 0.5. On grey radiographs (three equal
 *  channels) saturation and hue change nothing, so only brightness and contrast are drawn, in a
 *  random order as ColorJitter applies its four. */
struct StrongIntensityDraw
{
  bool   jitter = false;
  bool   brightnessFirst = true;
  double brightness = 1; ///< factor uniform(0.5, 1.5): x * f
  double contrast = 1;   ///< factor uniform(0.5, 1.5): f * x + (1 - f) * mean grey value of the image
  double blurSigma = 0;  ///< 0: no blur
};

StrongIntensityDraw
DrawStrongIntensity(PortableRandom & random);

/** One draw applied to one image (C x H x W, values in [0, 1]): each jitter step clipped to [0, 1]
 *  as torchvision does, then the blur (a separable Gaussian reaching 3 standard deviations, the
 *  border pixels repeated). */
torch::Tensor
ApplyStrongIntensity(const torch::Tensor & image, const StrongIntensityDraw & draw);

} // namespace sinus

#endif
