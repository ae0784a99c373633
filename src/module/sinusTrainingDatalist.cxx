#include "sinusTrainingDatalist.h"

#include "sinus/FileUtilities.h"
#include "sinus/MedSAMImageTransforms.h"
#include "sinus/ViaAnnotations.h"
#include "sinusImageIO.h"

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <thread>

namespace sinus
{
namespace fs = std::filesystem;

namespace
{
std::string
JoinProblems(const std::string & datalist, const std::vector<std::string> & problems)
{
  std::string text = datalist + ": " + std::to_string(problems.size()) + (problems.size() == 1 ? " problem" : " problems") +
                     " in the datalist:";
  for (const auto & p : problems)
    text += "\n  - " + p;
  return text;
}
} // namespace

DatalistError::DatalistError(const std::string & datalist, const std::vector<std::string> & problems)
  : std::runtime_error(JoinProblems(datalist, problems))
  , m_Problems(problems)
{}

std::vector<DatalistEntry>
ReadDatalist(const std::string & path)
{
  Json json;
  try
  {
    json = Json::Parse(ReadTextFile(path));
  }
  catch (const std::exception & e)
  {
    throw DatalistError(path, { std::string("cannot read the datalist: ") + e.what() });
  }
  const fs::path             base = fs::path(path).parent_path();
  const auto                 resolve = [&](const std::string & p) { return fs::path(p).is_absolute() ? p : (base / p).lexically_normal().string(); };
  std::vector<std::string>   problems;
  std::vector<DatalistEntry> entries;
  if (!json.IsObject())
    throw DatalistError(path, { "expected a JSON object with 'training', 'validation' and 'test' lists" });
  std::string annotations;
  if (const Json * a = json.Find("annotations"))
  {
    if (a->IsString())
      annotations = resolve(a->AsString());
    else
      problems.push_back("'annotations' must be the path of a VIA CSV file");
  }
  for (const auto & [key, value] : json.AsObject())
  {
    const bool isList = key == "training" || key == "validation" || key == "test";
    if (!isList)
    {
      // Other top-level keys are metadata (MONAI datalists carry some); a list of image entries
      // under another name is most likely a typo and would silently drop data.
      if (value.IsArray() && !value.AsArray().empty() && value.AsArray().front().IsObject() && value.AsArray().front().Find("image"))
        problems.push_back("unknown list '" + key + "' of images (known: training, validation, test)");
      continue;
    }
    if (!value.IsArray())
    {
      problems.push_back("'" + key + "' must be a list of entries");
      continue;
    }
    int index = 0;
    for (const Json & item : value.AsArray())
    {
      const std::string where = key + "[" + std::to_string(index++) + "]";
      if (!item.IsObject() || !item.Find("image") || !item.At("image").IsString())
      {
        problems.push_back(where + ": an entry needs an \"image\" path");
        continue;
      }
      for (const auto & field : item.AsObject())
        if (field.first != "image" && field.first != "label")
          problems.push_back(where + ": unknown field '" + field.first + "' (known: image, label)");
      DatalistEntry entry;
      entry.list = key;
      entry.image = resolve(item.At("image").AsString());
      if (const Json * label = item.Find("label"))
      {
        if (!label->IsString())
        {
          problems.push_back(where + ": \"label\" must be a path");
          continue;
        }
        const std::string labelPath = resolve(label->AsString());
        std::string       extension = fs::path(labelPath).extension().string();
        std::transform(extension.begin(), extension.end(), extension.begin(), [](unsigned char c) { return std::tolower(c); });
        (extension == ".csv" ? entry.viaCsv : entry.label) = labelPath;
      }
      else if (key != "training")
      {
        if (annotations.empty())
          problems.push_back(where + " (" + entry.image + "): " + key + " images need a label, and the datalist has no \"annotations\" CSV");
        entry.viaCsv = annotations;
      }
      entries.push_back(entry);
    }
  }
  if (!problems.empty())
    throw DatalistError(path, problems);
  return entries;
}

SemiSupervisedData
LoadSemiSupervisedData(const std::string & datalistPath, const DatalistLoadOptions & options)
{
  const std::vector<DatalistEntry> entries = ReadDatalist(datalistPath);
  std::vector<std::string>         problems;
  std::mutex                       problemsMutex;
  const auto                       problem = [&](const std::string & text) {
    std::lock_guard<std::mutex> lock(problemsMutex);
    problems.push_back(text);
  };

  // Each VIA CSV is parsed once; an unparsable one is one problem, not one per image.
  std::map<std::string, std::map<std::string, const ViaImageAnnotation *>> viaIndex;
  std::map<std::string, std::vector<ViaImageAnnotation>>                   viaFiles;
  std::set<std::string>                                                    unreadableVia;
  for (const auto & e : entries)
  {
    if (e.viaCsv.empty() || viaFiles.count(e.viaCsv))
      continue;
    try
    {
      viaFiles[e.viaCsv] = ReadViaCsv(e.viaCsv);
      for (const auto & a : viaFiles[e.viaCsv])
        viaIndex[e.viaCsv][a.filename] = &a;
    }
    catch (const std::exception & ex)
    {
      viaFiles[e.viaCsv] = {};
      viaIndex[e.viaCsv] = {};
      unreadableVia.insert(e.viaCsv);
      problem(ex.what());
    }
  }
  std::set<std::string> seen;
  for (const auto & e : entries)
    if (!seen.insert(fs::weakly_canonical(e.image).string()).second)
      problem(e.image + ": listed more than once");

  std::vector<SegmentationSample> samples(entries.size());
  std::atomic<size_t>             next{ 0 };
  std::atomic<int>                done{ 0 };
  const auto                      prepare = [&](size_t i) {
      const DatalistEntry & e = entries[i];
      try
      {
        RadiographInfo  info;
        auto            image = ReadRadiograph(e.image, &info);
        Raster<double>  grey(0, 0);
        {
          const Raster<float> r = ImageToRaster<float>(image.GetPointer());
          grey = Raster<double>(r.height, r.width);
          std::copy(r.data.begin(), r.data.end(), grey.data.begin());
        }
        MapToMedSAMRange(grey, !info.eightBit);
        Raster<uint8_t> mask;
        if (!e.label.empty())
        {
          mask = ImageToRaster<unsigned char>(ReadMask(e.label).GetPointer());
          if (mask.height != grey.height || mask.width != grey.width)
          {
            problem(e.label + ": label is " + std::to_string(mask.width) + "x" + std::to_string(mask.height) + " but its image " + e.image +
                    " is " + std::to_string(grey.width) + "x" + std::to_string(grey.height));
            return;
          }
        }
        else if (!e.viaCsv.empty())
        {
          const auto & index = viaIndex[e.viaCsv];
          const auto   found = index.find(fs::path(e.image).filename().string());
          if (found == index.end())
          {
            if (!unreadableVia.count(e.viaCsv))
              problem(e.viaCsv + ": has no row for image " + fs::path(e.image).filename().string() + " (" + e.list + ")");
            return;
          }
          std::vector<ViaShape> shapes;
          for (const auto & region : found->second->regions)
          {
            try
            {
              CheckShapeInsideImage(region.shape, grey.width, grey.height);
            }
            catch (const std::exception & ex)
            {
              problem(e.viaCsv + ":" + std::to_string(region.line) + ": " + ex.what());
              continue;
            }
            shapes.push_back(region.shape);
          }
          mask = RasterizeShapes(shapes, grey.width, grey.height, 1);
        }
        const auto          spacing = image->GetSpacing();
        SegmentationSample s = MakeSegmentationSample(fs::path(e.image).filename().string(), grey, mask, options.inputSize,
                                                      { spacing[0], spacing[1] });
        s.source = e.image;
        samples[i] = std::move(s);
      }
      catch (const std::exception & ex)
      {
        problem(ex.what());
      }
  };
  const auto work = [&]() {
    for (size_t i = next++; i < entries.size(); i = next++)
    {
      prepare(i);
      const int d = ++done;
      if (options.progress)
        options.progress(d, static_cast<int>(entries.size()));
    }
  };
  const int threads =
    std::max(1, std::min<int>(options.threads > 0 ? options.threads : static_cast<int>(std::thread::hardware_concurrency()),
                              static_cast<int>(entries.size())));
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t)
    pool.emplace_back(work);
  work();
  for (auto & t : pool)
    t.join();

  SemiSupervisedData data;
  for (size_t i = 0; i < entries.size(); ++i)
  {
    if (!samples[i].image.defined())
      continue;
    const std::string & list = entries[i].list;
    if (list == "training")
    {
      // Training needs the label on the logit grid only; the full-size mask is kept for validation
      // and test, so thousands of large radiographs fit in memory.
      samples[i].fullLabel = Raster<uint8_t>();
      (samples[i].label.defined() ? data.labelled : data.unlabelled).push_back(std::move(samples[i]));
    }
    else
      (list == "validation" ? data.validation : data.test).push_back(std::move(samples[i]));
  }
  size_t labelledEntries = 0;
  for (const auto & e : entries)
    labelledEntries += (e.list == "training" && (!e.label.empty() || !e.viaCsv.empty())) ? 1 : 0;
  if (labelledEntries == 0)
    problems.push_back("no labelled training image: at least one \"training\" entry needs a \"label\"");
  if (!problems.empty())
  {
    std::sort(problems.begin(), problems.end());
    throw DatalistError(datalistPath, problems);
  }
  return data;
}

} // namespace sinus
