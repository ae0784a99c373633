#include "sinusPhantomDataset.h"

#include "sinus/FileUtilities.h"
#include "sinus/Json.h"
#include "sinus/PanoramicPhantom.h"
#include "sinus/ViaAnnotations.h"
#include "sinusImageIO.h"

#include "itkRGBPixel.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>

namespace sinus
{
namespace fs = std::filesystem;

namespace
{
std::string
PhantomName(int index)
{
  char name[32];
  std::snprintf(name, sizeof(name), "phantom_%05d", index);
  return name;
}

Json
Entry(const std::string & name, bool withLabel)
{
  Json e = Json::Object();
  e["image"] = "images/" + name + ".png";
  if (withLabel)
  {
    e["label"] = "masks/" + name + ".png";
  }
  return e;
}
} // namespace

void
WriteOutlinedMontage(const std::vector<Raster<uint8_t>> & images, const std::vector<Raster<uint8_t>> & masks,
                     const std::string & path, int64_t tileWidth)
{
  if (images.empty() || images.size() != masks.size())
  {
    throw std::invalid_argument("WriteOutlinedMontage: needs as many masks as images (at least one)");
  }
  using RGBImageType = itk::Image<itk::RGBPixel<uint8_t>, 2>;
  const int64_t gap = 6;
  std::vector<int64_t> heights;
  int64_t              total = 0;
  for (const auto & image : images)
  {
    heights.push_back(std::max<int64_t>(1, image.height * tileWidth / image.width));
    total += heights.back() + gap;
  }
  total -= gap;
  auto                   montage = RGBImageType::New();
  RGBImageType::SizeType size;
  size[0] = static_cast<itk::SizeValueType>(tileWidth);
  size[1] = static_cast<itk::SizeValueType>(total);
  montage->SetRegions(RGBImageType::RegionType(size));
  montage->Allocate();
  itk::RGBPixel<uint8_t> white;
  white.Fill(255);
  montage->FillBuffer(white);
  int64_t top = 0;
  for (size_t t = 0; t < images.size(); ++t)
  {
    const Raster<uint8_t> & image = images[t];
    const Raster<uint8_t> & mask = masks[t];
    const int64_t           h = heights[t];
    // Box-average the radiograph; sample the mask at tile-pixel centres, then outline it.
    Raster<uint8_t> small(h, tileWidth), smallMask(h, tileWidth);
    for (int64_t y = 0; y < h; ++y)
    {
      const int64_t y0 = y * image.height / h, y1 = std::max(y0 + 1, (y + 1) * image.height / h);
      for (int64_t x = 0; x < tileWidth; ++x)
      {
        const int64_t x0 = x * image.width / tileWidth, x1 = std::max(x0 + 1, (x + 1) * image.width / tileWidth);
        int64_t       sum = 0;
        for (int64_t yy = y0; yy < y1; ++yy)
          for (int64_t xx = x0; xx < x1; ++xx)
            sum += image(yy, xx);
        small(y, x) = static_cast<uint8_t>(sum / ((y1 - y0) * (x1 - x0)));
        smallMask(y, x) = mask((2 * y + 1) * image.height / (2 * h), (2 * x + 1) * image.width / (2 * tileWidth)) != 0;
      }
    }
    for (int64_t y = 0; y < h; ++y)
    {
      for (int64_t x = 0; x < tileWidth; ++x)
      {
        itk::RGBPixel<uint8_t> p;
        p.Fill(small(y, x));
        bool edge = false;
        if (smallMask(y, x))
        {
          for (int64_t dy = -1; dy <= 1 && !edge; ++dy)
            for (int64_t dx = -1; dx <= 1 && !edge; ++dx)
            {
              const int64_t yy = y + dy, xx = x + dx;
              edge = yy < 0 || xx < 0 || yy >= h || xx >= tileWidth || !smallMask(yy, xx);
            }
        }
        if (edge)
        {
          p[0] = 255;
          p[1] = 210;
          p[2] = 0;
        }
        RGBImageType::IndexType index = { { static_cast<itk::IndexValueType>(x), static_cast<itk::IndexValueType>(top + y) } };
        montage->SetPixel(index, p);
      }
    }
    top += h + gap;
  }
  WriteImage(montage.GetPointer(), path);
}

PhantomDatasetSummary
WritePhantomDataset(const PhantomDatasetOptions & options)
{
  const auto start = std::chrono::steady_clock::now();
  if (options.count < 1)
  {
    throw std::invalid_argument("the phantom count must be at least 1, got " + std::to_string(options.count));
  }
  for (double f : { options.labeledFraction, options.validationFraction, options.testFraction })
  {
    if (!(f >= 0 && f <= 1))
    {
      throw std::invalid_argument("fractions must lie in [0, 1]");
    }
  }
  if (options.validationFraction + options.testFraction > 1)
  {
    throw std::invalid_argument("the validation and test fractions add up to more than 1");
  }
  const int test = static_cast<int>(std::lround(options.count * options.testFraction));
  const int validation = static_cast<int>(std::lround(options.count * options.validationFraction));
  const int training = options.count - test - validation;
  int       labeled = static_cast<int>(std::lround(training * options.labeledFraction));
  if (options.labeledFraction > 0 && training > 0)
  {
    labeled = std::max(labeled, 1);
  }

  StagingDirectory staging(options.outputDirectory);
  fs::create_directories(staging.Path() / "images");
  fs::create_directories(staging.Path() / "masks");

  struct Written
  {
    int64_t               fileSize = 0;
    std::vector<Polygon2> polygons;
    Json                  parameters;
  };
  std::vector<Written>         written(static_cast<size_t>(options.count));
  std::vector<Raster<uint8_t>> previewImages, previewMasks;
  const int                    previewCount = options.previewPath.empty() ? 0 : std::min(3, options.count);
  previewImages.resize(static_cast<size_t>(previewCount));
  previewMasks.resize(static_cast<size_t>(previewCount));

  std::atomic<int>   next{ 0 }, done{ 0 };
  std::mutex         ioMutex;
  std::exception_ptr failure;
  const auto         worker = [&]() {
    while (true)
    {
      const int i = next++;
      if (i >= options.count)
        return;
      {
        std::lock_guard<std::mutex> lock(ioMutex);
        if (failure)
          return;
      }
      try
      {
        PanoramicPhantomOptions phantomOptions;
        phantomOptions.width = options.width;
        phantomOptions.height = options.height;
        phantomOptions.seed = DerivePhantomSeed(options.seed, static_cast<uint64_t>(i));
        PanoramicPhantom phantom = GeneratePanoramicPhantom(phantomOptions);
        int              holes = 0;
        Written          w;
        w.polygons = TraceMaskPolygons(phantom.mask, options.polygonTolerance, &holes);
        if (holes != 0)
        {
          throw std::runtime_error("phantom " + std::to_string(i) + ": the sinus mask has holes, which VIA polygons cannot hold");
        }
        w.parameters = phantom.parameters;
        const std::string name = PhantomName(i);
        const fs::path    imagePath = staging.Path() / "images" / (name + ".png");
        std::lock_guard<std::mutex> lock(ioMutex);
        WriteImage(RasterToImage(phantom.image).GetPointer(), imagePath.string());
        WriteImage(RasterToImage(phantom.mask).GetPointer(), (staging.Path() / "masks" / (name + ".png")).string());
        w.fileSize = static_cast<int64_t>(fs::file_size(imagePath));
        written[static_cast<size_t>(i)] = std::move(w);
        if (i < previewCount)
        {
          previewImages[static_cast<size_t>(i)] = std::move(phantom.image);
          previewMasks[static_cast<size_t>(i)] = std::move(phantom.mask);
        }
        const int finished = ++done;
        if (options.progress)
          options.progress(finished, options.count);
      }
      catch (...)
      {
        std::lock_guard<std::mutex> lock(ioMutex);
        if (!failure)
          failure = std::current_exception();
        return;
      }
    }
  };
  const int threads =
    std::max(1, std::min(options.count, options.threads > 0 ? options.threads
                                                              : static_cast<int>(std::thread::hardware_concurrency())));
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back(worker);
  for (auto & t : pool)
    t.join();
  if (failure)
    std::rethrow_exception(failure);

  PhantomDatasetSummary summary;
  std::vector<ViaImageAnnotation> via;
  Json                            trainingList = Json::Array(), validationList = Json::Array(), testList = Json::Array();
  Json                            parameters = Json::Array();
  for (int i = 0; i < options.count; ++i)
  {
    const std::string name = PhantomName(i);
    ViaImageAnnotation annotation;
    annotation.filename = name + ".png";
    annotation.fileSize = written[static_cast<size_t>(i)].fileSize;
    for (const Polygon2 & polygon : written[static_cast<size_t>(i)].polygons)
    {
      ViaRegion region;
      region.shape = MakePolygonShape(polygon);
      region.attributes["label"] = "maxillary_sinus";
      annotation.regions.push_back(region);
      ++summary.polygons;
    }
    via.push_back(annotation);
    Json p = written[static_cast<size_t>(i)].parameters;
    p["image"] = "images/" + name + ".png";
    parameters.PushBack(p);
    if (i < training)
    {
      const bool isLabeled = i < labeled;
      trainingList.PushBack(Entry(name, isLabeled));
      (isLabeled ? summary.labeled : summary.unlabeled)++;
    }
    else if (i < training + validation)
    {
      validationList.PushBack(Entry(name, true));
      ++summary.validation;
    }
    else
    {
      testList.PushBack(Entry(name, true));
      ++summary.test;
    }
  }
  WriteFileAtomically(staging.Path() / "annotations_via.csv", FormatViaCsv(via));
  Json datalist = Json::Object();
  datalist["description"] = "SinusSeg synthetic panoramic radiographs with maxillary-sinus masks";
  datalist["generator"] = "sinusseg phantoms";
  datalist["seed"] = static_cast<double>(options.seed);
  datalist["image_size"] = Json(Json::ArrayType{ Json(options.width), Json(options.height) });
  datalist["labels"] = Json::Object();
  datalist["labels"]["0"] = "background";
  datalist["labels"]["255"] = "maxillary_sinus";
  datalist["annotations"] = "annotations_via.csv";
  datalist["training"] = trainingList;
  datalist["validation"] = validationList;
  datalist["test"] = testList;
  WriteFileAtomically(staging.Path() / "dataset.json", datalist.Dump(2) + "\n");
  WriteFileAtomically(staging.Path() / "phantom_parameters.json", parameters.Dump(2) + "\n");
  if (previewCount > 0)
  {
    WriteOutlinedMontage(previewImages, previewMasks, options.previewPath);
  }
  staging.Commit();
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return summary;
}

} // namespace sinus
