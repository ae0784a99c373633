// SPDX-License-Identifier: Apache-2.0
// Pictures for reports, drawn without a display: text, line plots (the training curves) and
// outlines, written as RGB PNGs through ITK.
#include "sinusReportGraphics.h"

#include "sinus/Csv.h"
#include "sinusImageIO.h"

#include "itkRGBPixel.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>

namespace sinus
{
namespace fs = std::filesystem;

namespace
{
// 5 x 7 glyphs, one string of 35 cells per character ('#' = ink), drawn for this project.
const std::map<char, const char *> &
Glyphs()
{
  static const std::map<char, const char *> glyphs{
    { '0', " ### #   ##  ### # ###  ##   # ### " },
    { '1', "  #   ##    #    #    #    #   ### " },
    { '2', " ### #   #    #   #   #   #   #####" },
    { '3', "#####   #   #     #     ##   # ### " },
    { '4', "   #   ##  # # #  # #####   #    # " },
    { '5', "######    ####     #    ##   # ### " },
    { '6', "  ##  #   #    #### #   ##   # ### " },
    { '7', "#####    #   #   #   #    #    #   " },
    { '8', " ### #   ##   # ### #   ##   # ### " },
    { '9', " ### #   ##   # ####    #   #  ##  " },
    { 'A', " ### #   ##   #######   ##   ##   #" },
    { 'B', "#### #   ##   ##### #   ##   ##### " },
    { 'C', " ### #   ##    #    #    #   # ### " },
    { 'D', "#### #   ##   ##   ##   ##   ##### " },
    { 'E', "######    #    #### #    #    #####" },
    { 'F', "######    #    #### #    #    #    " },
    { 'G', " ### #   ##    # ####   ##   # ####" },
    { 'H', "#   ##   ##   #######   ##   ##   #" },
    { 'I', " ###   #    #    #    #    #   ### " },
    { 'J', "  ###   #    #    #    # #  #  ##  " },
    { 'K', "#   ##  # # #  ##   # #  #  # #   #" },
    { 'L', "#    #    #    #    #    #    #####" },
    { 'M', "#   ### ### # ## # ##   ##   ##   #" },
    { 'N', "#   ##   ###  ## # ##  ###   ##   #" },
    { 'O', " ### #   ##   ##   ##   ##   # ### " },
    { 'P', "#### #   ##   ##### #    #    #    " },
    { 'Q', " ### #   ##   ##   ## # ##  #  ## #" },
    { 'R', "#### #   ##   ##### # #  #  # #   #" },
    { 'S', " #####    #     ###     #    ##### " },
    { 'T', "#####  #    #    #    #    #    #  " },
    { 'U', "#   ##   ##   ##   ##   ##   # ### " },
    { 'V', "#   ##   ##   ##   ##   # # #   #  " },
    { 'W', "#   ##   ##   ## # ## # ## # # # # " },
    { 'X', "#   ##   # # #   #   # # #   ##   #" },
    { 'Y', "#   ##   # # #   #    #    #    #  " },
    { 'Z', "#####    #   #   #   #   #    #####" },
    { '.', "                          ##   ##  " },
    { ',', "                     ##    #   #   " },
    { ':', "      ##   ##        ##   ##       " },
    { ';', "      ##   ##        ##    #   #   " },
    { '-', "               #####               " },
    { '+', "       #    #  #####  #    #       " },
    { '=', "          #####     #####          " },
    { '_', "                              #####" },
    { '/', "    #    #   #   #   #   #    #    " },
    { '(', "   #   #   #    #    #     #     # " },
    { ')', " #     #     #    #    #   #   #   " },
    { '%', "##   ##  #   #   #   #   #  ##   ##" },
    { '#', " # # ##### # # ##### # #           " },
    { '<', "   #   #   #   #     #     #     # " },
    { '>', " #     #     #     #   #   #   #   " },
    { '!', "  #    #    #    #    #         #  " },
    { ' ', "                                   " },
  };
  return glyphs;
}

void
SetPixel(RgbRaster & canvas, int64_t x, int64_t y, const uint8_t color[3])
{
  if (x < 0 || y < 0 || x >= canvas.width || y >= canvas.height)
    return;
  for (int c = 0; c < 3; ++c)
    canvas(y, x, c) = color[c];
}

void
DrawLine(RgbRaster & canvas, double x0, double y0, double x1, double y1, const uint8_t color[3], int thickness = 2)
{
  const double steps = std::max({ std::abs(x1 - x0), std::abs(y1 - y0), 1.0 });
  for (int64_t i = 0; i <= static_cast<int64_t>(steps); ++i)
  {
    const double t = static_cast<double>(i) / steps;
    const auto   x = static_cast<int64_t>(std::lround(x0 + t * (x1 - x0))), y = static_cast<int64_t>(std::lround(y0 + t * (y1 - y0)));
    for (int dy = 0; dy < thickness; ++dy)
      for (int dx = 0; dx < thickness; ++dx)
        SetPixel(canvas, x + dx, y + dy, color);
  }
}

std::string
FormatTick(double v)
{
  char text[32];
  const double a = std::abs(v);
  if (a != 0 && (a < 1e-3 || a >= 1e5))
    std::snprintf(text, sizeof(text), "%.1e", v);
  else if (a < 1)
    std::snprintf(text, sizeof(text), "%.3f", v);
  else if (a < 100)
    std::snprintf(text, sizeof(text), "%.2f", v);
  else
    std::snprintf(text, sizeof(text), "%.0f", v);
  return text;
}

} // namespace

void
WriteRgbPng(const RgbRaster & raster, const std::string & path)
{
  using RGBImageType = itk::Image<itk::RGBPixel<uint8_t>, 2>;
  auto                   image = RGBImageType::New();
  RGBImageType::SizeType size;
  size[0] = static_cast<itk::SizeValueType>(raster.width);
  size[1] = static_cast<itk::SizeValueType>(raster.height);
  image->SetRegions(RGBImageType::RegionType(size));
  image->Allocate();
  itk::RGBPixel<uint8_t> * out = image->GetBufferPointer();
  for (int64_t i = 0; i < raster.height * raster.width; ++i)
    for (int c = 0; c < 3; ++c)
      out[i][c] = raster.data[static_cast<size_t>(i * 3 + c)];
  sinus::WriteImage(image.GetPointer(), path);
}



void
DrawText(RgbRaster & canvas, int64_t x, int64_t y, const std::string & text, const uint8_t color[3], int scale)
{
  static const char * unknown = "######   ##   ##   ##   ##   ######";
  int64_t             cursor = x;
  for (char raw : text)
  {
    const char  c = static_cast<char>(std::toupper(static_cast<unsigned char>(raw)));
    const auto  found = Glyphs().find(c);
    const char * glyph = found == Glyphs().end() ? unknown : found->second;
    for (int row = 0; row < 7; ++row)
      for (int col = 0; col < 5; ++col)
        if (glyph[row * 5 + col] == '#')
          for (int dy = 0; dy < scale; ++dy)
            for (int dx = 0; dx < scale; ++dx)
              SetPixel(canvas, cursor + col * scale + dx, y + row * scale + dy, color);
    cursor += 6 * scale;
  }
}

void
WriteLinePlotPng(const std::vector<PlotPanel> & panels, const std::string & path, int64_t width, int64_t panelHeight)
{
  RgbRaster      canvas(panelHeight * static_cast<int64_t>(panels.size()), width, 3, 255);
  const uint8_t  black[3] = { 0, 0, 0 }, grid[3] = { 225, 225, 225 };
  const int64_t  left = 110, right = 20, top = 40, bottom = 50;
  for (size_t p = 0; p < panels.size(); ++p)
  {
    const PlotPanel & panel = panels[p];
    const int64_t     y0 = static_cast<int64_t>(p) * panelHeight;
    double            xMin = INFINITY, xMax = -INFINITY, yMin = INFINITY, yMax = -INFINITY;
    for (const auto & s : panel.series)
      for (size_t i = 0; i < s.x.size() && i < s.y.size(); ++i)
        if (std::isfinite(s.y[i]))
        {
          xMin = std::min(xMin, s.x[i]);
          xMax = std::max(xMax, s.x[i]);
          yMin = std::min(yMin, s.y[i]);
          yMax = std::max(yMax, s.y[i]);
        }
    if (panel.yMax > panel.yMin)
    {
      yMin = panel.yMin;
      yMax = panel.yMax;
    }
    if (!std::isfinite(xMin))
    {
      xMin = 0;
      xMax = 1;
      yMin = 0;
      yMax = 1;
    }
    if (xMax <= xMin)
      xMax = xMin + 1;
    if (yMax <= yMin)
    {
      yMax = yMin + std::max(std::abs(yMin) * 0.1, 1e-6);
      yMin -= std::max(std::abs(yMin) * 0.1, 1e-6);
    }
    const double plotW = static_cast<double>(width - left - right), plotH = static_cast<double>(panelHeight - top - bottom);
    const auto   px = [&](double x) { return static_cast<double>(left) + (x - xMin) / (xMax - xMin) * plotW; };
    const auto   py = [&](double y) { return static_cast<double>(y0 + top) + (1.0 - (y - yMin) / (yMax - yMin)) * plotH; };
    DrawText(canvas, left, y0 + 10, panel.title, black, 2);
    for (int t = 0; t <= 4; ++t)
    {
      const double v = yMin + (yMax - yMin) * t / 4.0;
      DrawLine(canvas, px(xMin), py(v), px(xMax), py(v), grid, 1);
      const std::string label = FormatTick(v);
      DrawText(canvas, left - 8 - 12 * static_cast<int64_t>(label.size()), static_cast<int64_t>(py(v)) - 7, label, black, 2);
    }
    const int64_t xTicks = std::min<int64_t>(10, static_cast<int64_t>(xMax - xMin));
    for (int64_t t = 0; t <= std::max<int64_t>(xTicks, 1); ++t)
    {
      const double v = xMin + (xMax - xMin) * static_cast<double>(t) / static_cast<double>(std::max<int64_t>(xTicks, 1));
      DrawLine(canvas, px(v), py(yMin), px(v), py(yMin) + 6, black, 1);
      char label_[32];
      std::snprintf(label_, sizeof(label_), "%.0f", std::round(v));
      const std::string label = label_;
      DrawText(canvas, static_cast<int64_t>(px(v)) - 6 * static_cast<int64_t>(label.size()), static_cast<int64_t>(py(yMin)) + 10, label,
               black, 2);
    }
    DrawText(canvas, left + static_cast<int64_t>(plotW) / 2 - 30, y0 + panelHeight - 18, panel.xLabel, black, 2);
    DrawLine(canvas, px(xMin), py(yMin), px(xMax), py(yMin), black, 2);
    DrawLine(canvas, px(xMin), py(yMin), px(xMin), py(yMax), black, 2);
    int64_t legendX = left + 10;
    for (const auto & s : panel.series)
    {
      for (size_t i = 1; i < s.x.size() && i < s.y.size(); ++i)
        if (std::isfinite(s.y[i - 1]) && std::isfinite(s.y[i]))
          DrawLine(canvas, px(s.x[i - 1]), py(s.y[i - 1]), px(s.x[i]), py(s.y[i]), s.color, 2);
      if (s.x.size() == 1 && std::isfinite(s.y[0]))
        DrawLine(canvas, px(s.x[0]) - 3, py(s.y[0]), px(s.x[0]) + 3, py(s.y[0]), s.color, 3);
      DrawLine(canvas, static_cast<double>(legendX), static_cast<double>(y0 + top + 8), static_cast<double>(legendX + 24),
               static_cast<double>(y0 + top + 8), s.color, 3);
      DrawText(canvas, legendX + 30, y0 + top + 2, s.label, s.color, 2);
      legendX += 30 + 12 * static_cast<int64_t>(s.label.size()) + 30;
    }
  }
  WriteRgbPng(canvas, path);
}

namespace
{
/** Pictures side by side (`horizontal`) or stacked, aligned at the top-left, `gap` pixels apart. */
RgbRaster
ArrangePanels(const std::vector<RgbRaster> & panels, int64_t gap, bool horizontal)
{
  int64_t along = 0, across = 0;
  for (const auto & p : panels)
  {
    along += (horizontal ? p.width : p.height) + (along > 0 ? gap : 0);
    across = std::max(across, horizontal ? p.height : p.width);
  }
  RgbRaster out(horizontal ? across : along, horizontal ? along : across, 3, 255);
  int64_t   offset = 0;
  for (const auto & p : panels)
  {
    const int64_t left = horizontal ? offset : 0, top = horizontal ? 0 : offset;
    for (int64_t y = 0; y < p.height; ++y)
      std::copy_n(&p.data[static_cast<size_t>(y * p.width * 3)], p.width * 3, &out.data[static_cast<size_t>(((top + y) * out.width + left) * 3)]);
    offset += (horizontal ? p.width : p.height) + gap;
  }
  return out;
}
} // namespace

RgbRaster
JoinPanels(const std::vector<RgbRaster> & panels, int64_t gap)
{
  return ArrangePanels(panels, gap, true);
}

RgbRaster
StackPanels(const std::vector<RgbRaster> & panels, int64_t gap)
{
  return ArrangePanels(panels, gap, false);
}

RgbRaster
Subsample(const RgbRaster & picture, int64_t factor)
{
  if (factor < 1)
    throw std::invalid_argument("Subsample: the factor must be at least 1");
  RgbRaster small((picture.height + factor - 1) / factor, (picture.width + factor - 1) / factor, 3);
  for (int64_t y = 0; y < small.height; ++y)
    for (int64_t x = 0; x < small.width; ++x)
      for (int64_t c = 0; c < 3; ++c)
        small.data[static_cast<size_t>((y * small.width + x) * 3 + c)] = picture.data[static_cast<size_t>(((y * factor) * picture.width + x * factor) * 3 + c)];
  return small;
}

RgbRaster
OverlayOutlines(const Raster<uint8_t> & grey, const Raster<uint8_t> & prediction, const Raster<uint8_t> & reference)
{
  RgbRaster out(grey.height, grey.width, 3);
  for (int64_t i = 0; i < grey.height * grey.width; ++i)
    for (int c = 0; c < 3; ++c)
      out.data[static_cast<size_t>(i * 3 + c)] = grey.data[static_cast<size_t>(i)];
  const auto outline = [&](const Raster<uint8_t> & mask, const uint8_t color[3]) {
    if (mask.Empty())
      return;
    const int thickness = std::max<int>(1, static_cast<int>(grey.width / 500));
    for (int64_t y = 0; y < mask.height; ++y)
      for (int64_t x = 0; x < mask.width; ++x)
      {
        if (!mask(y, x))
          continue;
        const bool border = x == 0 || y == 0 || x == mask.width - 1 || y == mask.height - 1 || !mask(y, x - 1) || !mask(y, x + 1) ||
                            !mask(y - 1, x) || !mask(y + 1, x);
        if (border)
          for (int dy = -thickness + 1; dy < thickness; ++dy)
            for (int dx = -thickness + 1; dx < thickness; ++dx)
              SetPixel(out, x + dx, y + dy, color);
      }
  };
  const uint8_t green[3] = { 40, 220, 40 }, red[3] = { 235, 40, 40 };
  outline(reference, green);
  outline(prediction, red);
  return out;
}

bool
WriteLossCurvesPng(const std::string & trainingDirectory, const std::string & path)
{
  std::vector<PlotPanel> panels;
  const uint8_t          red[3] = { 210, 40, 40 }, blue[3] = { 30, 80, 220 }, green[3] = { 20, 150, 60 }, grey[3] = { 120, 120, 120 };
  const auto             series = [](const std::string & label, const std::vector<double> & x, const std::vector<double> & y,
                         const uint8_t color[3]) {
    PlotSeries s;
    s.label = label;
    s.x = x;
    s.y = y;
    std::copy(color, color + 3, s.color);
    return s;
  };
  for (const std::string stage : { "teacher", "refinement", "student" })
  {
    const fs::path log = fs::path(trainingDirectory) / (stage + "_log.csv");
    if (!fs::exists(log))
      continue;
    auto columns = ReadCsvColumns(log.string());
    if (columns["epoch"].empty())
      continue;
    const std::vector<double> & epoch = columns["epoch"];
    PlotPanel                   losses;
    losses.title = stage + " - training loss per epoch";
    if (stage == "refinement")
    {
      losses.series.push_back(series("generator total", epoch, columns["total"], red));
      losses.series.push_back(series("correction", epoch, columns["correction"], green));
      losses.series.push_back(series("cycle", epoch, columns["cycle"], grey));
      panels.push_back(losses);
      continue;
    }
    losses.series.push_back(series("total", epoch, columns["total"], red));
    if (stage == "student")
    {
      losses.series.push_back(series("l_sup", epoch, columns["supervised"], green));
      losses.series.push_back(series("l_unsup", epoch, columns["unsupervised"], grey));
    }
    panels.push_back(losses);
    bool hasValidation = false;
    for (double v : columns["validation_dice"])
      hasValidation |= std::isfinite(v);
    if (hasValidation)
    {
      PlotPanel dice;
      dice.title = stage + " - validation Dice";
      dice.series.push_back(series("validation dice", epoch, columns["validation_dice"], blue));
      dice.yMin = 0;
      dice.yMax = 1;
      panels.push_back(dice);
    }
  }
  if (panels.empty())
    return false;
  WriteLinePlotPng(panels, path);
  return true;
}

} // namespace sinus
