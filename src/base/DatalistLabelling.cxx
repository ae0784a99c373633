// SPDX-License-Identifier: Apache-2.0
#include "sinus/DatalistLabelling.h"

#include "sinus/FileUtilities.h"
#include "sinus/Json.h"

#include <filesystem>
#include <map>

namespace sinus
{
namespace fs = std::filesystem;

namespace
{
/** One file, however its path is spelled (relative to the datalist, through "..", absolute). */
std::string
FileKey(const std::string & path, const fs::path & base)
{
  const fs::path p(path);
  return fs::weakly_canonical(p.is_absolute() ? p : base / p).string();
}

/** Where each image of the datalist is: its list and position. */
struct ListedImage
{
  std::string list;
  size_t      position = 0;
  bool        labelled = false;
};

std::map<std::string, ListedImage>
ListedImages(const Json & datalist, const fs::path & base)
{
  std::map<std::string, ListedImage> listed;
  for (const std::string list : { "training", "validation", "test" })
  {
    const Json * entries = FindJsonMember(datalist, list);
    if (!entries || !entries->is_array())
      continue;
    for (size_t i = 0; i < entries->size(); ++i)
    {
      const Json & entry = (*entries)[i];
      if (!entry.is_object() || !FindJsonMember(entry, "image") || !entry.at("image").is_string())
        continue;
      ListedImage & where = listed[FileKey(entry.at("image").get<std::string>(), base)];
      // An image in a held-out list stays held out whatever else lists it.
      if (where.list.empty() || where.list == "training")
        where = ListedImage{ list, i, FindJsonMember(entry, "label") != nullptr };
    }
  }
  return listed;
}
} // namespace

std::string
AddTrainingLabels(const std::string & datalistPath, const std::vector<NewTrainingLabel> & labels, std::vector<std::string> & problems)
{
  Json datalist;
  try
  {
    datalist = ParseJson(ReadTextFile(datalistPath));
  }
  catch (const std::exception & e)
  {
    problems.push_back(datalistPath + ": cannot read the datalist: " + e.what());
    return {};
  }
  if (!datalist.is_object() || !FindJsonMember(datalist, "training") || !datalist.at("training").is_array())
  {
    problems.push_back(datalistPath + ": expected a JSON object with a 'training' list");
    return {};
  }
  const fs::path                           base = fs::absolute(datalistPath).parent_path();
  const std::map<std::string, ListedImage> listed = ListedImages(datalist, base);
  std::map<std::string, std::string>       given;
  for (const NewTrainingLabel & label : labels)
  {
    const std::string key = FileKey(label.image, base);
    const auto        where = listed.find(key);
    const std::string what = datalistPath + ": " + label.image + ": ";
    if (!given.emplace(key, label.image).second)
      problems.push_back(what + "labelled twice in this import");
    else if (where == listed.end())
      problems.push_back(what + "not in the datalist (add it to \"training\" first)");
    else if (where->second.list != "training")
      problems.push_back(what + "a " + where->second.list + " image: never labelled for training");
    else if (where->second.labelled)
      problems.push_back(what + "already labelled (training[" + std::to_string(where->second.position) + "])");
    else
      datalist["training"][where->second.position]["label"] = fs::relative(fs::absolute(label.label), base).string();
  }
  return datalist.dump(2) + "\n";
}

} // namespace sinus
