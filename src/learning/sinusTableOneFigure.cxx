// SPDX-License-Identifier: Apache-2.0
#include "sinusTableOneFigure.h"

#include "sinus/MaskPostprocessing.h"
#include "sinus/SegmentationMetrics.h"
#include "sinus/SegmenterInference.h"
#include "sinus/SegmenterRegistry.h"
#include "sinus/TestTimeMirror.h"
#include "sinusImageIO.h"
#include "sinusReportGraphics.h"

#include <cstdio>

namespace sinus
{
namespace
{
const uint8_t kWhite[3] = { 255, 255, 255 };
const uint8_t kBlack[3] = { 0, 0, 0 };

/** The masks of one model file on the cases, on their original grids, as its evaluation measured
 *  them: with the test-time mirroring and postprocessing stored in the file. */
std::vector<Raster<uint8_t>>
PredictCases(const std::string & modelPath, const std::vector<SegmentationSample> & cases)
{
  Json                             metadata;
  Segmenter                        model = LoadSegmenterModel(modelPath, &metadata);
  const MaskPostprocessing         postprocessing = MaskPostprocessing::FromModelMetadata(metadata, modelPath).value_or(MaskPostprocessing{});
  const std::vector<Raster<float>> probabilities = PredictOriginalProbabilities(*model, cases, 4, torch::kCPU, ReadTestTimeMirror(metadata, modelPath));
  std::vector<Raster<uint8_t>>     masks;
  for (const Raster<float> & probability : probabilities)
    masks.push_back(ApplyMaskPostprocessing(probability, postprocessing));
  return masks;
}

RgbRaster
LabelPanel(const std::string & text, int64_t width)
{
  RgbRaster label(24, width, 3, 255);
  DrawText(label, 4, 5, text, kBlack, 2);
  return label;
}

RgbRaster
MaskPanel(const Raster<uint8_t> & mask)
{
  RgbRaster panel(mask.height, mask.width, 3);
  for (size_t i = 0; i < mask.data.size(); ++i)
    for (size_t c = 0; c < 3; ++c)
      panel.data[i * 3 + c] = mask.data[i] ? 255 : 0;
  return panel;
}
} // namespace

void
WriteTableOneFigure(const std::vector<std::pair<std::string, std::string>> & models, const std::vector<SegmentationSample> & cases,
                    const std::string & path)
{
  if (cases.empty() || models.empty())
    throw std::invalid_argument("Figure 5: no test images or no models");
  std::vector<std::vector<Raster<uint8_t>>> predictions;
  for (const auto & [label, modelPath] : models)
    predictions.push_back(PredictCases(modelPath, cases));
  std::vector<RgbRaster> lines;
  for (size_t i = 0; i < cases.size(); ++i)
  {
    const SegmentationSample & s = cases[i];
    const Raster<uint8_t>      grey = ReadGreyForDisplay(s.source);
    const int64_t              factor = std::max<int64_t>(1, (grey.height + 255) / 256);
    std::vector<RgbRaster>     panels{ Subsample(OverlayOutlines(grey, {}, {}), factor) };
    for (size_t m = 0; m < models.size(); ++m)
    {
      const Raster<uint8_t> & mask = predictions[m][i];
      const double dice = ComputeSegmentationMetrics(mask.data.data(), s.fullLabel.data.data(), MaskGrid{ { s.width, s.height }, s.spacing }).dice;
      RgbRaster    panel = Subsample(OverlayOutlines(grey, mask, s.fullLabel), factor);
      char         text[32];
      std::snprintf(text, sizeof(text), "%.3f", dice);
      DrawText(panel, 4, 4, text, kWhite, 2);
      panels.push_back(std::move(panel));
    }
    panels.push_back(Subsample(MaskPanel(s.fullLabel), factor));
    if (i == 0)
    {
      std::vector<RgbRaster> labels{ LabelPanel("input", panels[0].width) };
      for (size_t m = 0; m < models.size(); ++m)
        labels.push_back(LabelPanel(models[m].first, panels[m + 1].width));
      labels.push_back(LabelPanel("ground truth", panels.back().width));
      lines.push_back(JoinPanels(labels, 6));
    }
    lines.push_back(JoinPanels(panels, 6));
  }
  WriteRgbPng(StackPanels(lines, 6), path);
}

} // namespace sinus
