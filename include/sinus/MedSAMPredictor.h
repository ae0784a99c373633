// SPDX-License-Identifier: Apache-2.0
#ifndef sinus_MedSAMPredictor_h
#define sinus_MedSAMPredictor_h

#include "sinus/ComputePrecision.h"
#include "sinus/MedSAMImageTransforms.h"
#include "sinus/SamModel.h"

#include <array>
#include <vector>

namespace sinus
{

/** A box prompt in the original image's pixel coordinates (x0, y0, x1, y1), as MedSAM takes it. */
struct BoxPrompt
{
  double x0 = 0, y0 = 0, x1 = 0, y1 = 0;
};

/** Point prompts in the original image's pixel coordinates; label 1 foreground, 0 background. */
struct PointPrompts
{
  std::vector<std::array<double, 2>> points;
  std::vector<int64_t>               labels;
};

struct MedSAMPrediction
{
  Raster<float>   probability;  ///< on the original image grid
  Raster<uint8_t> mask;         ///< probability > 0.5, 0/1
  torch::Tensor   lowResLogits; ///< 1 x 1 x 4h x 4w, kept for knowledge distillation
  float           iou = 0;      ///< the decoder's IoU estimate
};

/** MedSAM inference exactly as MedSAM_Inference.py: preprocess (PreprocessForMedSAM), encode the
 *  image once, then per prompt: scale to the model frame, decode with multimask_output=False,
 *  sigmoid, bilinear (align_corners=False) to the original size, > 0.5. */
class MedSAMPredictor
{
public:
  explicit MedSAMPredictor(Sam model);

  /** The image encoder's precision for the next SetImage (default Float32, the reference). */
  void
  SetPrecision(ComputePrecision precision)
  {
    m_Precision = precision;
  }
  ComputePrecision
  GetPrecision() const
  {
    return m_Precision;
  }

  /** Encodes a grey image with values in [0, 255]; the embedding is reused for every prompt. */
  void SetImage(const Raster<double> & grey, const ProgressCallback & progress = {});

  /** Throws std::invalid_argument for a box outside the image or of zero area. */
  MedSAMPrediction PredictBox(const BoxPrompt & box);
  MedSAMPrediction PredictPoints(const PointPrompts & prompts);

  /** The prompt for automatic sinus segmentation: the whole image, (0, 0, W, H). */
  BoxPrompt FullImageBox() const;

  const torch::Tensor & ImageEmbeddings() const { return m_Embeddings; }
  Sam &                 Model() { return m_Model; }

private:
  MedSAMPrediction Finish(const torch::Tensor & lowResLogits, const torch::Tensor & iou) const;
  void             RequireImage() const;

  Sam                m_Model;
  ComputePrecision m_Precision = ComputePrecision::Float32;
  torch::Tensor      m_Embeddings;
  int64_t            m_Height = 0, m_Width = 0;
};

/** The union of several prompts' predictions on one image: each box, then the points as one prompt
 *  (the full-image box when there are neither), their probabilities combined by the maximum. */
struct PromptUnion
{
  Raster<float>      probability; ///< on the original image grid
  std::vector<float> ious;        ///< the decoder's IoU estimate of each prompt, in that order
};

/** Encodes `grey` (values in [0, 255]) and predicts every prompt; `progress` goes 0 -> 0.8 while
 *  encoding and to 1 over the prompts (an exception thrown by it stops the work). */
PromptUnion
PredictPromptUnion(MedSAMPredictor & predictor, const Raster<double> & grey, const std::vector<BoxPrompt> & boxes,
                   const PointPrompts & points, const ProgressCallback & progress = {});

} // namespace sinus

#endif
