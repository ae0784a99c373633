// SPDX-License-Identifier: Apache-2.0
// Fuzz target: a VGG Image Annotator 2.x CSV export -- CSV, the JSON in its cells, the shapes --
// read as `import-via` reads it, then every shape checked against and rasterised into a small
// image as the importer does.
#include "sinus/ViaAnnotations.h"
#include "sinusFuzzSupport.h"

extern "C" int
LLVMFuzzerTestOneInput(const uint8_t * data, size_t size)
{
  const std::string path = sinusfuzz::WriteInput(data, size, "regions.csv");
  std::vector<sinus::ViaImageAnnotation> images;
  try
  {
    images = sinus::ReadViaCsv(path);
  }
  catch (const std::runtime_error & e)
  {
    sinusfuzz::RequireNamedError(e, path);
    return 0;
  }
  constexpr int64_t kSide = 64;
  for (const auto & image : images)
  {
    std::vector<sinus::ViaShape> shapes;
    try
    {
      for (const auto & region : image.regions)
      {
        sinus::CheckShapeInsideImage(region.shape, kSide, kSide);
        shapes.push_back(region.shape);
      }
    }
    catch (const std::runtime_error &)
    {
      continue; // the importer names the image and region around this message
    }
    sinus::RasterizeShapes(shapes, kSide, kSide);
  }
  return 0;
}
