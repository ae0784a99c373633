// SPDX-License-Identifier: Apache-2.0
#include "sinus/MedSAMPostprocessing.h"

#include <torch/torch.h>

#include <stdexcept>

namespace sinus
{

Raster<float>
ResizeBilinearAlignCornersFalse(const Raster<float> & image, int64_t outHeight, int64_t outWidth)
{
  if (image.channels != 1 || image.height < 1 || image.width < 1)
  {
    throw std::invalid_argument("ResizeBilinearAlignCornersFalse: expected a non-empty single-channel image");
  }
  if (outHeight < 1 || outWidth < 1)
  {
    throw std::invalid_argument("ResizeBilinearAlignCornersFalse: output size must be positive");
  }
  // LibTorch's own kernel: PyTorch picks different arithmetic for single-channel tensors (its
  // channels-last path), and only the same kernel reproduces MedSAM's probabilities bit for bit.
  namespace F = torch::nn::functional;
  const torch::Tensor input = torch::from_blob(const_cast<float *>(image.data.data()),
                                               { 1, 1, image.height, image.width }, torch::kFloat32);
  const torch::Tensor resized =
    F::interpolate(input, F::InterpolateFuncOptions()
                            .size(std::vector<int64_t>{ outHeight, outWidth })
                            .mode(torch::kBilinear)
                            .align_corners(false))
      .contiguous();
  Raster<float> out(outHeight, outWidth, 1);
  std::copy(resized.data_ptr<float>(), resized.data_ptr<float>() + resized.numel(), out.data.begin());
  return out;
}

} // namespace sinus
