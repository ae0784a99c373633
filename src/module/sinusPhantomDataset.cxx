// SPDX-License-Identifier: Apache-2.0
#include "sinusPhantomDataset.h"

#include "sinus/Datalist.h"
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

DatalistItem
Entry(const std::string & name, bool withLabel)
{
  return { "images/" + name + ".png", withLabel ? "masks/" + name + ".png" : std::string() };
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
  sinus::WriteImage(montage.GetPointer(), path);
}

namespace
{
/** How many phantoms go to each list. */
struct PhantomSplit
{
  int test = 0, validation = 0, training = 0, labelled = 0;
};

PhantomSplit
PlanPhantomSplit(const PhantomDatasetOptions & options)
{
  if (options.count < 1)
    throw std::invalid_argument("the phantom count must be at least 1, got " + std::to_string(options.count));
  for (double f : { options.labeledFraction, options.validationFraction, options.testFraction })
    if (!(f >= 0 && f <= 1))
      throw std::invalid_argument("fractions must lie in [0, 1]");
  if (options.validationFraction + options.testFraction > 1)
    throw std::invalid_argument("the validation and test fractions add up to more than 1");
  PhantomSplit split;
  split.test = static_cast<int>(std::lround(options.count * options.testFraction));
  split.validation = static_cast<int>(std::lround(options.count * options.validationFraction));
  split.training = options.count - split.test - split.validation;
  split.labelled = static_cast<int>(std::lround(split.training * options.labeledFraction));
  if (options.labeledFraction > 0 && split.training > 0)
    split.labelled = std::max(split.labelled, 1);
  return split;
}

/** What is kept of each phantom after its files are written. */
struct WrittenPhantom
{
  int64_t               fileSize = 0;
  std::vector<Polygon2> polygons;
  Json                  parameters;
};

/** Generates and writes the phantoms on a pool of threads; each thread writes whole phantoms, and
 *  the first failure stops the others. The first three are kept for the preview. */
class PhantomWriter
{
public:
  PhantomWriter(const PhantomDatasetOptions & options, const fs::path & folder)
    : m_Options(options)
    , m_Folder(folder)
    , m_Written(static_cast<size_t>(options.count))
    , m_PreviewCount(options.previewPath.empty() ? 0 : std::min(3, options.count))
  {
    previewImages.resize(static_cast<size_t>(m_PreviewCount));
    previewMasks.resize(static_cast<size_t>(m_PreviewCount));
  }

  const std::vector<WrittenPhantom> & Run();

  std::vector<Raster<uint8_t>> previewImages, previewMasks;

private:
  void Work();
  void WriteOne(int index);

  const PhantomDatasetOptions & m_Options;
  const fs::path                m_Folder;
  std::vector<WrittenPhantom>   m_Written;
  const int                     m_PreviewCount;
  std::atomic<int>              m_Next{ 0 }, m_Done{ 0 };
  std::mutex                    m_Mutex;
  std::exception_ptr            m_Failure;
};

void
PhantomWriter::WriteOne(int i)
{
  PanoramicPhantomOptions phantomOptions;
  phantomOptions.width = m_Options.width;
  phantomOptions.height = m_Options.height;
  phantomOptions.seed = DerivePhantomSeed(m_Options.seed, static_cast<uint64_t>(i));
  PanoramicPhantom phantom = GeneratePanoramicPhantom(phantomOptions);
  int              holes = 0;
  WrittenPhantom   w;
  w.polygons = TraceMaskPolygons(phantom.mask, m_Options.polygonTolerance, &holes);
  if (holes != 0)
    throw std::runtime_error("phantom " + std::to_string(i) + ": the sinus mask has holes, which VIA polygons cannot hold");
  w.parameters = phantom.parameters;
  const std::string           name = PhantomName(i);
  const fs::path              imagePath = m_Folder / "images" / (name + ".png");
  std::lock_guard<std::mutex> lock(m_Mutex);
  sinus::WriteImage(RasterToImage(phantom.image).GetPointer(), imagePath.string());
  sinus::WriteImage(RasterToImage(phantom.mask).GetPointer(), (m_Folder / "masks" / (name + ".png")).string());
  w.fileSize = static_cast<int64_t>(fs::file_size(imagePath));
  m_Written[static_cast<size_t>(i)] = std::move(w);
  if (i < m_PreviewCount)
  {
    previewImages[static_cast<size_t>(i)] = std::move(phantom.image);
    previewMasks[static_cast<size_t>(i)] = std::move(phantom.mask);
  }
}

void
PhantomWriter::Work()
{
  for (int i = m_Next++; i < m_Options.count; i = m_Next++)
  {
    {
      std::lock_guard<std::mutex> lock(m_Mutex);
      if (m_Failure)
        return;
    }
    try
    {
      WriteOne(i);
      const int finished = ++m_Done;
      if (m_Options.progress)
        m_Options.progress(finished, m_Options.count);
    }
    catch (...)
    {
      std::lock_guard<std::mutex> lock(m_Mutex);
      if (!m_Failure)
        m_Failure = std::current_exception();
      return;
    }
  }
}

const std::vector<WrittenPhantom> &
PhantomWriter::Run()
{
  const int available = m_Options.threads > 0 ? m_Options.threads : static_cast<int>(std::thread::hardware_concurrency());
  const int threads = std::max(1, std::min(m_Options.count, available));
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([this] { Work(); });
  for (auto & t : pool)
    t.join();
  if (m_Failure)
    std::rethrow_exception(m_Failure);
  return m_Written;
}

ViaImageAnnotation
PhantomAnnotation(const std::string & name, const WrittenPhantom & written)
{
  ViaImageAnnotation annotation;
  annotation.filename = name + ".png";
  annotation.fileSize = written.fileSize;
  for (const Polygon2 & polygon : written.polygons)
  {
    ViaRegion region;
    region.shape = MakePolygonShape(polygon);
    region.attributes["label"] = "maxillary_sinus";
    annotation.regions.push_back(region);
  }
  return annotation;
}

Json
PhantomDatalistHeader(const PhantomDatasetOptions & options)
{
  Json header = Json::object();
  header["description"] = "SinusSeg synthetic panoramic radiographs with maxillary-sinus masks";
  header["generator"] = "sinusseg phantoms";
  header["seed"] = options.seed;
  header["image_size"] = Json::array({ Json(options.width), Json(options.height) });
  header["labels"] = Json::object();
  header["labels"]["0"] = "background";
  header["labels"]["255"] = "maxillary_sinus";
  header["annotations"] = "annotations_via.csv";
  return header;
}

/** The VIA CSV, the datalist and the parameters of every phantom, in the staging folder. */
PhantomDatasetSummary
WriteDatasetFiles(const PhantomDatasetOptions & options, const PhantomSplit & split, const std::vector<WrittenPhantom> & written,
                  const fs::path & folder)
{
  PhantomDatasetSummary           summary;
  std::vector<ViaImageAnnotation> via;
  Datalist                        datalist;
  datalist.header = PhantomDatalistHeader(options);
  Json parameters = Json::array();
  for (int i = 0; i < options.count; ++i)
  {
    const std::string name = PhantomName(i);
    via.push_back(PhantomAnnotation(name, written[static_cast<size_t>(i)]));
    summary.polygons += static_cast<int>(via.back().regions.size());
    Json p = written[static_cast<size_t>(i)].parameters;
    p["image"] = "images/" + name + ".png";
    parameters.push_back(p);
    const bool labelled = i < split.labelled;
    if (i < split.training)
      datalist.training.push_back(Entry(name, labelled));
    else
      (i < split.training + split.validation ? datalist.validation : datalist.test).push_back(Entry(name, true));
  }
  summary.labeled = std::min(split.labelled, split.training);
  summary.unlabeled = split.training - summary.labeled;
  summary.validation = split.validation;
  summary.test = split.test;
  WriteFileAtomically(folder / "annotations_via.csv", FormatViaCsv(via));
  WriteFileAtomically(folder / "dataset.json", FormatDatalist(datalist));
  WriteFileAtomically(folder / "phantom_parameters.json", parameters.dump(2) + "\n");
  return summary;
}
} // namespace

PhantomDatasetSummary
WritePhantomDataset(const PhantomDatasetOptions & options)
{
  const auto         start = std::chrono::steady_clock::now();
  const PhantomSplit split = PlanPhantomSplit(options);
  StagingDirectory   staging(options.outputDirectory);
  fs::create_directories(staging.Path() / "images");
  fs::create_directories(staging.Path() / "masks");
  PhantomWriter         writer(options, staging.Path());
  PhantomDatasetSummary summary = WriteDatasetFiles(options, split, writer.Run(), staging.Path());
  if (!writer.previewImages.empty())
    WriteOutlinedMontage(writer.previewImages, writer.previewMasks, options.previewPath);
  staging.Commit();
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return summary;
}

} // namespace sinus
