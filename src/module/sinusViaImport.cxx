#include "sinusViaImport.h"

#include "sinus/FileUtilities.h"
#include "sinus/ViaAnnotations.h"
#include "sinusImageIO.h"

#include <filesystem>
#include <map>

namespace sinus
{
namespace fs = std::filesystem;

ViaImportSummary
ImportViaAnnotations(const ViaImportOptions & options)
{
  std::vector<std::string> problems;
  const auto               problem = [&](const std::string & text) {
    if (problems.size() < 50)
      problems.push_back(text);
    else if (problems.size() == 50)
      problems.push_back("... (further problems not listed)");
  };
  const std::vector<ViaImageAnnotation> annotations = ReadViaCsv(options.csvPath);
  if (!fs::is_directory(options.imagesDirectory))
  {
    throw std::runtime_error(options.imagesDirectory + ": image folder not found");
  }
  struct Planned
  {
    std::string          maskName;
    itk::Size<2>         size;
    std::vector<ViaShape> shapes;
  };
  std::vector<Planned>               planned;
  std::map<std::string, std::string> maskOwner;
  ViaImportSummary                   summary;
  for (const ViaImageAnnotation & annotation : annotations)
  {
    const std::string where = options.csvPath + ":" + std::to_string(annotation.firstLine) + ": ";
    const fs::path    imagePath = fs::path(options.imagesDirectory) / annotation.filename;
    Planned           plan;
    plan.maskName = fs::path(annotation.filename).replace_extension(".png").filename().string();
    const auto owner = maskOwner.emplace(plan.maskName, annotation.filename);
    if (!owner.second)
    {
      problem(where + "images '" + owner.first->second + "' and '" + annotation.filename + "' would both write mask '" +
              plan.maskName + "'");
      continue;
    }
    if (!fs::exists(imagePath))
    {
      problem(where + "image '" + annotation.filename + "' not found in " + options.imagesDirectory);
      continue;
    }
    try
    {
      plan.size = ReadImageSize(imagePath.string());
    }
    catch (const std::exception & e)
    {
      problem(where + e.what());
      continue;
    }
    for (const ViaRegion & region : annotation.regions)
    {
      if (!options.attributeKey.empty())
      {
        const Json * value = region.attributes.IsObject() ? region.attributes.Find(options.attributeKey) : nullptr;
        if (!value || !value->IsString() || value->AsString() != options.attributeValue)
        {
          ++summary.regionsFilteredOut;
          continue;
        }
      }
      try
      {
        CheckShapeInsideImage(region.shape, static_cast<int64_t>(plan.size[0]), static_cast<int64_t>(plan.size[1]));
        plan.shapes.push_back(region.shape);
      }
      catch (const std::exception & e)
      {
        problem(options.csvPath + ":" + std::to_string(region.line) + ": " + annotation.filename + ": " + e.what());
      }
    }
    planned.push_back(std::move(plan));
  }
  if (!problems.empty())
  {
    std::string message = std::to_string(problems.size()) + " problem(s) in the annotations; nothing was written:";
    for (const auto & p : problems)
      message += "\n  " + p;
    throw std::runtime_error(message);
  }
  StagingDirectory staging(options.outputDirectory);
  for (const Planned & plan : planned)
  {
    const Raster<uint8_t> mask = RasterizeShapes(plan.shapes, static_cast<int64_t>(plan.size[0]),
                                                 static_cast<int64_t>(plan.size[1]), options.foreground);
    WriteImage(RasterToImage(mask).GetPointer(), (staging.Path() / plan.maskName).string());
    ++summary.images;
    summary.regions += static_cast<int>(plan.shapes.size());
  }
  staging.Commit();
  return summary;
}

} // namespace sinus
