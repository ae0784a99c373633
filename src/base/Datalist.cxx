// SPDX-License-Identifier: Apache-2.0
#include "sinus/Datalist.h"

#include "sinus/FileUtilities.h"
#include "sinus/PortableRandom.h"

#include <filesystem>
#include <map>

namespace sinus
{
namespace fs = std::filesystem;

namespace
{
Json
ItemsToJson(const std::vector<DatalistItem> & items)
{
  Json list = Json::array();
  for (const auto & item : items)
  {
    Json e = Json::object();
    e["image"] = item.image;
    if (!item.label.empty())
      e["label"] = item.label;
    list.push_back(e);
  }
  return list;
}

std::map<std::string, std::vector<fs::path>>
FilesByStem(const std::string & folder)
{
  if (!fs::is_directory(folder))
    throw std::runtime_error(folder + ": not a folder");
  std::map<std::string, std::vector<fs::path>> files;
  for (const auto & entry : fs::directory_iterator(folder))
    if (entry.is_regular_file() && entry.path().filename().string()[0] != '.')
      files[entry.path().stem().string()].push_back(entry.path());
  return files;
}

std::string
Relative(const std::string & path, const fs::path & base)
{
  return fs::relative(fs::absolute(path), base).string();
}
} // namespace

std::string
FormatDatalist(const Datalist & datalist)
{
  Json j = datalist.header.is_object() ? datalist.header : Json::object();
  j["training"] = ItemsToJson(datalist.training);
  j["validation"] = ItemsToJson(datalist.validation);
  j["test"] = ItemsToJson(datalist.test);
  return j.dump(2) + "\n";
}

void
WriteDatalist(const std::string & path, const Datalist & datalist)
{
  const fs::path folder = fs::absolute(path).parent_path();
  fs::create_directories(folder);
  WriteFileAtomically(path, FormatDatalist(datalist));
}

std::vector<DatalistItem>
PairImagesWithMasks(const std::string & imageFolder, const std::string & maskFolder, std::vector<std::string> & problems)
{
  const auto                images = FilesByStem(imageFolder), masks = FilesByStem(maskFolder);
  std::vector<DatalistItem> pairs;
  for (const auto & [stem, paths] : images)
  {
    if (paths.size() > 1)
      problems.push_back(imageFolder + ": several images named " + stem + ".*");
    const auto mask = masks.find(stem);
    if (mask == masks.end())
      problems.push_back(stem + ": no mask in " + maskFolder);
    else if (mask->second.size() > 1)
      problems.push_back(maskFolder + ": several masks named " + stem + ".*");
    else
      pairs.push_back({ paths.front().string(), mask->second.front().string() });
  }
  for (const auto & [stem, paths] : masks)
    if (!images.count(stem))
      problems.push_back(paths.front().string() + ": no image of that name in " + imageFolder);
  return pairs;
}

namespace
{
size_t
NeededImages(const SplitCounts & counts)
{
  if (counts.labelled < 1 || counts.validation < 0 || counts.test < 0 || counts.unlabelled < -1)
    throw std::invalid_argument("the split needs at least 1 labelled image; validation, test and unlabelled counts must not be negative");
  return static_cast<size_t>(counts.labelled + counts.validation + counts.test + std::max(counts.unlabelled, 0));
}

void
ThrowProblems(const std::vector<std::string> & problems)
{
  std::string text = std::to_string(problems.size()) + " problem(s):";
  for (const auto & p : problems)
    text += "\n  - " + p;
  throw std::runtime_error(text);
}
} // namespace

Datalist
SplitImageFolders(const std::string & imageFolder, const std::string & maskFolder, const SplitCounts & counts,
                  const std::string & datalistFolder)
{
  const size_t              needed = NeededImages(counts);
  std::vector<std::string>  problems;
  std::vector<DatalistItem> pairs = PairImagesWithMasks(imageFolder, maskFolder, problems);
  if (pairs.size() < needed)
    problems.push_back("the split needs " + std::to_string(needed) + " images but only " + std::to_string(pairs.size()) + " in " +
                       imageFolder + " have a mask");
  if (!problems.empty())
    ThrowProblems(problems);
  return SplitDataset(std::move(pairs), counts, datalistFolder);
}

Datalist
SplitDataset(std::vector<DatalistItem> pairs, const SplitCounts & counts, const std::string & datalistFolder)
{
  const size_t needed = NeededImages(counts);
  if (pairs.size() < needed)
    ThrowProblems({ "the split needs " + std::to_string(needed) + " images but there are " + std::to_string(pairs.size()) });
  PortableRandom random(counts.seed);
  random.Shuffle(pairs);
  const fs::path base = fs::absolute(datalistFolder);
  Datalist       d;
  size_t         next = 0;
  const auto     take = [&](std::vector<DatalistItem> & list, size_t count, bool withLabel) {
    for (size_t i = 0; i < count; ++i, ++next)
      list.push_back({ Relative(pairs[next].image, base), withLabel ? Relative(pairs[next].label, base) : std::string() });
  };
  take(d.test, static_cast<size_t>(counts.test), true);
  take(d.validation, static_cast<size_t>(counts.validation), true);
  take(d.training, static_cast<size_t>(counts.labelled), true);
  const size_t unlabelled = counts.unlabelled < 0 ? pairs.size() - next : static_cast<size_t>(counts.unlabelled);
  take(d.training, unlabelled, false);
  Json split = Json::object();
  split["command"] = "sinusseg split";
  split["seed"] = counts.seed;
  split["labelled"] = counts.labelled;
  split["unlabelled"] = unlabelled;
  split["validation"] = counts.validation;
  split["test"] = counts.test;
  d.header["split"] = split;
  return d;
}

} // namespace sinus
