// SPDX-License-Identifier: Apache-2.0
#include "sinusViaImport.h"

#include "sinus/DatalistLabelling.h"
#include "sinus/FileUtilities.h"
#include "sinus/ViaAnnotations.h"
#include "sinusImageIO.h"

#include <filesystem>
#include <map>

namespace sinus
{
namespace fs = std::filesystem;

namespace
{
/** The first 50 problems, then one line saying there are more. */
class ImportProblems
{
public:
  void Add(const std::string & text)
  {
    if (m_Problems.size() < 50)
      m_Problems.push_back(text);
    else if (m_Problems.size() == 50)
      m_Problems.push_back("... (further problems not listed)");
  }
  void ThrowIfAny() const
  {
    if (m_Problems.empty())
      return;
    std::string message = std::to_string(m_Problems.size()) + " problem(s) in the annotations; nothing was written:";
    for (const auto & p : m_Problems)
      message += "\n  " + p;
    throw std::runtime_error(message);
  }

private:
  std::vector<std::string> m_Problems;
};

/** One mask to write. */
struct PlannedMask
{
  std::string           imageName; ///< as the CSV names it
  std::string           maskName;
  itk::Size<2>          size;
  std::vector<ViaShape> shapes;
};

bool
RegionSelected(const ViaRegion & region, const ViaImportOptions & options)
{
  if (options.attributeKey.empty())
    return true;
  const Json * value = FindJsonMember(region.attributes, options.attributeKey);
  return value && value->is_string() && value->get<std::string>() == options.attributeValue;
}

/** The regions of one image that are kept, each checked against the image's size. */
void
PlanRegions(const ViaImageAnnotation & annotation, const ViaImportOptions & options, PlannedMask & plan, ViaImportSummary & summary,
            ImportProblems & problems)
{
  for (const ViaRegion & region : annotation.regions)
  {
    if (!RegionSelected(region, options))
    {
      ++summary.regionsFilteredOut;
      continue;
    }
    try
    {
      CheckShapeInsideImage(region.shape, static_cast<int64_t>(plan.size[0]), static_cast<int64_t>(plan.size[1]));
      plan.shapes.push_back(region.shape);
    }
    catch (const std::exception & e)
    {
      problems.Add(options.csvPath + ":" + std::to_string(region.line) + ": " + annotation.filename + ": " + e.what());
    }
  }
}

/** Every mask to write, checked before anything is written. */
std::vector<PlannedMask>
PlanMasks(const std::vector<ViaImageAnnotation> & annotations, const ViaImportOptions & options, ViaImportSummary & summary,
          ImportProblems & problems)
{
  std::vector<PlannedMask>           planned;
  std::map<std::string, std::string> maskOwner;
  for (const ViaImageAnnotation & annotation : annotations)
  {
    const std::string where = options.csvPath + ":" + std::to_string(annotation.firstLine) + ": ";
    const fs::path    imagePath = fs::path(options.imagesDirectory) / annotation.filename;
    PlannedMask       plan;
    plan.imageName = annotation.filename;
    plan.maskName = fs::path(annotation.filename).replace_extension(".png").filename().string();
    const auto owner = maskOwner.emplace(plan.maskName, annotation.filename);
    if (!owner.second)
    {
      problems.Add(where + "images '" + owner.first->second + "' and '" + annotation.filename + "' would both write mask '" +
                   plan.maskName + "'");
      continue;
    }
    if (!fs::exists(imagePath))
    {
      problems.Add(where + "image '" + annotation.filename + "' not found in " + options.imagesDirectory);
      continue;
    }
    try
    {
      plan.size = ReadImageSize(imagePath.string());
    }
    catch (const std::exception & e)
    {
      problems.Add(where + e.what());
      continue;
    }
    PlanRegions(annotation, options, plan, summary, problems);
    planned.push_back(std::move(plan));
  }
  return planned;
}
/** The datalist with the planned masks as the labels of their images (AddTrainingLabels); its
 *  problems join the annotations' problems. */
std::string
LabelledDatalist(const std::vector<PlannedMask> & planned, const ViaImportOptions & options, ImportProblems & problems)
{
  std::vector<NewTrainingLabel> labels;
  for (const PlannedMask & plan : planned)
    labels.push_back({ (fs::path(options.imagesDirectory) / plan.imageName).string(), (fs::path(options.outputDirectory) / plan.maskName).string() });
  std::vector<std::string> found;
  std::string              text = AddTrainingLabels(options.datalistPath, labels, found);
  for (const std::string & problem : found)
    problems.Add(problem);
  return text;
}

/** Writes the labelled datalist after the masks are in place; without it the masks are removed
 *  again, so that an import either labels its images or leaves nothing. */
void
CommitDatalist(const ViaImportOptions & options, const std::string & text)
{
  try
  {
    WriteFileAtomically(options.datalistPath, text);
  }
  catch (...)
  {
    std::error_code ec;
    RemoveTree(options.outputDirectory, ec);
    throw;
  }
}
} // namespace

void
SetRegionFilter(ViaImportOptions & options, const std::string & filter)
{
  const size_t equals = filter.find('=');
  if (equals == std::string::npos || equals == 0)
    throw std::invalid_argument("the region filter must be KEY=VALUE, not '" + filter + "'");
  options.attributeKey = filter.substr(0, equals);
  options.attributeValue = filter.substr(equals + 1);
}

ViaImportSummary
ImportViaAnnotations(const ViaImportOptions & options)
{
  const std::vector<ViaImageAnnotation> annotations = ReadViaCsv(options.csvPath);
  if (!fs::is_directory(options.imagesDirectory))
    throw std::runtime_error(options.imagesDirectory + ": image folder not found");
  ViaImportSummary               summary;
  ImportProblems                 problems;
  const std::vector<PlannedMask> planned = PlanMasks(annotations, options, summary, problems);
  const std::string datalist = options.datalistPath.empty() ? std::string() : LabelledDatalist(planned, options, problems);
  problems.ThrowIfAny();
  StagingDirectory staging(options.outputDirectory);
  for (const PlannedMask & plan : planned)
  {
    const Raster<uint8_t> mask =
      RasterizeShapes(plan.shapes, static_cast<int64_t>(plan.size[0]), static_cast<int64_t>(plan.size[1]), options.foreground);
    sinus::WriteImage(RasterToImage(mask).GetPointer(), (staging.Path() / plan.maskName).string());
    ++summary.images;
    summary.regions += static_cast<int>(plan.shapes.size());
  }
  staging.Commit();
  if (!options.datalistPath.empty())
  {
    CommitDatalist(options, datalist);
    summary.labelsAdded = static_cast<int>(planned.size());
  }
  return summary;
}

} // namespace sinus
