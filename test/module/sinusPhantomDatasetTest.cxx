// SPDX-License-Identifier: Apache-2.0
#include "sinus/FileUtilities.h"
#include "sinus/Json.h"
#include "sinus/ViaAnnotations.h"
#include "sinusTestSupport.h"
#include "sinusImageIO.h"
#include "sinusPhantomDataset.h"
#include "sinusViaImport.h"
#include "sinus/SegmentationMetrics.h"

#include <gtest/gtest.h>

namespace fs = std::filesystem;
using namespace sinus;

namespace
{
PhantomDatasetOptions
SmallDataset(const fs::path & out)
{
  PhantomDatasetOptions options;
  options.outputDirectory = out.string();
  options.count = 6;
  options.width = 768;
  options.height = 384;
  options.seed = 11;
  options.labeledFraction = 0.5;
  options.validationFraction = 1.0 / 6;
  options.testFraction = 2.0 / 6;
  return options;
}
} // namespace

TEST(PhantomDataset, WritesImagesMasksViaCsvAndDatalist)
{
  const fs::path root = ScratchDirectory("dataset");
  PhantomDatasetOptions options = SmallDataset(root / "set");
  options.previewPath = (root / "preview.png").string();
  const PhantomDatasetSummary summary = WritePhantomDataset(options);
  EXPECT_EQ(summary.labeled + summary.unlabeled, 3);
  EXPECT_EQ(summary.labeled, 2); // round(3 * 0.5)
  EXPECT_EQ(summary.validation, 1);
  EXPECT_EQ(summary.test, 2);
  EXPECT_TRUE(fs::exists(root / "preview.png"));

  const Json datalist = ParseJson(ReadTextFile(root / "set" / "dataset.json"));
  EXPECT_EQ(datalist.at("annotations").get<std::string>(), "annotations_via.csv");
  int labeledEntries = 0;
  for (const Json & entry : datalist.at("training"))
  {
    EXPECT_TRUE(fs::exists(root / "set" / entry.at("image").get<std::string>()));
    if (entry.contains("label"))
    {
      ++labeledEntries;
      EXPECT_TRUE(fs::exists(root / "set" / entry.at("label").get<std::string>()));
    }
  }
  EXPECT_EQ(labeledEntries, 2);
  for (const char * split : { "validation", "test" })
    for (const Json & entry : datalist.at(split))
      EXPECT_TRUE(entry.contains("label")) << split;

  // The VIA CSV: two sinus polygons per image and the real file sizes.
  const auto annotations = ReadViaCsv((root / "set" / "annotations_via.csv").string());
  ASSERT_EQ(annotations.size(), 6u);
  for (const auto & image : annotations)
  {
    EXPECT_EQ(image.regions.size(), 2u) << image.filename;
    EXPECT_EQ(image.fileSize, static_cast<int64_t>(fs::file_size(root / "set" / "images" / image.filename)));
    EXPECT_EQ(image.regions[0].attributes.at("label").get<std::string>(), "maxillary_sinus");
  }
  sinus::RemoveTree(root);
}

TEST(PhantomDataset, ViaRoundTripReproducesTheMasks)
{
  // phantom masks -> VIA CSV polygons -> import -> Dice >= 0.99 against the original masks.
  const fs::path root = ScratchDirectory("roundtrip");
  WritePhantomDataset(SmallDataset(root / "set"));
  ViaImportOptions importOptions;
  importOptions.csvPath = (root / "set" / "annotations_via.csv").string();
  importOptions.imagesDirectory = (root / "set" / "images").string();
  importOptions.outputDirectory = (root / "imported").string();
  const ViaImportSummary summary = ImportViaAnnotations(importOptions);
  EXPECT_EQ(summary.images, 6);
  EXPECT_EQ(summary.regions, 12);
  double worst = 1;
  for (const auto & entry : fs::directory_iterator(root / "set" / "masks"))
  {
    const auto original = ImageToRaster(ReadMask(entry.path().string()).GetPointer());
    const auto imported = ImageToRaster(ReadMask((root / "imported" / entry.path().filename()).string()).GetPointer());
    worst = std::min(worst, ComputeSegmentationMetrics(original.data.data(), imported.data.data(),
                                                       MaskGrid{ { original.width, original.height }, { 1.0, 1.0 } })
                              .dice);
  }
  RecordProperty("worst_dice", std::to_string(worst));
  std::cout << "worst round-trip Dice: " << worst << std::endl;
  EXPECT_GE(worst, 0.99);
  sinus::RemoveTree(root);
}

TEST(PhantomDataset, SameSeedSameBytes)
{
  const fs::path root = ScratchDirectory("determinism");
  PhantomDatasetOptions a = SmallDataset(root / "a"), b = SmallDataset(root / "b");
  a.count = b.count = 2;
  a.threads = 1;
  b.threads = 2;
  WritePhantomDataset(a);
  WritePhantomDataset(b);
  for (const char * file : { "images/phantom_00001.png", "masks/phantom_00000.png", "annotations_via.csv", "dataset.json" })
    EXPECT_EQ(ReadTextFile(root / "a" / file), ReadTextFile(root / "b" / file)) << file;
  sinus::RemoveTree(root);
}

TEST(PhantomDataset, RefusesANonEmptyOutputFolder)
{
  const fs::path root = ScratchDirectory("nonempty");
  fs::create_directories(root / "set");
  WriteFileAtomically(root / "set" / "keep.txt", "user data");
  EXPECT_THROW(WritePhantomDataset(SmallDataset(root / "set")), std::runtime_error);
  EXPECT_EQ(ReadTextFile(root / "set" / "keep.txt"), "user data");
  sinus::RemoveTree(root);
}

TEST(ViaImport, ReportsEveryProblemAndWritesNothing)
{
  const fs::path root = ScratchDirectory("viaerrors");
  PhantomDatasetOptions options = SmallDataset(root / "set");
  options.count = 2;
  WritePhantomDataset(options);
  const std::string header =
    "filename,file_size,file_attributes,region_count,region_id,region_shape_attributes,region_attributes\n";
  const std::string csv = header +
                          "phantom_00000.png,1,\"{}\",1,0,\"{\"\"name\"\":\"\"polygon\"\",\"\"all_points_x\"\":[1,900,5],"
                          "\"\"all_points_y\"\":[1,2,5]}\",\"{}\"\n"
                          "missing.png,1,\"{}\",0,0,\"{}\",\"{}\"\n";
  WriteFileAtomically(root / "bad.csv", csv);
  ViaImportOptions importOptions;
  importOptions.csvPath = (root / "bad.csv").string();
  importOptions.imagesDirectory = (root / "set" / "images").string();
  importOptions.outputDirectory = (root / "out").string();
  try
  {
    ImportViaAnnotations(importOptions);
    FAIL() << "no error";
  }
  catch (const std::runtime_error & e)
  {
    const std::string message = e.what();
    EXPECT_NE(message.find("2 problem(s)"), std::string::npos) << message;
    EXPECT_NE(message.find("bad.csv:2: phantom_00000.png: polygon point (900, 2) lies outside the 768x384 image"),
              std::string::npos)
      << message;
    EXPECT_NE(message.find("bad.csv:3: image 'missing.png' not found"), std::string::npos) << message;
  }
  EXPECT_FALSE(fs::exists(root / "out"));
  sinus::RemoveTree(root);
}
