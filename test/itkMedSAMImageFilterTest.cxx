// SPDX-License-Identifier: Apache-2.0
#include "itkMedSAMImageFilter.h"

#include "itkTestingMacros.h"
#include "sinus/FileUtilities.h"
#include "sinus/ModelFile.h"
#include "sinusTestGolden.h"

#include <cmath>

int
itkMedSAMImageFilterTest(int argc, char * argv[])
{
  if (argc < 3)
  {
    std::cerr << "Usage: " << itkNameOfTestExecutableMacro(argv) << " goldenDir tempDir" << std::endl;
    return EXIT_FAILURE;
  }
  const std::string dir = std::string(argv[1]) + "/";
  const auto        golden = sinus::LoadTensorDictionary(dir + "tiny_sam_golden.pth");
  sinus::Sam        model = sinus::LoadSamFromCheckpoint(dir + "tiny_sam.pth", dir + "tiny_sam_config.json");

  using ImageType = itk::Image<unsigned char, 2>;
  using FilterType = itk::MedSAMImageFilter<ImageType>;
  auto image = sinus_test::TensorToImage<unsigned char>(golden.at("raw_image_u8"));
  ImageType::SpacingType spacing;
  spacing[0] = 0.1;
  spacing[1] = 0.2;
  image->SetSpacing(spacing);

  auto filter = FilterType::New();
  ITK_EXERCISE_BASIC_OBJECT_METHODS(filter, MedSAMImageFilter, ProbabilityAndMaskImageFilter);
  filter->SetInput(image);
  ITK_TRY_EXPECT_EXCEPTION(filter->Update()); // no model
  filter->SetModel(model);
  filter->AddBox({ 30, 20, 80, 65 }); // golden box_raw
  ITK_TRY_EXPECT_NO_EXCEPTION(filter->Update());

  const auto expected = sinus_test::TensorToImage<float>(golden.at("box_prob"));
  const auto expectedMask = sinus_test::TensorToImage<unsigned char>(golden.at("box_mask"));
  float      worst = 0;
  int        maskDifferences = 0;
  itk::ImageRegionConstIterator<itk::Image<float, 2>> p(filter->GetOutput(), filter->GetOutput()->GetLargestPossibleRegion());
  itk::ImageRegionConstIterator<itk::Image<float, 2>> e(expected, expected->GetLargestPossibleRegion());
  itk::ImageRegionConstIterator<ImageType>            m(filter->GetMaskOutput(), filter->GetMaskOutput()->GetLargestPossibleRegion());
  itk::ImageRegionConstIterator<ImageType>            em(expectedMask, expectedMask->GetLargestPossibleRegion());
  for (p.GoToBegin(), e.GoToBegin(), m.GoToBegin(), em.GoToBegin(); !p.IsAtEnd(); ++p, ++e, ++m, ++em)
  {
    worst = std::max(worst, std::fabs(p.Get() - e.Get()));
    if (std::fabs(e.Get() - 0.5f) > 1e-4f)
      maskDifferences += m.Get() != em.Get();
  }
  std::cout << "probability max |difference| " << worst << ", mask differences " << maskDifferences << std::endl;
  ITK_TEST_EXPECT_TRUE(worst <= 1e-4f);
  ITK_TEST_EXPECT_EQUAL(maskDifferences, 0);
  ITK_TEST_EXPECT_TRUE(filter->GetOutput()->GetSpacing() == spacing && filter->GetMaskOutput()->GetSpacing() == spacing);
  ITK_TEST_EXPECT_EQUAL(filter->GetPredictedIoUs().size(), 1u);

  // Bad boxes are errors; no box means the full image.
  filter->SetBoxes({ { 0, 0, 111, 90 } });
  ITK_TRY_EXPECT_EXCEPTION(filter->Update());
  filter->SetBoxes({ { 5, 5, 5, 40 } });
  ITK_TRY_EXPECT_EXCEPTION(filter->Update());
  filter->SetBoxes({});
  ITK_TRY_EXPECT_NO_EXCEPTION(filter->Update());
  std::cout << "Test finished." << std::endl;
  return EXIT_SUCCESS;
}
