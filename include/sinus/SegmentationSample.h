// SPDX-License-Identifier: Apache-2.0
#ifndef sinus_SegmentationSample_h
#define sinus_SegmentationSample_h

#include "sinus/Raster.h"

#include <torch/torch.h>

#include <map>
#include <string>
#include <vector>

namespace sinus
{

/** One radiograph prepared for the networks. The image is kept as MedSAM's uint8 input
 *  (3 x S x S after PreprocessForMedSAM; normalised per batch), so a few thousand images fit in
 *  memory. A labelled sample keeps its label on the logit grid of every network that learns from
 *  it (teacher and student may differ), area averaged from the original mask; `fullLabel` keeps
 *  the original mask for validation and test. */
struct SegmentationSample
{
  std::string                      name;
  std::string                      source; ///< the image file, when it came from one
  torch::Tensor                    image;  ///< uint8, 3 x S x S
  std::map<int64_t, torch::Tensor> labels; ///< logit grid size L -> float32 1 x L x L in [0, 1]; empty when unlabelled
  Raster<uint8_t>                  fullLabel;             ///< 0/1 on the original grid; empty when not known
  int64_t                          height = 0, width = 0; ///< original image size
  std::vector<double>              spacing{ 1.0, 1.0 };   ///< x, y spacing of the original image (for HD95 in mm)
  /** The label's smallest 8-connected object as a fraction of the image (0 when unlabelled or
   *  empty); kept when fullLabel is dropped to save memory, as postprocessing is sized by it. */
  double smallestObjectFraction = 0;

  bool Labelled() const { return !labels.empty(); }
  /** The label on an L x L grid; throws naming the sample and the grids it has. */
  const torch::Tensor & LabelAt(int64_t grid) const;
};

/** Builds a sample from a grey radiograph (values in [0, 255]) and an optional 0/1 mask of the same
 *  size (an empty raster for none), with the mask's labels on each of `labelGrids`. */
SegmentationSample
MakeSegmentationSample(const std::string & name, const Raster<double> & grey, const Raster<uint8_t> & mask, int64_t inputSize,
                       const std::vector<int64_t> & labelGrids, const std::vector<double> & spacing = { 1.0, 1.0 });

/** A 0/1 mask area-averaged (or, when smaller, bilinearly resized) to 1 x grid x grid. */
torch::Tensor
MaskToLabelGrid(const Raster<uint8_t> & mask, int64_t grid);

/** MedSAM's normalisation of a batch of uint8 images (each image min-max scaled to [0, 1]). */
torch::Tensor
NormalizeSampleImages(const torch::Tensor & imagesUInt8);

} // namespace sinus

#endif
