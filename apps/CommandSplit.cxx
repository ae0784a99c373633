// SPDX-License-Identifier: Apache-2.0
// sinusseg split: a seeded datalist (labelled / unlabelled / validation / test) from a folder of
// radiographs and a folder of masks, so a user's own data -- or a benchmark set -- can go straight
// into `sinusseg train`.
#include "SinusSegCommand.h"

#include "sinus/Datalist.h"

#include <filesystem>
#include <iostream>

namespace sinusseg
{
namespace fs = std::filesystem;

int
RunSplit(const std::vector<std::string> & args)
{
  namespace po = boost::program_options;
  std::string             images, masks, out;
  int                     labelled = 0, validation = 0, test = 0, unlabelled = -1;
  uint64_t                seed = 0;
  po::options_description desc("Options");
  desc.add_options()
    ("images", po::value(&images)->required(), "folder of radiographs")
    ("masks", po::value(&masks)->required(), "folder of masks, matched to the images by file name without extension")
    ("out", po::value(&out)->required(), "datalist JSON to write (paths inside are relative to its folder)")
    ("labelled", po::value(&labelled)->required(), "training images listed with their mask")
    ("validation", po::value(&validation)->default_value(0), "validation images (with masks)")
    ("test", po::value(&test)->default_value(0), "test images (with masks)")
    ("unlabelled", po::value(&unlabelled)->default_value(-1), "training images listed without their mask (-1 = all the rest)")
    ("seed", po::value(&seed)->default_value(0), "shuffle seed; same seed and files, same split");
  po::variables_map values;
  if (!ParseCommandLine("split", "--images DIR --masks DIR --out FILE --labelled N [options]", desc, args, values))
    return 0;
  sinus::SplitCounts counts;
  counts.labelled = labelled;
  counts.unlabelled = unlabelled;
  counts.validation = validation;
  counts.test = test;
  counts.seed = seed;
  sinus::Datalist datalist;
  try
  {
    datalist = sinus::SplitImageFolders(images, masks, counts, fs::absolute(out).parent_path().string());
  }
  catch (const std::invalid_argument & e)
  {
    throw UsageError(e.what());
  }
  sinus::WriteDatalist(out, datalist);
  const size_t unlabelledCount = datalist.training.size() - static_cast<size_t>(labelled);
  std::cout << out << ": " << labelled << " labelled + " << unlabelledCount << " unlabelled training, " << validation << " validation, "
            << test << " test images (seed " << seed << ")" << std::endl;
  return 0;
}

} // namespace sinusseg
