// SPDX-License-Identifier: Apache-2.0
// sinusseg import-via: VGG Image Annotator 2.x CSV export -> one mask per image.
#include "SinusSegCommand.h"

#include "sinusViaImport.h"

#include <iostream>

namespace sinusseg
{

int
RunImportVia(const std::vector<std::string> & args)
{
  namespace po = boost::program_options;
  sinus::ViaImportOptions options;
  int                     foreground = 255;
  std::string             filter;
  po::options_description desc("Options");
  desc.add_options()
    ("csv", po::value(&options.csvPath)->required(), "VIA 2.x CSV export")
    ("images", po::value(&options.imagesDirectory)->required(), "folder holding the annotated images")
    ("out", po::value(&options.outputDirectory)->required(), "output folder for the masks (must not exist, or be empty)")
    ("foreground", po::value(&foreground)->default_value(255), "mask value inside regions (1..255)")
    ("region-filter", po::value(&filter), "keep only regions with region_attributes KEY equal to VALUE (KEY=VALUE)")
    ("datalist", po::value(&options.datalistPath), "make the masks the labels of these unlabelled training images in this datalist (rewritten; "
                                                   "a validation or test image, or one already labelled, is refused)");
  po::variables_map values;
  if (!ParseCommandLine("import-via", "--csv FILE --images DIR --out DIR [options]", desc, args, values))
  {
    return 0;
  }
  if (foreground < 1 || foreground > 255)
  {
    throw UsageError("--foreground must lie in 1..255");
  }
  options.foreground = static_cast<uint8_t>(foreground);
  if (!filter.empty())
  {
    try
    {
      sinus::SetRegionFilter(options, filter);
    }
    catch (const std::invalid_argument & e)
    {
      throw UsageError(std::string("--region-filter: ") + e.what());
    }
  }
  const sinus::ViaImportSummary summary = sinus::ImportViaAnnotations(options);
  std::cout << "wrote " << summary.images << " masks (" << summary.regions << " regions";
  if (!options.attributeKey.empty())
  {
    std::cout << ", " << summary.regionsFilteredOut << " regions left out by --region-filter";
  }
  std::cout << ") to " << options.outputDirectory << std::endl;
  if (!options.datalistPath.empty())
    std::cout << "labelled " << summary.labelsAdded << " training images in " << options.datalistPath << std::endl;
  return 0;
}

} // namespace sinusseg
