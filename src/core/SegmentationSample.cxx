// SPDX-License-Identifier: Apache-2.0
#include "sinus/SegmentationSample.h"

#include "sinus/MaskPostprocessing.h"
#include "sinus/MedSAMImageTransforms.h"

namespace sinus
{

const torch::Tensor &
SegmentationSample::LabelAt(int64_t grid) const
{
  const auto it = labels.find(grid);
  if (it != labels.end())
    return it->second;
  std::string have;
  for (const auto & [size, label] : labels)
    have += (have.empty() ? "" : ", ") + std::to_string(size);
  throw std::invalid_argument(name + ": no label on a " + std::to_string(grid) + "x" + std::to_string(grid) + " grid (" +
                              (have.empty() ? std::string("the sample is unlabelled") : "prepared for " + have) + ")");
}

torch::Tensor
MaskToLabelGrid(const Raster<uint8_t> & mask, int64_t grid)
{
  torch::Tensor t = torch::empty({ 1, 1, mask.height, mask.width }, torch::kFloat32);
  float *       out = t.data_ptr<float>();
  for (size_t i = 0; i < mask.data.size(); ++i)
    out[i] = mask.data[i] != 0 ? 1.0f : 0.0f;
  namespace F = torch::nn::functional;
  // Area averaging keeps the fraction of foreground in each logit cell (a soft label at the border).
  if (mask.height >= grid && mask.width >= grid)
    t = F::adaptive_avg_pool2d(t, F::AdaptiveAvgPool2dFuncOptions({ grid, grid }));
  else
    t = F::interpolate(t, F::InterpolateFuncOptions().size(std::vector<int64_t>{ grid, grid }).mode(torch::kBilinear).align_corners(false));
  return t[0].contiguous();
}

SegmentationSample
MakeSegmentationSample(const std::string & name, const Raster<double> & grey, const Raster<uint8_t> & mask, int64_t inputSize,
                       const std::vector<int64_t> & labelGrids, const std::vector<double> & spacing)
{
  if (grey.channels != 1)
    throw std::invalid_argument(name + ": expected a grey image, got " + std::to_string(grey.channels) + " channels");
  if (!mask.Empty() && (mask.height != grey.height || mask.width != grey.width))
    throw std::invalid_argument(name + ": label is " + std::to_string(mask.width) + "x" + std::to_string(mask.height) +
                                " but the image is " + std::to_string(grey.width) + "x" + std::to_string(grey.height));
  if (!mask.Empty() && labelGrids.empty())
    throw std::invalid_argument(name + ": a labelled sample needs at least one label grid");
  SegmentationSample sample;
  sample.name = name;
  sample.height = grey.height;
  sample.width = grey.width;
  sample.spacing = spacing;
  const MedSAMPreprocessed pre = PreprocessForMedSAM(grey, inputSize);
  sample.image = torch::from_blob(const_cast<uint8_t *>(pre.resizedUInt8.data.data()), { inputSize, inputSize, 3 }, torch::kUInt8)
                   .permute({ 2, 0, 1 })
                   .contiguous();
  if (mask.Empty())
    return sample;
  for (int64_t grid : labelGrids)
    sample.labels[grid] = MaskToLabelGrid(mask, grid);
  sample.fullLabel = Raster<uint8_t>(mask.height, mask.width);
  for (size_t i = 0; i < mask.data.size(); ++i)
    sample.fullLabel.data[i] = mask.data[i] != 0 ? 1 : 0;
  sample.smallestObjectFraction =
    static_cast<double>(SmallestObjectPixels(sample.fullLabel)) / static_cast<double>(sample.fullLabel.NumberOfPixels());
  return sample;
}

torch::Tensor
NormalizeSampleImages(const torch::Tensor & imagesUInt8)
{
  // MedSAM: (u8 - min) / clip(max - min, 1e-8), over each whole 3-channel image.
  const torch::Tensor x = imagesUInt8.to(torch::kFloat32);
  const torch::Tensor flat = x.flatten(1);
  const torch::Tensor low = std::get<0>(flat.min(1)).view({ -1, 1, 1, 1 });
  const torch::Tensor high = std::get<0>(flat.max(1)).view({ -1, 1, 1, 1 });
  return (x - low) / (high - low).clamp_min(1e-8);
}

} // namespace sinus
