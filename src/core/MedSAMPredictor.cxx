// SPDX-License-Identifier: Apache-2.0
#include "sinus/MedSAMPredictor.h"
#include "sinus/MedSAMPostprocessing.h"

#include "sinus/TensorDictionary.h"

#include <algorithm>
#include <sstream>

namespace sinus
{

MedSAMPredictor::MedSAMPredictor(Sam model)
  : m_Model(std::move(model))
{
  m_Model->eval();
}

void
MedSAMPredictor::SetImage(const Raster<double> & grey, const ProgressCallback & progress)
{
  const auto & encoder = m_Model->config.imageEncoder;
  const MedSAMPreprocessed preprocessed = PreprocessForMedSAM(grey, encoder.imgSize, [&](double f) {
    if (progress)
      progress(0.3 * f);
  });
  // Inference mode: the embeddings only ever meet the decoder, without gradients.
  const c10::InferenceMode inference;
  {
    // The ViT-B encoder is nearly all of the work; the prompt encoder and decoder stay float32.
    const PrecisionScope scope(m_Precision);
    m_Embeddings = m_Model->image_encoder->forward(RasterToNCHW(preprocessed.input)).to(torch::kFloat32);
  }
  m_Height = grey.height;
  m_Width = grey.width;
  if (progress)
    progress(1.0);
}

void
MedSAMPredictor::RequireImage() const
{
  if (!m_Embeddings.defined())
    throw std::logic_error("MedSAMPredictor: call SetImage before predicting");
}

BoxPrompt
MedSAMPredictor::FullImageBox() const
{
  RequireImage();
  return { 0.0, 0.0, static_cast<double>(m_Width), static_cast<double>(m_Height) };
}

MedSAMPrediction
MedSAMPredictor::PredictBox(const BoxPrompt & box)
{
  RequireImage();
  const double W = static_cast<double>(m_Width), H = static_cast<double>(m_Height);
  if (!(box.x0 >= 0 && box.y0 >= 0 && box.x1 <= W && box.y1 <= H))
  {
    std::ostringstream s;
    s << "box (" << box.x0 << ", " << box.y0 << ", " << box.x1 << ", " << box.y1 << ") lies outside the " << m_Width << "x"
      << m_Height << " image";
    throw std::invalid_argument(s.str());
  }
  if (!(box.x1 > box.x0 && box.y1 > box.y0))
  {
    std::ostringstream s;
    s << "box (" << box.x0 << ", " << box.y0 << ", " << box.x1 << ", " << box.y1 << ") has zero area (need x1 > x0 and y1 > y0)";
    throw std::invalid_argument(s.str());
  }
  // box / [W, H, W, H] * size in float64, then float32 (MedSAM_Inference.py).
  const double  size = static_cast<double>(m_Model->config.imageEncoder.imgSize);
  torch::Tensor boxes = torch::tensor({ box.x0 / W * size, box.y0 / H * size, box.x1 / W * size, box.y1 / H * size },
                                      torch::kFloat64)
                          .to(torch::kFloat32)
                          .reshape({ 1, 1, 4 });
  torch::NoGradGuard noGrad;
  auto [logits, iou] = m_Model->DecodeBoxes(m_Embeddings, boxes);
  return Finish(logits, iou);
}

MedSAMPrediction
MedSAMPredictor::PredictPoints(const PointPrompts & prompts)
{
  RequireImage();
  if (prompts.points.empty() || prompts.points.size() != prompts.labels.size())
    throw std::invalid_argument("point prompts: need at least one point and one label per point");
  const double W = static_cast<double>(m_Width), H = static_cast<double>(m_Height);
  const double size = static_cast<double>(m_Model->config.imageEncoder.imgSize);
  std::vector<double> coordinates;
  for (size_t i = 0; i < prompts.points.size(); ++i)
  {
    const auto & p = prompts.points[i];
    if (!(p[0] >= 0 && p[0] <= W && p[1] >= 0 && p[1] <= H))
    {
      std::ostringstream s;
      s << "point (" << p[0] << ", " << p[1] << ") lies outside the " << m_Width << "x" << m_Height << " image";
      throw std::invalid_argument(s.str());
    }
    if (prompts.labels[i] != 0 && prompts.labels[i] != 1)
      throw std::invalid_argument("point labels must be 1 (foreground) or 0 (background)");
    coordinates.push_back(p[0] * size / W);
    coordinates.push_back(p[1] * size / H);
  }
  const int64_t n = static_cast<int64_t>(prompts.points.size());
  torch::Tensor points = torch::tensor(coordinates, torch::kFloat64).to(torch::kFloat32).reshape({ 1, n, 2 });
  torch::Tensor labels = torch::tensor(prompts.labels, torch::kInt64).reshape({ 1, n });
  torch::NoGradGuard noGrad;
  auto [sparse, dense] = m_Model->prompt_encoder->forward(points, labels, {}, {});
  auto [masks, iou] = m_Model->mask_decoder->forward(m_Embeddings, m_Model->prompt_encoder->DenseImagePositionalEncoding(),
                                                     sparse, dense);
  return Finish(masks.narrow(1, 0, 1), iou.narrow(1, 0, 1));
}

MedSAMPrediction
MedSAMPredictor::Finish(const torch::Tensor & lowResLogits, const torch::Tensor & iou) const
{
  MedSAMPrediction result;
  result.lowResLogits = lowResLogits;
  result.iou = iou.flatten()[0].item<float>();
  const Raster<float> lowResolution = TensorToRaster<float>(torch::sigmoid(lowResLogits).squeeze(0).squeeze(0));
  result.probability = ResizeBilinearAlignCornersFalse(lowResolution, m_Height, m_Width);
  result.mask = ThresholdProbability(result.probability, 0.5f, 1);
  return result;
}

PromptUnion
PredictPromptUnion(MedSAMPredictor & predictor, const Raster<double> & grey, const std::vector<BoxPrompt> & boxes,
                   const PointPrompts & points, const ProgressCallback & progress)
{
  const auto report = [&](double fraction) {
    if (progress)
      progress(fraction);
  };
  predictor.SetImage(grey, [&](double f) { report(0.8 * f); });
  const bool                   withPoints = !points.points.empty();
  const std::vector<BoxPrompt> prompts = (boxes.empty() && !withPoints) ? std::vector<BoxPrompt>{ predictor.FullImageBox() } : boxes;
  const size_t                 count = prompts.size() + (withPoints ? 1 : 0);
  PromptUnion                  result{ Raster<float>(grey.height, grey.width, 1, 0.0f), {} };
  for (size_t p = 0; p < count; ++p)
  {
    const MedSAMPrediction prediction = p < prompts.size() ? predictor.PredictBox(prompts[p]) : predictor.PredictPoints(points);
    for (size_t i = 0; i < result.probability.data.size(); ++i)
      result.probability.data[i] = std::max(result.probability.data[i], prediction.probability.data[i]);
    result.ious.push_back(prediction.iou);
    report(0.8 + 0.2 * static_cast<double>(p + 1) / static_cast<double>(count));
  }
  return result;
}

} // namespace sinus
