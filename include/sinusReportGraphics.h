// SPDX-License-Identifier: Apache-2.0
#ifndef sinusReportGraphics_h
#define sinusReportGraphics_h

#include "sinus/Raster.h"

#include <string>
#include <vector>

namespace sinus
{

/** An RGB picture (H x W x 3) for reports. */
using RgbRaster = Raster<uint8_t>;

/** Draws `text` (5x7 bitmap glyphs: digits, letters -- lower case drawn as capitals -- and
 *  . , : ; - + = _ / ( ) % # < > !) with its top-left corner at (x, y), each glyph pixel `scale`
 *  pixels wide. Characters outside that set are drawn as a box, so nothing vanishes silently. */
void
DrawText(RgbRaster & canvas, int64_t x, int64_t y, const std::string & text, const uint8_t color[3], int scale = 2);

/** One line of a plot. */
struct PlotSeries
{
  std::string         label;
  std::vector<double> x, y;
  uint8_t             color[3] = { 200, 30, 30 };
};

/** One panel: a title, lines on a shared x axis, the y range from the data (or fixed). */
struct PlotPanel
{
  std::string             title;
  std::string             xLabel = "epoch";
  std::vector<PlotSeries> series;
  double                  yMin = 0, yMax = 0; ///< fixed range when yMax > yMin
};

/** Draws panels stacked vertically (axes, ticks with values, legend) and writes an RGB PNG. */
void
WriteLinePlotPng(const std::vector<PlotPanel> & panels, const std::string & path, int64_t width = 960, int64_t panelHeight = 300);

/** The radiograph in grey with the reference outline in green and the prediction outline in red
 *  (2 pixels wide), as an RGB raster; `grey` is 8-bit. */
RgbRaster
OverlayOutlines(const Raster<uint8_t> & grey, const Raster<uint8_t> & prediction, const Raster<uint8_t> & reference);

/** The loss curves of a training folder (teacher_log.csv, refinement_log.csv, student_log.csv,
 *  whichever exist) as one PNG: losses per epoch and validation Dice. Returns false when there is
 *  no log. */
bool
WriteLossCurvesPng(const std::string & trainingDirectory, const std::string & path);

/** Pictures side by side, top-aligned, `gap` white pixels apart, on white. */
RgbRaster
JoinPanels(const std::vector<RgbRaster> & panels, int64_t gap);

/** Pictures stacked top to bottom, left-aligned, `gap` white pixels apart, on white. */
RgbRaster
StackPanels(const std::vector<RgbRaster> & panels, int64_t gap);

/** Every `factor`-th pixel in each direction (factor >= 1): a smaller picture for a figure. */
RgbRaster
Subsample(const RgbRaster & picture, int64_t factor);

/** Writes an RGB raster as a PNG. */
void
WriteRgbPng(const RgbRaster & raster, const std::string & path);

} // namespace sinus

#endif
