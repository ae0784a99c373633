// SPDX-License-Identifier: Apache-2.0
// sinusseg overlay: a radiograph with the predicted (and reference) sinus contour, rendered by VTK.
#include "SinusSegCommand.h"
#include "sinusVtkViews.h"

#include <iostream>

namespace sinusseg
{

int
RunOverlay(const std::vector<std::string> & args)
{
  namespace po = boost::program_options;
  sinus::OverlayScene     scene;
  std::string             out;
  int                     width = 0;
  po::options_description desc("Options");
  desc.add_options()
    ("image", po::value(&scene.image)->required(), "radiograph")
    ("mask", po::value(&scene.mask)->required(), "predicted mask (non-zero = sinus), drawn in red")
    ("reference", po::value(&scene.reference), "reference mask, drawn in green; Dice and HD95 are shown")
    ("title", po::value(&scene.title), "a line of text above the legend")
    ("width", po::value(&width)->default_value(0), "PNG width in pixels (0 = the image's)")
    ("out", po::value(&out)->required(), "PNG to write");
  po::variables_map values;
  if (!ParseCommandLine("overlay", "--image IMG --mask MASK [--reference REF] --out PNG", desc, args, values))
    return 0;
  if (width < 0)
    throw UsageError("--width must not be negative");
  const std::string metrics = sinus::RenderOverlayPng(scene, out, width);
  std::cout << out << (metrics.empty() ? std::string() : ": " + metrics) << std::endl;
  return 0;
}

} // namespace sinusseg
