// SPDX-License-Identifier: Apache-2.0
#include "sinusVtkViews.h"
#include "sinusReportGraphics.h"

#include "itkImageFileReader.h"
#include "itkRGBPixel.h"
#include "itkTestingMacros.h"
#include "sinus/FileUtilities.h"

#include <filesystem>

// The VTK views, rendered offscreen (the test runs under xvfb-run): the ITK -> VTK bridge keeps
// values and orientation (row 0 at the top), the overlay draws the prediction's contour in red and
// the reference's in green where they are, the viewer's first frame and the VTK training curves
// are written.
namespace
{
using RGBImage = itk::Image<itk::RGBPixel<unsigned char>, 2>;

bool
Reddish(const itk::RGBPixel<unsigned char> & p)
{
  return p[0] > 150 && p[1] < 110 && p[2] < 110;
}
bool
Greenish(const itk::RGBPixel<unsigned char> & p)
{
  return p[1] > 150 && p[0] < 110 && p[2] < 120;
}

/** Counts red and green pixels in a window around (x, y). */
std::pair<int, int>
ColoursNear(const RGBImage * image, int x, int y, int radius)
{
  int red = 0, green = 0;
  for (int dy = -radius; dy <= radius; ++dy)
    for (int dx = -radius; dx <= radius; ++dx)
    {
      const auto & p = image->GetPixel({ { x + dx, y + dy } });
      red += Reddish(p);
      green += Greenish(p);
    }
  return { red, green };
}
} // namespace

int
sinusVtkViewsTest(int argc, char * argv[])
{
  if (argc < 2)
  {
    std::cerr << "usage: " << argv[0] << " scratchFolder" << std::endl;
    return EXIT_FAILURE;
  }
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(argv[1]) / "vtk_views";
  sinus::RemoveTree(dir);
  fs::create_directories(dir);

  // A 200 x 100 radiograph with a gradient; the prediction is a rectangle on the left half
  // (x 20..79, y 20..59), the reference the same rectangle moved to the right (x 110..169).
  auto image = sinus::RadiographImageType::New();
  image->SetRegions(sinus::RadiographImageType::SizeType{ { 200, 100 } });
  image->Allocate();
  auto prediction = sinus::MaskImageType::New();
  prediction->SetRegions(image->GetLargestPossibleRegion());
  prediction->Allocate();
  prediction->FillBuffer(0);
  auto reference = sinus::MaskImageType::New();
  reference->SetRegions(image->GetLargestPossibleRegion());
  reference->Allocate();
  reference->FillBuffer(0);
  for (itk::IndexValueType y = 0; y < 100; ++y)
    for (itk::IndexValueType x = 0; x < 200; ++x)
    {
      image->SetPixel({ { x, y } }, static_cast<float>(x + y));
      if (y >= 20 && y < 60 && x >= 20 && x < 80)
        prediction->SetPixel({ { x, y } }, 255);
      if (y >= 20 && y < 60 && x >= 110 && x < 170)
        reference->SetPixel({ { x, y } }, 1);
    }
  sinus::WriteImage(image.GetPointer(), (dir / "image.mha").string());
  sinus::WriteImage(prediction.GetPointer(), (dir / "prediction.png").string());
  sinus::WriteImage(reference.GetPointer(), (dir / "reference.png").string());

  // Bridge: same extent and values; VTK's row 0 is ITK's row 0.
  const vtkSmartPointer<vtkImageData> vtkImage = sinus::ToVtkImage(image.GetPointer());
  int                                 extent[6];
  vtkImage->GetExtent(extent);
  ITK_TEST_EXPECT_EQUAL(extent[1], 199);
  ITK_TEST_EXPECT_EQUAL(extent[3], 99);
  ITK_TEST_EXPECT_EQUAL(vtkImage->GetScalarComponentAsDouble(7, 3, 0, 0), 10.0);

  // Overlay at the image's size: red on the prediction's left edge (x 20, y 40), green on the
  // reference's right edge (x 169, y 40), neither far from both (x 95, y 90).
  sinus::OverlayScene scene{ (dir / "image.mha").string(), (dir / "prediction.png").string(), (dir / "reference.png").string(), "" };
  const std::string   metrics = sinus::RenderOverlayPng(scene, (dir / "overlay.png").string());
  ITK_TEST_EXPECT_TRUE(metrics.find("Dice 0.0000") != std::string::npos);
  const auto overlay = itk::ReadImage<RGBImage>((dir / "overlay.png").string());
  ITK_TEST_EXPECT_EQUAL(overlay->GetLargestPossibleRegion().GetSize()[0], 200u);
  ITK_TEST_EXPECT_EQUAL(overlay->GetLargestPossibleRegion().GetSize()[1], 100u);
  const auto predictionEdge = ColoursNear(overlay, 20, 40, 2), referenceEdge = ColoursNear(overlay, 169, 40, 2);
  const auto nowhere = ColoursNear(overlay, 95, 90, 3);
  std::cout << "red/green at prediction edge " << predictionEdge.first << "/" << predictionEdge.second << ", at reference edge "
            << referenceEdge.first << "/" << referenceEdge.second << std::endl;
  ITK_TEST_EXPECT_TRUE(predictionEdge.first > 0 && predictionEdge.second == 0);
  ITK_TEST_EXPECT_TRUE(referenceEdge.second > 0 && referenceEdge.first == 0);
  ITK_TEST_EXPECT_EQUAL(nowhere.first + nowhere.second, 0);
  // The prediction's lower edge is at y 60 (top of the image is y 0): red there, not at y 40 - 20.
  ITK_TEST_EXPECT_TRUE(ColoursNear(overlay, 50, 59, 2).first > 0);
  ITK_TEST_EXPECT_EQUAL(ColoursNear(overlay, 50, 40, 2).first, 0);

  // A mask of another size is an error naming both files.
  auto small = sinus::MaskImageType::New();
  small->SetRegions(sinus::MaskImageType::SizeType{ { 20, 10 } });
  small->Allocate();
  small->FillBuffer(0);
  sinus::WriteImage(small.GetPointer(), (dir / "small.png").string());
  sinus::OverlayScene bad = scene;
  bad.mask = (dir / "small.png").string();
  bool refused = false;
  try
  {
    sinus::RenderOverlayPng(bad, (dir / "bad.png").string());
  }
  catch (const std::runtime_error & e)
  {
    refused = std::string(e.what()).find("small.png: the mask is 20x10 but") != std::string::npos;
  }
  ITK_TEST_EXPECT_TRUE(refused);
  ITK_TEST_EXPECT_TRUE(!fs::exists(dir / "bad.png"));

  // The viewer's first frame; then training curves from CSV logs.
  sinus::ShowInteractiveView(scene, (dir / "view.png").string());
  ITK_TEST_EXPECT_TRUE(fs::file_size(dir / "view.png") > 0);
  fs::create_directories(dir / "training");
  sinus::WriteFileAtomically(dir / "training" / "teacher_log.csv",
                             "epoch,total,supervised,distillation_raw,distillation_weighted,unsupervised,mean_weight,mean_hd95_px,validation_dice,"
                             "best,seconds\n1,1.2,1.2,0,0,0,0,0,0.1,1,2\n2,0.8,0.8,0,0,0,0,0,0.5,1,2\n3,0.5,0.5,0,0,0,0,0,0.7,1,2\n");
  // The one training-curve renderer (also used by the reports) needs no display.
  ITK_TEST_EXPECT_TRUE(sinus::WriteLossCurvesPng((dir / "training").string(), (dir / "curves.png").string()));
  const auto curves = itk::ReadImage<RGBImage>((dir / "curves.png").string());
  ITK_TEST_EXPECT_EQUAL(curves->GetLargestPossibleRegion().GetSize()[0], 960u);
  ITK_TEST_EXPECT_EQUAL(curves->GetLargestPossibleRegion().GetSize()[1], 600u); // loss and validation Dice panels
  ITK_TEST_EXPECT_TRUE(!sinus::WriteLossCurvesPng((dir / "nothing").string(), (dir / "none.png").string()));
  std::cout << "Test finished." << std::endl;
  return EXIT_SUCCESS;
}
