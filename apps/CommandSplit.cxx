// sinusseg split: a seeded datalist (labelled / unlabelled / validation / test) from a folder of
// radiographs and a folder of masks, so a user's own data -- or a benchmark set -- can go straight
// into `sinusseg train`.
#include "SinusSegCommand.h"

#include "sinus/FileUtilities.h"
#include "sinus/Json.h"
#include "sinus/PortableRandom.h"

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <map>

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
  if (labelled < 1 || validation < 0 || test < 0 || unlabelled < -1)
    throw UsageError("--labelled must be at least 1; --validation, --test and --unlabelled must not be negative");
  if (!fs::is_directory(images))
    throw std::runtime_error(images + ": not a folder");
  if (!fs::is_directory(masks))
    throw std::runtime_error(masks + ": not a folder");

  // Images and masks by stem; every image needs exactly one mask and vice versa.
  const auto byStem = [](const std::string & folder) {
    std::map<std::string, std::vector<fs::path>> files;
    for (const auto & entry : fs::directory_iterator(folder))
      if (entry.is_regular_file() && entry.path().filename().string()[0] != '.')
        files[entry.path().stem().string()].push_back(entry.path());
    return files;
  };
  const auto               imageFiles = byStem(images), maskFiles = byStem(masks);
  std::vector<std::string> problems, stems;
  for (const auto & [stem, paths] : imageFiles)
  {
    if (paths.size() > 1)
      problems.push_back(images + ": several images named " + stem + ".*");
    const auto mask = maskFiles.find(stem);
    if (mask == maskFiles.end())
      problems.push_back(stem + ": no mask in " + masks);
    else if (mask->second.size() > 1)
      problems.push_back(masks + ": several masks named " + stem + ".*");
    stems.push_back(stem);
  }
  for (const auto & [stem, paths] : maskFiles)
    if (!imageFiles.count(stem))
      problems.push_back(paths.front().string() + ": no image of that name in " + images);
  const int needed = labelled + validation + test + std::max(unlabelled, 0);
  if (static_cast<int>(stems.size()) < needed)
    problems.push_back("the split needs " + std::to_string(needed) + " images but " + images + " has " + std::to_string(stems.size()));
  if (!problems.empty())
  {
    std::string text = std::to_string(problems.size()) + " problem(s):";
    for (const auto & p : problems)
      text += "\n  - " + p;
    throw std::runtime_error(text);
  }

  sinus::PortableRandom random(seed);
  random.Shuffle(stems);
  const fs::path base = fs::absolute(out).parent_path();
  const auto     entry = [&](const std::string & stem, bool withLabel) {
    sinus::Json e = sinus::Json::Object();
    e["image"] = fs::relative(fs::absolute(imageFiles.at(stem).front()), base).string();
    if (withLabel)
      e["label"] = fs::relative(fs::absolute(maskFiles.at(stem).front()), base).string();
    return e;
  };
  sinus::Json training = sinus::Json::Array(), validationList = sinus::Json::Array(), testList = sinus::Json::Array();
  size_t      next = 0;
  for (int i = 0; i < test; ++i)
    testList.PushBack(entry(stems[next++], true));
  for (int i = 0; i < validation; ++i)
    validationList.PushBack(entry(stems[next++], true));
  for (int i = 0; i < labelled; ++i)
    training.PushBack(entry(stems[next++], true));
  const size_t unlabelledCount = unlabelled < 0 ? stems.size() - next : static_cast<size_t>(unlabelled);
  for (size_t i = 0; i < unlabelledCount; ++i)
    training.PushBack(entry(stems[next++], false));

  sinus::Json datalist = sinus::Json::Object();
  sinus::Json split = sinus::Json::Object();
  split["command"] = "sinusseg split";
  split["seed"] = static_cast<int64_t>(seed);
  split["labelled"] = labelled;
  split["unlabelled"] = static_cast<int64_t>(unlabelledCount);
  split["validation"] = validation;
  split["test"] = test;
  datalist["split"] = split;
  datalist["training"] = training;
  datalist["validation"] = validationList;
  datalist["test"] = testList;
  fs::create_directories(base);
  sinus::WriteFileAtomically(out, datalist.Dump(2) + "\n");
  std::cout << out << ": " << labelled << " labelled + " << unlabelledCount << " unlabelled training, " << validation << " validation, "
            << test << " test images (seed " << seed << ")" << std::endl;
  return 0;
}

} // namespace sinusseg
