// SPDX-License-Identifier: Apache-2.0
#include "sinusTrainingDatalist.h"

#include "sinus/Datalist.h"
#include "sinus/FileUtilities.h"
#include "sinus/MedSAMImageTransforms.h"
#include "sinus/ViaAnnotations.h"
#include "sinusImageIO.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <filesystem>
#include <functional>
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

namespace
{
using PathResolver = std::function<std::string(const std::string &)>;

/** One entry of list `key`; false (with the problem noted) when it cannot be used. */
bool
ReadEntry(const Json & item, const std::string & key, const std::string & where, const PathResolver & resolve,
          const std::string & annotations, std::vector<std::string> & problems, DatalistEntry & entry)
{
  if (!item.is_object() || !FindJsonMember(item, "image") || !item.at("image").is_string())
  {
    problems.push_back(where + ": an entry needs an \"image\" path");
    return false;
  }
  for (const auto & field : item.items())
    if (field.key() != "image" && field.key() != "label")
      problems.push_back(where + ": unknown field '" + field.key() + "' (known: image, label)");
  entry.list = key;
  entry.image = resolve(item.at("image").get<std::string>());
  if (const Json * label = FindJsonMember(item, "label"))
  {
    if (!label->is_string())
    {
      problems.push_back(where + ": \"label\" must be a path");
      return false;
    }
    const std::string labelPath = resolve(label->get<std::string>());
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
  return true;
}

/** Every entry of one top-level list; other top-level keys are metadata unless they look like a
 *  misnamed list of images. */
void
ReadList(const std::string & key, const Json & value, const PathResolver & resolve, const std::string & annotations,
         std::vector<std::string> & problems, std::vector<DatalistEntry> & entries)
{
  if (key != "training" && key != "validation" && key != "test")
  {
    // MONAI datalists carry metadata; a list of image entries under another name is most likely a
    // typo and would silently drop data.
    if (value.is_array() && !value.empty() && value.front().is_object() && FindJsonMember(value.front(), "image"))
      problems.push_back("unknown list '" + key + "' of images (known: training, validation, test)");
    return;
  }
  if (!value.is_array())
  {
    problems.push_back("'" + key + "' must be a list of entries");
    return;
  }
  int index = 0;
  for (const Json & item : value)
  {
    DatalistEntry entry;
    if (ReadEntry(item, key, key + "[" + std::to_string(index++) + "]", resolve, annotations, problems, entry))
      entries.push_back(entry);
  }
}
} // namespace

std::vector<DatalistEntry>
ReadDatalist(const std::string & path)
{
  Json json;
  try
  {
    json = ParseJson(ReadTextFile(path));
  }
  catch (const std::exception & e)
  {
    throw DatalistError(path, { std::string("cannot read the datalist: ") + e.what() });
  }
  if (!json.is_object())
    throw DatalistError(path, { "expected a JSON object with 'training', 'validation' and 'test' lists" });
  const fs::path           base = fs::path(path).parent_path();
  const PathResolver       resolve = [&](const std::string & p) { return fs::path(p).is_absolute() ? p : (base / p).lexically_normal().string(); };
  std::vector<std::string> problems;
  std::string              annotations;
  if (const Json * a = FindJsonMember(json, "annotations"))
  {
    if (a->is_string())
      annotations = resolve(a->get<std::string>());
    else
      problems.push_back("'annotations' must be the path of a VIA CSV file");
  }
  std::vector<DatalistEntry> entries;
  for (const auto & [key, value] : json.items())
    ReadList(key, value, resolve, annotations, problems, entries);
  if (!problems.empty())
    throw DatalistError(path, problems);
  return entries;
}

namespace
{
/** Problems found while loading, from any thread. */
class ProblemList
{
public:
  void Add(const std::string & text)
  {
    std::lock_guard<std::mutex> lock(m_Mutex);
    m_Problems.push_back(text);
  }
  std::vector<std::string> Take() { return std::move(m_Problems); }

private:
  std::mutex               m_Mutex;
  std::vector<std::string> m_Problems;
};

/** The VIA CSVs a datalist names, each parsed once; an unparsable one is one problem, not one per
 *  image. */
struct ViaCatalogue
{
  std::map<std::string, std::vector<ViaImageAnnotation>>                   files;
  std::map<std::string, std::map<std::string, const ViaImageAnnotation *>> byImage;
  std::set<std::string>                                                    unreadable;

  ViaCatalogue(const std::vector<DatalistEntry> & entries, ProblemList & problems);
};

ViaCatalogue::ViaCatalogue(const std::vector<DatalistEntry> & entries, ProblemList & problems)
{
  for (const auto & e : entries)
  {
    if (e.viaCsv.empty() || files.count(e.viaCsv))
      continue;
    try
    {
      files[e.viaCsv] = ReadViaCsv(e.viaCsv);
      for (const auto & a : files[e.viaCsv])
        byImage[e.viaCsv][a.filename] = &a;
    }
    catch (const std::exception & ex)
    {
      files[e.viaCsv] = {};
      byImage[e.viaCsv] = {};
      unreadable.insert(e.viaCsv);
      problems.Add(ex.what());
    }
  }
}

/** An image's regions in its VIA CSV, rasterised; false (with the problem noted) when it has none. */
bool
MaskFromVia(const DatalistEntry & e, const ViaCatalogue & via, int64_t width, int64_t height, ProblemList & problems,
            Raster<uint8_t> & mask)
{
  const auto & index = via.byImage.at(e.viaCsv);
  const auto   found = index.find(fs::path(e.image).filename().string());
  if (found == index.end())
  {
    if (!via.unreadable.count(e.viaCsv))
      problems.Add(e.viaCsv + ": has no row for image " + fs::path(e.image).filename().string() + " (" + e.list + ")");
    return false;
  }
  std::vector<ViaShape> shapes;
  for (const auto & region : found->second->regions)
  {
    try
    {
      CheckShapeInsideImage(region.shape, width, height);
      shapes.push_back(region.shape);
    }
    catch (const std::exception & ex)
    {
      problems.Add(e.viaCsv + ":" + std::to_string(region.line) + ": " + ex.what());
    }
  }
  mask = RasterizeShapes(shapes, width, height, 1);
  return true;
}

/** One entry read, checked and prepared; an undefined image when it has a problem (noted). */
SegmentationSample
PrepareEntry(const DatalistEntry & e, const ViaCatalogue & via, const DatalistLoadOptions & options, ProblemList & problems)
{
  RadiographInfo      info;
  auto                image = ReadRadiograph(e.image, &info);
  const Raster<float> pixels = ImageToRaster<float>(image.GetPointer());
  Raster<double>      grey(pixels.height, pixels.width);
  std::copy(pixels.data.begin(), pixels.data.end(), grey.data.begin());
  MapToMedSAMRange(grey, !info.eightBit);
  Raster<uint8_t> mask;
  if (!e.label.empty())
  {
    mask = ImageToRaster<unsigned char>(ReadMask(e.label).GetPointer());
    if (mask.height != grey.height || mask.width != grey.width)
    {
      problems.Add(e.label + ": label is " + std::to_string(mask.width) + "x" + std::to_string(mask.height) + " but its image " + e.image +
                   " is " + std::to_string(grey.width) + "x" + std::to_string(grey.height));
      return {};
    }
  }
  else if (!e.viaCsv.empty() && !MaskFromVia(e, via, grey.width, grey.height, problems, mask))
    return {};
  const auto         spacing = image->GetSpacing();
  SegmentationSample s = MakeSegmentationSample(fs::path(e.image).filename().string(), grey, mask, options.inputSize, options.labelGrids,
                                                { spacing[0], spacing[1] });
  s.source = e.image;
  return s;
}

/** Every entry prepared on a pool of threads, in the datalist's order. */
std::vector<SegmentationSample>
PrepareEntries(const std::vector<DatalistEntry> & entries, const ViaCatalogue & via, const DatalistLoadOptions & options,
               ProblemList & problems)
{
  std::vector<SegmentationSample> samples(entries.size());
  std::atomic<size_t>             next{ 0 };
  std::atomic<int>                done{ 0 };
  const auto                      work = [&]() {
    for (size_t i = next++; i < entries.size(); i = next++)
    {
      try
      {
        samples[i] = PrepareEntry(entries[i], via, options, problems);
      }
      catch (const std::exception & ex)
      {
        problems.Add(ex.what());
      }
      const int d = ++done;
      if (options.progress)
        options.progress(d, static_cast<int>(entries.size()));
    }
  };
  const int available = options.threads > 0 ? options.threads : static_cast<int>(std::thread::hardware_concurrency());
  const int threads = std::max(1, std::min<int>(available, static_cast<int>(entries.size())));
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t)
    pool.emplace_back(work);
  work();
  for (auto & t : pool)
    t.join();
  return samples;
}

SemiSupervisedData
SortIntoLists(const std::vector<DatalistEntry> & entries, std::vector<SegmentationSample> & samples)
{
  SemiSupervisedData data;
  for (size_t i = 0; i < entries.size(); ++i)
  {
    if (!samples[i].image.defined())
      continue;
    const std::string & list = entries[i].list;
    if (list == "training")
    {
      // Training needs the label on the logit grids only; the full-size mask is kept for validation
      // and test, so thousands of large radiographs fit in memory.
      samples[i].fullLabel = Raster<uint8_t>();
      (samples[i].Labelled() ? data.labelled : data.unlabelled).push_back(std::move(samples[i]));
    }
    else
      (list == "validation" ? data.validation : data.test).push_back(std::move(samples[i]));
  }
  return data;
}
} // namespace

SemiSupervisedData
LoadSemiSupervisedData(const std::string & datalistPath, const DatalistLoadOptions & options)
{
  const std::vector<DatalistEntry> entries = ReadDatalist(datalistPath);
  ProblemList                      problems;
  const ViaCatalogue               via(entries, problems);
  std::set<std::string>            seen;
  for (const auto & e : entries)
    if (!seen.insert(fs::weakly_canonical(e.image).string()).second)
      problems.Add(e.image + ": listed more than once");
  std::vector<SegmentationSample> samples = PrepareEntries(entries, via, options, problems);
  SemiSupervisedData              data = SortIntoLists(entries, samples);
  size_t                          labelledEntries = 0;
  for (const auto & e : entries)
    labelledEntries += (e.list == "training" && (!e.label.empty() || !e.viaCsv.empty())) ? 1 : 0;
  if (labelledEntries == 0)
    problems.Add("no labelled training image: at least one \"training\" entry needs a \"label\"");
  std::vector<std::string> all = problems.Take();
  if (!all.empty())
  {
    std::sort(all.begin(), all.end());
    throw DatalistError(datalistPath, all);
  }
  return data;
}

namespace
{
bool
HasImageExtension(const fs::path & file)
{
  static const std::set<std::string> known{ ".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".dcm", ".nrrd", ".nhdr", ".mha", ".mhd", ".nii", ".gz" };
  std::string extension = file.extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return known.count(extension) > 0 && (extension != ".gz" || file.stem().extension() == ".nii");
}

/** The image files of one folder, in name order; other regular files go to `skipped`. */
std::vector<DatalistEntry>
FolderEntries(const std::string & folder, std::vector<std::string> & skipped, ProblemList & problems)
{
  std::vector<DatalistEntry> entries;
  std::error_code            ec;
  if (!fs::is_directory(folder, ec))
  {
    problems.Add(folder + ": not a folder");
    return entries;
  }
  std::vector<fs::path> files;
  for (const auto & item : fs::directory_iterator(folder))
    if (item.is_regular_file())
      files.push_back(item.path());
  std::sort(files.begin(), files.end());
  for (const auto & file : files)
  {
    if (HasImageExtension(file))
      entries.push_back(DatalistEntry{ file.string(), "", "", "training" });
    else
      skipped.push_back(file.string());
  }
  if (entries.empty())
    problems.Add(folder + ": no image files (PNG, JPEG, TIFF, BMP, DICOM, NRRD, MetaImage, NIfTI) in it");
  return entries;
}
} // namespace

std::vector<SegmentationSample>
LoadImageFolders(const std::vector<std::string> & folders, const DatalistLoadOptions & options, std::vector<std::string> & skipped)
{
  ProblemList                problems;
  std::vector<DatalistEntry> entries;
  for (const auto & folder : folders)
  {
    const std::vector<DatalistEntry> found = FolderEntries(folder, skipped, problems);
    entries.insert(entries.end(), found.begin(), found.end());
  }
  const ViaCatalogue              via(entries, problems);
  std::vector<SegmentationSample> samples = PrepareEntries(entries, via, options, problems);
  std::vector<std::string>        all = problems.Take();
  if (!all.empty())
    throw DatalistError(folders.size() == 1 ? folders.front() : "the image folders", all);
  return samples;
}

DatalistLoadOptions
DatalistLoadOptions::For(const SemiSupervisedConfig & config, int threads)
{
  DatalistLoadOptions o;
  o.inputSize = config.SampleInputSize();
  o.labelGrids = config.LabelGrids();
  o.threads = threads;
  return o;
}

} // namespace sinus

namespace sinus
{

DatasetFingerprint
ReadLabelledFingerprint(const std::string & datalistPath)
{
  std::vector<std::pair<int64_t, int64_t>> sizes;
  for (const DatalistEntry & e : ReadDatalist(datalistPath))
  {
    if (e.list != "training" || (e.label.empty() && e.viaCsv.empty()))
      continue;
    const itk::Size<2> size = ReadImageSize(e.image);
    sizes.emplace_back(static_cast<int64_t>(size[1]), static_cast<int64_t>(size[0]));
  }
  if (sizes.empty())
    throw std::runtime_error(datalistPath + ": no labelled training image to take a fingerprint of");
  return DatasetFingerprint::FromSizes(sizes);
}

std::string
FormatRunDatalist(const std::string & datalistPath)
{
  const auto absolute = [](const std::string & path) { return path.empty() ? path : fs::absolute(path).lexically_normal().string(); };
  Datalist   copy;
  copy.header["copied_from"] = absolute(datalistPath);
  for (const DatalistEntry & e : ReadDatalist(datalistPath))
  {
    const DatalistItem item{ absolute(e.image), absolute(e.label.empty() ? e.viaCsv : e.label) };
    (e.list == "training" ? copy.training : e.list == "validation" ? copy.validation : copy.test).push_back(item);
  }
  return FormatDatalist(copy);
}

std::string
RunDatalistPath(const std::string & runDirectory)
{
  return (fs::path(runDirectory) / "datalist.json").string();
}

} // namespace sinus
