// SPDX-License-Identifier: Apache-2.0
#include "sinus/SegmenterInference.h"

#include "sinus/MedSAMImageTransforms.h"
#include "sinus/SegmentationMetrics.h"

#include <cstring>

namespace sinus
{

torch::Tensor
SegmenterInput(SegmenterImpl & segmenter, const torch::Tensor & imagesUInt8)
{
  return ResampleSquare(NormalizeSampleImages(imagesUInt8), segmenter.InputSize());
}

torch::Tensor
NetworkLogits(SegmenterImpl & segmenter, const torch::Tensor & input, bool mirrorAveraged)
{
  // float32 even where autocast computed in bfloat16: the mirror mean and the sigmoid after it
  // should not round again.
  const torch::Tensor logits = segmenter.Logits(input).to(torch::kFloat32);
  if (!mirrorAveraged)
    return logits;
  return 0.5 * (logits + segmenter.Logits(input.flip({ -1 })).to(torch::kFloat32).flip({ -1 }));
}

namespace
{
torch::Tensor
PredictBatches(SegmenterImpl & segmenter, const std::vector<SegmentationSample> & samples, int64_t batchSize, const torch::Device & device,
               const std::function<bool()> & shouldAbort, bool mirror)
{
  torch::NoGradGuard         noGrad;
  std::vector<torch::Tensor> parts;
  for (size_t first = 0; first < samples.size(); first += static_cast<size_t>(batchSize))
  {
    if (shouldAbort && shouldAbort())
      throw SegmenterTrainingAborted("prediction aborted");
    std::vector<torch::Tensor> images;
    for (size_t i = first; i < std::min(samples.size(), first + static_cast<size_t>(batchSize)); ++i)
      images.push_back(samples[i].image);
    const torch::Tensor input = SegmenterInput(segmenter, torch::stack(images).to(device));
    parts.push_back(NetworkLogits(segmenter, input, mirror).to(torch::kCPU));
  }
  if (parts.empty())
    return torch::empty({ 0, 1, segmenter.LogitSize(), segmenter.LogitSize() });
  return torch::cat(parts);
}
} // namespace

torch::Tensor
PredictSampleLogits(SegmenterImpl & segmenter, const std::vector<SegmentationSample> & samples, int64_t batchSize,
                    const torch::Device & device, const std::function<bool()> & shouldAbort)
{
  return PredictBatches(segmenter, samples, batchSize, device, shouldAbort, false);
}

torch::Tensor
PredictMirrorAveragedLogits(SegmenterImpl & segmenter, const std::vector<SegmentationSample> & samples, int64_t batchSize,
                            const torch::Device & device, const std::function<bool()> & shouldAbort)
{
  return PredictBatches(segmenter, samples, batchSize, device, shouldAbort, true);
}

namespace
{
/** sigmoid, then bilinear (align_corners=False) to height x width: 1 x 1 x H x W, contiguous. */
torch::Tensor
ProbabilityOnGrid(const torch::Tensor & logits, int64_t height, int64_t width)
{
  namespace F = torch::nn::functional;
  return F::interpolate(torch::sigmoid(logits.to(torch::kCPU, torch::kFloat32).view({ 1, 1, logits.size(-2), logits.size(-1) })),
                        F::InterpolateFuncOptions().size(std::vector<int64_t>{ height, width }).mode(torch::kBilinear).align_corners(false))
    .contiguous();
}
} // namespace

Raster<uint8_t>
LogitsToOriginalMask(const torch::Tensor & logits, int64_t height, int64_t width)
{
  const torch::Tensor mask = (ProbabilityOnGrid(logits, height, width) > 0.5).to(torch::kUInt8).contiguous();
  Raster<uint8_t>     out(height, width);
  std::memcpy(out.data.data(), mask.data_ptr<uint8_t>(), out.data.size());
  return out;
}

Raster<float>
LogitsToOriginalProbability(const torch::Tensor & logits, int64_t height, int64_t width)
{
  const torch::Tensor probability = ProbabilityOnGrid(logits, height, width);
  Raster<float>       out(height, width);
  std::memcpy(out.data.data(), probability.data_ptr<float>(), out.data.size() * sizeof(float));
  return out;
}

std::vector<Raster<float>>
PredictOriginalProbabilities(SegmenterImpl & segmenter, const std::vector<SegmentationSample> & samples, int64_t batchSize,
                             const torch::Device & device, bool mirrorAveraged)
{
  const torch::Tensor        logits = PredictBatches(segmenter, samples, batchSize, device, {}, mirrorAveraged);
  std::vector<Raster<float>> probabilities;
  for (size_t i = 0; i < samples.size(); ++i)
    probabilities.push_back(LogitsToOriginalProbability(logits[static_cast<int64_t>(i)], samples[i].height, samples[i].width));
  return probabilities;
}

Raster<float>
PredictProbability(SegmenterImpl & segmenter, const Raster<double> & grey, bool mirrorAveraged, ComputePrecision precision)
{
  const int64_t            size = segmenter.InputSize();
  const MedSAMPreprocessed pre = PreprocessForMedSAM(grey, size);
  const torch::Tensor      image =
    torch::from_blob(const_cast<uint8_t *>(pre.resizedUInt8.data.data()), { 1, size, size, 3 }, torch::kUInt8).permute({ 0, 3, 1, 2 });
  // Inference mode: besides no gradients, no version counters or view tracking; the probability
  // leaves as a raster, never to meet autograd.
  const c10::InferenceMode inference;
  torch::Tensor            logits;
  {
    const PrecisionScope scope(precision);
    logits = NetworkLogits(segmenter, SegmenterInput(segmenter, image), mirrorAveraged);
  }
  return LogitsToOriginalProbability(logits, grey.height, grey.width);
}

double
MeanDiceOnOriginalGrid(const torch::Tensor & logits, const std::vector<SegmentationSample> & samples)
{
  double  sum = 0;
  int64_t count = 0;
  for (size_t i = 0; i < samples.size(); ++i)
  {
    const SegmentationSample & s = samples[i];
    if (s.fullLabel.Empty())
      continue;
    const Raster<uint8_t> prediction = LogitsToOriginalMask(logits[static_cast<int64_t>(i)], s.height, s.width);
    sum += DiceCoefficient(prediction.data.data(), s.fullLabel.data.data(), prediction.data.size());
    ++count;
  }
  return count == 0 ? -1.0 : sum / static_cast<double>(count);
}

} // namespace sinus
