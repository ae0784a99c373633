// SPDX-License-Identifier: Apache-2.0
#ifndef sinus_SegmenterInference_h
#define sinus_SegmenterInference_h

#include "sinus/ComputePrecision.h"
#include "sinus/SegmentationSample.h"
#include "sinus/Segmenter.h"

#include <functional>
#include <stdexcept>
#include <vector>

namespace sinus
{

/** Raised when a caller's shouldAbort() returns true. */
class SegmenterTrainingAborted : public std::runtime_error
{
public:
  using std::runtime_error::runtime_error;
};

/** The network's input for a batch of samples' uint8 images: MedSAM's normalisation, resampled to
 *  the network's input size when the samples were prepared at another size. */
torch::Tensor
SegmenterInput(SegmenterImpl & segmenter, const torch::Tensor & imagesUInt8);

/** The network's float32 logits for a prepared input batch (SegmenterInput); with `mirrorAveraged`,
 *  the mean with its logits on the left-right mirrored batch, mirrored back (TestTimeMirror.h). */
torch::Tensor
NetworkLogits(SegmenterImpl & segmenter, const torch::Tensor & input, bool mirrorAveraged);

/** Logits of every sample, N x 1 x L x L on the CPU, without augmentation or gradients, with the
 *  network's automatic prompt (the whole image for SAM). */
torch::Tensor
PredictSampleLogits(SegmenterImpl & segmenter, const std::vector<SegmentationSample> & samples, int64_t batchSize,
                    const torch::Device & device, const std::function<bool()> & shouldAbort = {});

/** As PredictSampleLogits, averaged with the left-right mirrored images' logits mirrored back
 *  (test-time augmentation: a panoramic radiograph is roughly symmetric). */
torch::Tensor
PredictMirrorAveragedLogits(SegmenterImpl & segmenter, const std::vector<SegmentationSample> & samples, int64_t batchSize,
                            const torch::Device & device, const std::function<bool()> & shouldAbort = {});

/** A sample's prediction on its original grid, exactly as `sinusseg predict` makes it: sigmoid,
 *  bilinear (align_corners=False) to the original size, > 0.5. */
Raster<uint8_t>
LogitsToOriginalMask(const torch::Tensor & logits, int64_t height, int64_t width);

/** A sample's probability map on its original grid: sigmoid, bilinear (align_corners=False) to the
 *  original size -- what LogitsToOriginalMask thresholds. */
Raster<float>
LogitsToOriginalProbability(const torch::Tensor & logits, int64_t height, int64_t width);

/** Every sample's probability map on its original grid (PredictSampleLogits, or
 *  PredictMirrorAveragedLogits with `mirrorAveraged`, then LogitsToOriginalProbability). */
std::vector<Raster<float>>
PredictOriginalProbabilities(SegmenterImpl & segmenter, const std::vector<SegmentationSample> & samples, int64_t batchSize,
                             const torch::Device & device, bool mirrorAveraged);

/** One radiograph (grey values in [0, 255]) through any segmenter with its automatic prompt, as
 *  training evaluates it: MedSAM's preprocessing at the network's input size, logits (mirror-averaged
 *  with `mirrorAveraged`, as the model file says: ReadTestTimeMirror), sigmoid, bilinear
 *  (align_corners=False) back to the radiograph's grid. The network computes in `precision`
 *  (PrecisionScope); everything after its logits in float32. */
Raster<float>
PredictProbability(SegmenterImpl & segmenter, const Raster<double> & grey, bool mirrorAveraged,
                   ComputePrecision precision = ComputePrecision::Float32);

/** Mean Dice on the original grids of samples with a fullLabel (-1 when none has one). */
double
MeanDiceOnOriginalGrid(const torch::Tensor & logits, const std::vector<SegmentationSample> & samples);

} // namespace sinus

#endif
