// SPDX-License-Identifier: Apache-2.0
// SinusSegmentationCLI as 3D Slicer runs it: single-slice volumes, RAS regions, return parameters,
// progress tags, errors on stderr with a non-zero exit.
#include "itkImageFileReader.h"
#include "itkMedSAMImageFilter.h"
#include "itkSegmenterImageFilter.h"
#include "sinus/FileUtilities.h"
#include "sinus/MaskPostprocessing.h"
#include "sinus/ModelFile.h"
#include "sinus/SegmenterRegistry.h"
#include "sinus/TensorDictionary.h"
#include "sinus/SegmentationMetrics.h"
#include "sinusBFloat16Availability.h"
#include "sinusTestSupport.h"
#include "sinusFilterSupport.h"
#include "sinusImageIO.h"

#include <gtest/gtest.h>

#include <cstdio>

namespace fs = std::filesystem;

namespace
{
using CliResult = CommandResult;

CliResult
RunCli(const std::string & arguments)
{
  return RunCommand(SINUSSEG_SLICER_CLI, arguments);
}

using Volume = itk::Image<float, 3>;

/** A 160 x 96 test radiograph with a bright blob, as a 2-D image and as a single-slice volume with
 *  spacing 0.5 mm and origin (10, 20, 0) mm (LPS). */
sinus::RadiographImageType::Pointer
MakeRadiograph()
{
  auto image = sinus::RadiographImageType::New();
  image->SetRegions(sinus::RadiographImageType::SizeType{ { 160, 96 } });
  image->Allocate();
  for (itk::IndexValueType y = 0; y < 96; ++y)
    for (itk::IndexValueType x = 0; x < 160; ++x)
      image->SetPixel({ { x, y } }, static_cast<float>(((x - 60) * (x - 60) + (y - 40) * (y - 40) < 400 ? 200 : 40) + (x * 7 + y * 3) % 23));
  return image;
}

Volume::Pointer
AsVolume(const sinus::RadiographImageType * image, itk::SizeValueType slices = 1)
{
  auto volume = Volume::New();
  volume->SetRegions(Volume::SizeType{ { 160, 96, slices } });
  Volume::SpacingType spacing;
  spacing.Fill(0.5);
  spacing[2] = 1.0;
  volume->SetSpacing(spacing);
  Volume::PointType origin;
  origin[0] = 10;
  origin[1] = 20;
  origin[2] = 0;
  volume->SetOrigin(origin);
  volume->Allocate();
  for (itk::SizeValueType z = 0; z < slices; ++z)
    std::copy_n(image->GetBufferPointer(), 160 * 96, volume->GetBufferPointer() + z * 160 * 96);
  return volume;
}
} // namespace

TEST(SlicerModule, XmlAndRegionBoxAndReturnParameters)
{
  const fs::path root = ScratchDirectory("slicer");
  // A model: the golden tiny SAM as a SinusSeg model file.
  sinus::Sam model = sinus::LoadSamFromCheckpoint(SharedDirectory() + "/reference/golden/tiny_sam.pth",
                                                  SharedDirectory() + "/reference/golden/tiny_sam_config.json");
  sinus::SaveSamModel((root / "tiny.sinusseg").string(), *model);
  const auto radiograph = MakeRadiograph();
  sinus::WriteImage(AsVolume(radiograph).GetPointer(), (root / "radiograph.nrrd").string());

  const CliResult xml = RunCli("--xml");
  EXPECT_EQ(xml.status, 0);
  EXPECT_NE(xml.output.find("<region coordinateSystem=\"ras\">"), std::string::npos);

  // The ROI of pixels [40, 120] x [20, 70] (pixel edges): centre pixel coordinate (80, 45) is
  // continuous index (79.5, 44.5), LPS (10 + 0.5 * 79.5, 20 + 0.5 * 44.5) = (49.75, 42.25) mm,
  // radius (40 * 0.5, 25 * 0.5) = (20, 12.5) mm; RAS flips x and y.
  const std::string region = "--region -49.75,-42.25,0,20,12.5,1";
  const CliResult   run = RunCli(region + " --threads 1 --precision fp32 --returnparameterfile '" + (root / "returned.txt").string() + "' --reference '" +
                               (root / "radiograph.nrrd").string() + "' '" + (root / "radiograph.nrrd").string() + "' '" +
                               (root / "label.nrrd").string() + "' '" + (root / "tiny.sinusseg").string() + "'");
  ASSERT_EQ(run.status, 0) << run.output;
  EXPECT_NE(run.output.find("<filter-start>"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("<filter-progress>"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("<filter-end>"), std::string::npos) << run.output;
  const std::string returned = sinus::ReadTextFile(root / "returned.txt");
  EXPECT_EQ(returned.rfind("dice = ", 0), 0u) << returned;
  EXPECT_NE(returned.find("\nhd95 = "), std::string::npos) << returned;

  // The label map equals the filter run in-process with box (40, 20, 120, 70), and keeps the
  // volume's geometry.
  auto reader = itk::ImageFileReader<itk::Image<unsigned char, 3>>::New();
  reader->SetFileName((root / "label.nrrd").string());
  reader->Update();
  const auto label = reader->GetOutput();
  EXPECT_EQ(label->GetLargestPossibleRegion().GetSize()[2], 1u);
  {
    // Written as a volume, like its input (not as a 2-D image that reads back as one slice).
    const auto io = itk::ImageIOFactory::CreateImageIO((root / "label.nrrd").string().c_str(), itk::ImageIOFactory::IOFileModeEnum::ReadMode);
    io->SetFileName((root / "label.nrrd").string());
    io->ReadImageInformation();
    EXPECT_EQ(io->GetNumberOfDimensions(), 3u);
  }
  EXPECT_DOUBLE_EQ(label->GetOrigin()[0], 10.0);
  EXPECT_DOUBLE_EQ(label->GetSpacing()[1], 0.5);
  sinus::ConfigureRuntime(1); // the CLI ran with --threads 1: the same arithmetic order
  auto filter = itk::MedSAMImageFilter<sinus::RadiographImageType>::New();
  filter->SetInput(radiograph);
  filter->SetModel(model);
  filter->SetForegroundValue(1);
  filter->SetRescaleInputTo8BitRange(false); // the CLI keeps values already in [0, 255]
  filter->SetBoxes({ sinus::BoxPrompt{ 40, 20, 120, 70 } });
  filter->Update();
  int differences = 0;
  for (size_t i = 0; i < 160 * 96; ++i)
    differences += filter->GetMaskOutput()->GetBufferPointer()[i] != label->GetBufferPointer()[i];
  EXPECT_EQ(differences, 0);

  // Errors: a region outside the image, a 3-slice volume; nothing written, message on stderr.
  const CliResult outside = RunCli("--region -500,-42.25,0,20,12.5,1 '" + (root / "radiograph.nrrd").string() + "' '" +
                                   (root / "outside.nrrd").string() + "' '" + (root / "tiny.sinusseg").string() + "'");
  EXPECT_EQ(outside.status, 1);
  EXPECT_NE(outside.output.find("outside the 160x96 image"), std::string::npos) << outside.output;
  EXPECT_FALSE(fs::exists(root / "outside.nrrd"));
  sinus::WriteImage(AsVolume(radiograph, 3).GetPointer(), (root / "stack.nrrd").string());
  const CliResult stack = RunCli("'" + (root / "stack.nrrd").string() + "' '" + (root / "stack_label.nrrd").string() + "' '" +
                                 (root / "tiny.sinusseg").string() + "'");
  EXPECT_EQ(stack.status, 1);
  EXPECT_NE(stack.output.find("a volume of 3 slices"), std::string::npos) << stack.output;
  EXPECT_FALSE(fs::exists(root / "stack_label.nrrd"));

  // A 2-D file gives a 2-D label image.
  sinus::WriteImage(radiograph.GetPointer(), (root / "radiograph.mha").string());
  const CliResult flat = RunCli("'" + (root / "radiograph.mha").string() + "' '" + (root / "flat.png").string() + "' '" +
                                (root / "tiny.sinusseg").string() + "'");
  EXPECT_EQ(flat.status, 0) << flat.output;
  EXPECT_EQ(sinus::ReadImageSize((root / "flat.png").string())[0], 160u);
}

TEST(SlicerModule, AnyTrainedSegmenterWithItsStoredPostprocessing)
{
  const fs::path root = ScratchDirectory("slicer_cli_segmenter");
  // A U-Net at its random initial weights, saved as training saves it, with a stored
  // postprocessing whose object size removes some of its speckle.
  torch::manual_seed(5);
  sinus::Segmenter                network = sinus::BuildSegmenter(sinus::SegmenterSpec::ForArchitecture("unet", "cpu", 64));
  const sinus::MaskPostprocessing postprocessing{ 0.5, 0.01 };
  sinus::Json metadata = sinus::Json::object();
  metadata["postprocessing"] = postprocessing.ToJson();
  sinus::SaveSegmenterModel((root / "unet.sinusseg").string(), *network, metadata);
  const auto radiograph = MakeRadiograph();
  sinus::WriteImage(AsVolume(radiograph).GetPointer(), (root / "radiograph.nrrd").string());

  const CliResult run = RunCli("--threads 1 --precision fp32 '" + (root / "radiograph.nrrd").string() + "' '" + (root / "label.nrrd").string() + "' '" +
                               (root / "unet.sinusseg").string() + "'");
  ASSERT_EQ(run.status, 0) << run.output;
  EXPECT_NE(run.output.find("<filter-progress>"), std::string::npos) << run.output;
  auto reader = itk::ImageFileReader<itk::Image<unsigned char, 3>>::New();
  reader->SetFileName((root / "label.nrrd").string());
  reader->Update();

  // The same as the filter with the stored postprocessing, and not the plain threshold's mask.
  sinus::ConfigureRuntime(1);
  auto filter = itk::SegmenterImageFilter<sinus::RadiographImageType>::New();
  filter->SetInput(radiograph);
  filter->SetSegmenter(network);
  filter->SetForegroundValue(1);
  filter->SetRescaleInputTo8BitRange(false);
  filter->SetPostprocessing(postprocessing);
  filter->Update();
  const unsigned char * label = reader->GetOutput()->GetBufferPointer();
  const unsigned char * cleaned = filter->GetMaskOutput()->GetBufferPointer();
  const sinus::Raster<uint8_t> plain = sinus::ApplyMaskPostprocessing(sinus::ImageToRasterAs<float>(filter->GetOutput()), {});
  int differences = 0, removed = 0;
  for (size_t i = 0; i < 160 * 96; ++i)
  {
    differences += cleaned[i] != label[i];
    removed += plain.data[i] != label[i];
  }
  EXPECT_EQ(differences, 0);
  EXPECT_GT(removed, 0) << "the stored postprocessing changed nothing: the comparison proves nothing";

  // A model file that says its probabilities are mirror-averaged gets them so.
  const std::vector<unsigned char> unmirroredLabel(label, label + 160 * 96); // the reader's buffer is reused
  metadata["test_time_mirror"] = true;
  sinus::SaveSegmenterModel((root / "unet_mirrored.sinusseg").string(), *network, metadata);
  const CliResult mirroredRun = RunCli("--threads 1 --precision fp32 '" + (root / "radiograph.nrrd").string() + "' '" + (root / "mirrored.nrrd").string() +
                                       "' '" + (root / "unet_mirrored.sinusseg").string() + "'");
  ASSERT_EQ(mirroredRun.status, 0) << mirroredRun.output;
  reader->SetFileName((root / "mirrored.nrrd").string());
  reader->Update();
  filter->TestTimeMirrorOn();
  filter->Update();
  const unsigned char * mirroredLabel = reader->GetOutput()->GetBufferPointer();
  const unsigned char * mirroredMask = filter->GetMaskOutput()->GetBufferPointer();
  int mirroredDifferences = 0, changedByMirroring = 0;
  for (size_t i = 0; i < 160 * 96; ++i)
  {
    mirroredDifferences += mirroredMask[i] != mirroredLabel[i];
    changedByMirroring += mirroredLabel[i] != unmirroredLabel[i];
  }
  EXPECT_EQ(mirroredDifferences, 0);
  EXPECT_GT(changedByMirroring, 0) << "mirroring changed nothing: the comparison proves nothing";

  // --precision reaches the filter: bf16 in the CLI equals the filter in bf16 (a mask of its own,
  // close to fp32's) where this CPU computes bf16; where it cannot, the CLI refuses it by name with
  // no output. An unknown precision is refused.
  const std::vector<unsigned char> fp32Label(mirroredLabel, mirroredLabel + 160 * 96);
  const CliResult bf16Run = RunCli("--threads 1 --precision bf16 '" + (root / "radiograph.nrrd").string() + "' '" + (root / "bf16.nrrd").string() +
                                   "' '" + (root / "unet_mirrored.sinusseg").string() + "'");
  if (const std::string why = BFloat16Unavailable(); why.empty())
  {
    ASSERT_EQ(bf16Run.status, 0) << bf16Run.output;
    EXPECT_NE(bf16Run.output.find("precision: bf16"), std::string::npos) << bf16Run.output;
    reader->SetFileName((root / "bf16.nrrd").string());
    reader->Update();
    filter->SetPrecision(sinus::ComputePrecision::BFloat16);
    filter->Update();
    int bf16Differences = 0;
    for (size_t i = 0; i < 160 * 96; ++i)
      bf16Differences += filter->GetMaskOutput()->GetBufferPointer()[i] != reader->GetOutput()->GetBufferPointer()[i];
    EXPECT_EQ(bf16Differences, 0);
    EXPECT_GE(sinus::DiceCoefficient(reader->GetOutput()->GetBufferPointer(), fp32Label.data(), fp32Label.size()), 0.99);
  }
  else
  {
    EXPECT_NE(bf16Run.status, 0);
    EXPECT_NE(bf16Run.output.find(why), std::string::npos) << bf16Run.output;
    EXPECT_FALSE(fs::exists(root / "bf16.nrrd"));
  }
  const CliResult fp16 = RunCli("--precision fp16 '" + (root / "radiograph.nrrd").string() + "' '" + (root / "fp16.nrrd").string() + "' '" +
                                (root / "unet.sinusseg").string() + "'");
  EXPECT_EQ(fp16.status, 1);
  EXPECT_NE(fp16.output.find("unknown precision 'fp16'"), std::string::npos) << fp16.output;
  EXPECT_FALSE(fs::exists(root / "fp16.nrrd"));

  // A region is a box prompt: MedSAM only.
  const CliResult boxed = RunCli("--region 40,-42.25,0,20,12.5,1 '" + (root / "radiograph.nrrd").string() + "' '" +
                                 (root / "boxed.nrrd").string() + "' '" + (root / "unet.sinusseg").string() + "'");
  EXPECT_EQ(boxed.status, 1);
  EXPECT_NE(boxed.output.find("takes no box prompt"), std::string::npos) << boxed.output;
  EXPECT_FALSE(fs::exists(root / "boxed.nrrd"));
}
