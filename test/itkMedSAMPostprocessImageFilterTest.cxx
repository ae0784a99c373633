// SPDX-License-Identifier: Apache-2.0
#include "itkMedSAMPostprocessImageFilter.h"

#include "itkTestingMacros.h"
#include "sinusTestGolden.h"

#include <cmath>

int
itkMedSAMPostprocessImageFilterTest(int argc, char * argv[])
{
  if (argc < 2)
  {
    std::cerr << "Usage: " << itkNameOfTestExecutableMacro(argv) << " golden.pth" << std::endl;
    return EXIT_FAILURE;
  }
  const auto golden = sinus::LoadTensorDictionary(argv[1]);
  using ProbabilityImageType = itk::Image<float, 2>;
  using FilterType = itk::MedSAMPostprocessImageFilter<ProbabilityImageType>;

  const auto lowResolution = sinus_test::TensorToImage<float>(torch::sigmoid(golden.at("box_low_res_logits")));
  const auto goldenProbability = sinus_test::TensorToImage<float>(golden.at("box_prob"));
  const auto goldenMask = sinus_test::TensorToImage<unsigned char>(golden.at("box_mask"));

  // The radiograph's grid, with non-trivial metadata that must be kept.
  auto reference = ProbabilityImageType::New();
  reference->SetRegions(goldenProbability->GetLargestPossibleRegion());
  ProbabilityImageType::SpacingType spacing;
  spacing[0] = 0.1;
  spacing[1] = 0.12;
  ProbabilityImageType::PointType origin;
  origin[0] = -3;
  origin[1] = 7;
  ProbabilityImageType::DirectionType direction;
  direction[0][0] = 0.6;
  direction[0][1] = -0.8;
  direction[1][0] = 0.8;
  direction[1][1] = 0.6;
  reference->SetSpacing(spacing);
  reference->SetOrigin(origin);
  reference->SetDirection(direction);

  auto filter = FilterType::New();
  ITK_EXERCISE_BASIC_OBJECT_METHODS(filter, MedSAMPostprocessImageFilter, ImageToImageFilter);
  filter->SetInput(lowResolution);
  ITK_TRY_EXPECT_EXCEPTION(filter->Update()); // no output grid yet
  filter->SetOutputParametersFromImage(reference);
  ITK_TEST_SET_GET_VALUE(0.5, filter->GetThreshold());
  ITK_TRY_EXPECT_NO_EXCEPTION(filter->Update());

  const auto * probability = filter->GetOutput();
  const auto * mask = filter->GetMaskOutput();
  ITK_TEST_EXPECT_TRUE(probability->GetLargestPossibleRegion() == reference->GetLargestPossibleRegion());
  ITK_TEST_EXPECT_TRUE(probability->GetSpacing() == spacing && mask->GetSpacing() == spacing);
  ITK_TEST_EXPECT_TRUE(probability->GetOrigin() == origin && mask->GetOrigin() == origin);
  ITK_TEST_EXPECT_TRUE(probability->GetDirection() == direction && mask->GetDirection() == direction);

  float  worst = 0;
  size_t maskCompared = 0, maskDifferent = 0;
  itk::ImageRegionConstIterator<ProbabilityImageType> p(probability, probability->GetLargestPossibleRegion());
  itk::ImageRegionConstIterator<ProbabilityImageType> gp(goldenProbability, goldenProbability->GetLargestPossibleRegion());
  itk::ImageRegionConstIterator<FilterType::MaskImageType> m(mask, mask->GetLargestPossibleRegion());
  itk::ImageRegionConstIterator<itk::Image<unsigned char, 2>> gm(goldenMask, goldenMask->GetLargestPossibleRegion());
  for (p.GoToBegin(), gp.GoToBegin(), m.GoToBegin(), gm.GoToBegin(); !p.IsAtEnd(); ++p, ++gp, ++m, ++gm)
  {
    worst = std::max(worst, std::fabs(p.Get() - gp.Get()));
    if (std::fabs(gp.Get() - 0.5f) > 1e-4f)
    {
      ++maskCompared;
      maskDifferent += m.Get() != gm.Get();
    }
  }
  std::cout << "probability max |difference| " << worst << "; mask differs on " << maskDifferent << "/" << maskCompared
            << std::endl;
  ITK_TEST_EXPECT_TRUE(worst <= 1e-6f);
  ITK_TEST_EXPECT_EQUAL(maskDifferent, 0u);

  // Another pixel grid over the same extent (the paper's fixed output grid, here 2x finer).
  FilterType::SizeType finer;
  finer[0] = 220;
  finer[1] = 180;
  filter->SetOutputSizeKeepingExtent(finer);
  ITK_TRY_EXPECT_NO_EXCEPTION(filter->Update());
  ITK_TEST_EXPECT_EQUAL(filter->GetOutput()->GetLargestPossibleRegion().GetSize(), finer);
  // The outer corner of the first pixel stays where it was.
  itk::ContinuousIndex<double, 2> corner;
  corner.Fill(-0.5);
  ProbabilityImageType::PointType before, after;
  reference->TransformContinuousIndexToPhysicalPoint(corner, before);
  filter->GetOutput()->TransformContinuousIndexToPhysicalPoint(corner, after);
  ITK_TEST_EXPECT_TRUE(before.EuclideanDistanceTo(after) < 1e-9);
  ITK_TEST_EXPECT_TRUE(std::fabs(filter->GetOutput()->GetSpacing()[0] - 0.05) < 1e-12);
  std::cout << "Test finished." << std::endl;
  return EXIT_SUCCESS;
}
