// SPDX-License-Identifier: Apache-2.0
#include "itkSinusCycleGANRefinementImageFilter.h"

#include "itkTestingMacros.h"
#include "sinus/TensorDictionary.h"

#include <cmath>

// The filter against the core's RefineMask on the same model: label and probability inputs, grid
// kept (origin, spacing, direction), values outside [0, 1] refused, no model refused.
int
itkSinusCycleGANRefinementImageFilterTest(int, char *[])
{
  sinus::RefinerConfig config = sinus::RefinerConfig::Small();
  config.generatorFilters = 4;
  config.generatorBlocks = 1;
  config.correctionFilters = 4;
  torch::manual_seed(3);
  sinus::SinusCycleGAN model(config);

  using LabelImageType = itk::Image<unsigned char, 2>;
  auto                     labels = LabelImageType::New();
  LabelImageType::SizeType size{ { 150, 70 } };
  labels->SetRegions(size);
  LabelImageType::SpacingType spacing;
  spacing[0] = 0.2;
  spacing[1] = 0.3;
  labels->SetSpacing(spacing);
  LabelImageType::PointType origin;
  origin[0] = 5;
  origin[1] = -2;
  labels->SetOrigin(origin);
  labels->Allocate();
  labels->FillBuffer(0);
  sinus::Raster<float> reference(70, 150, 1, 0.0f);
  for (itk::IndexValueType y = 20; y < 50; ++y)
    for (itk::IndexValueType x = 30; x < 70; ++x)
    {
      labels->SetPixel({ { x, y } }, 7); // any non-zero label is foreground
      reference(y, x) = 1.0f;
    }

  using FilterType = itk::SinusCycleGANRefinementImageFilter<LabelImageType>;
  auto filter = FilterType::New();
  ITK_EXERCISE_BASIC_OBJECT_METHODS(filter, SinusCycleGANRefinementImageFilter, ProbabilityAndMaskImageFilter);
  filter->SetInput(labels);
  ITK_TRY_EXPECT_EXCEPTION(filter->Update()); // no model
  filter->SetModel(model);
  filter->SetForegroundValue(255);
  ITK_TEST_SET_GET_BOOLEAN(filter, InputIsProbability, false);
  ITK_TRY_EXPECT_NO_EXCEPTION(filter->Update());

  const sinus::RefinedMask expected = sinus::RefineMask(*model, reference);
  const auto *             probability = filter->GetOutput();
  const auto *             mask = filter->GetMaskOutput();
  ITK_TEST_EXPECT_EQUAL(probability->GetLargestPossibleRegion().GetSize(), size);
  ITK_TEST_EXPECT_EQUAL(mask->GetSpacing(), spacing);
  ITK_TEST_EXPECT_EQUAL(mask->GetOrigin(), origin);
  ITK_TEST_EXPECT_EQUAL(probability->GetSpacing(), spacing);
  for (itk::IndexValueType y = 0; y < 70; ++y)
    for (itk::IndexValueType x = 0; x < 150; ++x)
    {
      const float p = probability->GetPixel({ { x, y } });
      if (std::fabs(p - expected.probability(y, x)) > 1e-6f || mask->GetPixel({ { x, y } }) != (p > 0.5f ? 255 : 0))
      {
        std::cerr << "pixel (" << x << ", " << y << "): " << p << " vs " << expected.probability(y, x) << std::endl;
        return EXIT_FAILURE;
      }
    }

  // Probability input: the same values as floats give the same result; 1.2 is refused.
  using FloatImageType = itk::Image<float, 2>;
  using ProbabilityFilterType = itk::SinusCycleGANRefinementImageFilter<FloatImageType>;
  auto floats = FloatImageType::New();
  floats->SetRegions(size);
  floats->Allocate();
  for (itk::IndexValueType y = 0; y < 70; ++y)
    for (itk::IndexValueType x = 0; x < 150; ++x)
      floats->SetPixel({ { x, y } }, reference(y, x));
  auto probabilityFilter = ProbabilityFilterType::New();
  probabilityFilter->SetInput(floats);
  probabilityFilter->SetModel(model);
  probabilityFilter->InputIsProbabilityOn();
  ITK_TRY_EXPECT_NO_EXCEPTION(probabilityFilter->Update());
  ITK_TEST_EXPECT_TRUE(std::fabs(probabilityFilter->GetOutput()->GetPixel({ { 40, 30 } }) - expected.probability(30, 40)) < 1e-6f);
  floats->SetPixel({ { 3, 4 } }, 1.2f);
  floats->Modified();
  ITK_TRY_EXPECT_EXCEPTION(probabilityFilter->Update());
  std::cout << "Test finished." << std::endl;
  return EXIT_SUCCESS;
}
