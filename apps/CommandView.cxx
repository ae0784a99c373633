// SPDX-License-Identifier: Apache-2.0
// sinusseg view: an interactive VTK window with the radiograph, the mask overlay (opacity slider
// and keys) and contours.
#include "SinusSegCommand.h"
#include "sinusVtkViews.h"

namespace sinusseg
{

int
RunView(const std::vector<std::string> & args)
{
  namespace po = boost::program_options;
  sinus::OverlayScene     scene;
  std::string             screenshot;
  po::options_description desc("Options");
  desc.add_options()
    ("image", po::value(&scene.image)->required(), "radiograph")
    ("mask", po::value(&scene.mask)->required(), "predicted mask (non-zero = sinus)")
    ("reference", po::value(&scene.reference), "reference mask (second contour, Dice and HD95 shown)")
    ("screenshot", po::value(&screenshot), "write the first frame to this PNG and close (no interaction)");
  po::variables_map values;
  if (!ParseCommandLine("view", "--image IMG --mask MASK [--reference REF]", desc, args, values))
    return 0;
  sinus::ShowInteractiveView(scene, screenshot);
  return 0;
}

} // namespace sinusseg
