// SPDX-License-Identifier: Apache-2.0
#include "itkSegmentationMetricsImageFilter.h"

#include "itkTestingMacros.h"

#include <cmath>

namespace
{
template <typename TImage>
typename TImage::Pointer
Blank(typename TImage::SizeType size)
{
  auto image = TImage::New();
  image->SetRegions(typename TImage::RegionType(size));
  image->Allocate();
  image->FillBuffer(0);
  return image;
}
} // namespace

int
itkSegmentationMetricsImageFilterTest(int, char *[])
{
  // 2-D, labels: the prediction holds label 2 at x = 0 and label 1 at x = 15..19; the reference
  // holds label 2 at x = 0..9 of a 20 x 1 image. With ForegroundLabel 2 this is the hand-computed
  // case of the core tests: directed HD95 8.55, pooled 8.5, HD 9, ASSD 45/11, Dice 2/11.
  using LabelImageType = itk::Image<unsigned short, 2>;
  using FilterType = itk::SegmentationMetricsImageFilter<LabelImageType>;
  auto prediction = Blank<LabelImageType>({ { 20, 1 } });
  auto reference = Blank<LabelImageType>({ { 20, 1 } });
  prediction->SetPixel({ { 0, 0 } }, 2);
  for (int x = 15; x < 20; ++x)
    prediction->SetPixel({ { x, 0 } }, 1);
  for (int x = 0; x < 10; ++x)
    reference->SetPixel({ { x, 0 } }, 2);

  auto filter = FilterType::New();
  ITK_EXERCISE_BASIC_OBJECT_METHODS(filter, SegmentationMetricsImageFilter, ImageToImageFilter);
  filter->SetPredictionImage(prediction);
  ITK_TRY_EXPECT_EXCEPTION(filter->Update()); // no reference yet
  filter->SetReferenceImage(reference);
  filter->SetForegroundLabel(2);
  ITK_TEST_SET_GET_VALUE(95.0, filter->GetPercentile());
  ITK_TRY_EXPECT_NO_EXCEPTION(filter->Update());
  ITK_TEST_EXPECT_TRUE(std::fabs(filter->GetHD95() - 8.55) < 1e-12);
  ITK_TEST_EXPECT_EQUAL(filter->GetHausdorffDistance(), 9.0);
  ITK_TEST_EXPECT_TRUE(std::fabs(filter->GetAverageSymmetricSurfaceDistance() - 45.0 / 11.0) < 1e-12);
  ITK_TEST_EXPECT_TRUE(std::fabs(filter->GetDice() - 2.0 / 11.0) < 1e-12);
  ITK_TEST_EXPECT_TRUE(std::fabs(filter->GetRecall() - 0.1) < 1e-12);
  ITK_TEST_EXPECT_EQUAL(filter->GetPrecision(), 1.0);
  ITK_TEST_EXPECT_TRUE(filter->GetOutput()->GetPixel({ { 17, 0 } }) == 1); // the prediction passes through
  filter->SetHD95Mode(sinus::HD95Mode::Pooled);
  ITK_TRY_EXPECT_NO_EXCEPTION(filter->Update());
  ITK_TEST_EXPECT_TRUE(std::fabs(filter->GetHD95() - 8.5) < 1e-12);
  // Without a label, every non-zero pixel counts: now x = 15..19 are false positives.
  filter->ClearForegroundLabel();
  filter->SetHD95Mode(sinus::HD95Mode::Directed);
  ITK_TRY_EXPECT_NO_EXCEPTION(filter->Update());
  ITK_TEST_EXPECT_EQUAL(filter->GetMetrics().falsePositives, 5);
  ITK_TEST_EXPECT_EQUAL(filter->GetHausdorffDistance(), 10.0); // x = 19 -> nearest reference border x = 9

  // Grid mismatches are errors, never resampled.
  auto shifted = Blank<LabelImageType>({ { 20, 1 } });
  LabelImageType::PointType origin;
  origin[0] = 0.5;
  origin[1] = 0;
  shifted->SetOrigin(origin);
  filter->SetReferenceImage(shifted);
  ITK_TRY_EXPECT_EXCEPTION(filter->Update());
  auto wider = Blank<LabelImageType>({ { 21, 1 } });
  filter->SetReferenceImage(wider);
  ITK_TRY_EXPECT_EXCEPTION(filter->Update());
  auto coarser = Blank<LabelImageType>({ { 20, 1 } });
  LabelImageType::SpacingType spacing;
  spacing[0] = 2;
  spacing[1] = 1;
  coarser->SetSpacing(spacing);
  filter->SetReferenceImage(coarser);
  ITK_TRY_EXPECT_EXCEPTION(filter->Update());

  // 3-D, anisotropic: single voxels at (0,0,0) and (1,2,3), spacing (1,1,2): sqrt(1 + 4 + 36).
  using VolumeType = itk::Image<unsigned char, 3>;
  auto a = Blank<VolumeType>({ { 3, 4, 5 } });
  auto b = Blank<VolumeType>({ { 3, 4, 5 } });
  VolumeType::SpacingType volumeSpacing;
  volumeSpacing[0] = 1;
  volumeSpacing[1] = 1;
  volumeSpacing[2] = 2;
  a->SetSpacing(volumeSpacing);
  b->SetSpacing(volumeSpacing);
  a->SetPixel({ { 0, 0, 0 } }, 1);
  b->SetPixel({ { 1, 2, 3 } }, 1);
  auto volumeFilter = itk::SegmentationMetricsImageFilter<VolumeType>::New();
  volumeFilter->SetPredictionImage(a);
  volumeFilter->SetReferenceImage(b);
  ITK_TRY_EXPECT_NO_EXCEPTION(volumeFilter->Update());
  ITK_TEST_EXPECT_TRUE(std::fabs(volumeFilter->GetHD95() - std::sqrt(41.0)) < 1e-12);
  ITK_TEST_EXPECT_TRUE(std::fabs(volumeFilter->GetMetrics().hd95.pixels - std::sqrt(14.0)) < 1e-12);
  std::cout << "Test finished." << std::endl;
  return EXIT_SUCCESS;
}
