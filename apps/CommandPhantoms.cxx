// SPDX-License-Identifier: Apache-2.0
// sinusseg phantoms: synthetic panoramic radiographs with sinus masks, VIA CSV and datalist.
#include "SinusSegCommand.h"

#include "sinusPhantomDataset.h"

#include <iostream>
#include <unistd.h>

namespace sinusseg
{

int
RunPhantoms(const std::vector<std::string> & args)
{
  namespace po = boost::program_options;
  sinus::PhantomDatasetOptions options;
  std::string                  size = "2048x1024";
  po::options_description      desc("Options");
  desc.add_options()
    ("out", po::value(&options.outputDirectory)->required(), "output folder (must not exist, or be empty)")
    ("count", po::value(&options.count)->required(), "number of phantoms")
    ("size", po::value(&size)->default_value(size), "image size WIDTHxHEIGHT")
    ("seed", po::value(&options.seed)->default_value(0), "data-set seed; same seed, same images")
    ("labelled-fraction", po::value(&options.labeledFraction)->default_value(0.25),
     "fraction of the training split listed with its label (also spelt --labeled-fraction)")
    ("validation-fraction", po::value(&options.validationFraction)->default_value(0.1), "fraction of all images for validation")
    ("test-fraction", po::value(&options.testFraction)->default_value(0.2), "fraction of all images for test")
    ("polygon-tolerance", po::value(&options.polygonTolerance)->default_value(0.5),
     "Douglas-Peucker tolerance of the VIA polygons, pixels (0 = every pixel corner)")
    ("preview", po::value(&options.previewPath), "also write a PNG of the first three phantoms with outlined masks")
    ("threads", po::value(&options.threads)->default_value(0), "phantoms generated in parallel (0 = all cores)");
  po::variables_map values;
  if (!ParseCommandLine("phantoms", "--out DIR --count N [options]", desc, args, values))
  {
    return 0;
  }
  const auto [width, height] = ParseSize(size, "size");
  options.width = width;
  options.height = height;
  if (options.count < 1)
  {
    throw UsageError("--count must be at least 1");
  }
  if (::isatty(STDOUT_FILENO))
  {
    // A live counter on a terminal; logs get only the summary line.
    options.progress = [](int done, int total) {
      std::cout << "\rphantoms: " << done << "/" << total << std::flush;
      if (done == total)
        std::cout << std::endl;
    };
  }
  const sinus::PhantomDatasetSummary summary = sinus::WritePhantomDataset(options);
  std::cout << "wrote " << options.count << " phantoms (" << width << "x" << height << ") to " << options.outputDirectory
            << " in " << summary.seconds << " s: training " << summary.labeled << " labelled + " << summary.unlabeled
            << " unlabelled, validation " << summary.validation << ", test " << summary.test << "; "
            << summary.polygons << " VIA polygons" << std::endl;
  return 0;
}

} // namespace sinusseg
