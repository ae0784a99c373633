// SPDX-License-Identifier: Apache-2.0
#include "itkMedSAMPreprocessImageFilter.h"

#include "itkCommand.h"
#include "itkTestingMacros.h"
#include "sinusImageIO.h"
#include "sinusTestGolden.h"

#include <cmath>

namespace
{
class AbortAtFirstProgress : public itk::Command
{
public:
  itkNewMacro(AbortAtFirstProgress);
  void Execute(itk::Object * caller, const itk::EventObject & event) override
  {
    if (itk::ProgressEvent().CheckEvent(&event))
    {
      static_cast<itk::ProcessObject *>(caller)->AbortGenerateDataOn();
    }
  }
  void Execute(const itk::Object *, const itk::EventObject &) override {}
};
} // namespace

int
itkMedSAMPreprocessImageFilterTest(int argc, char * argv[])
{
  if (argc < 3)
  {
    std::cerr << "Usage: " << itkNameOfTestExecutableMacro(argv) << " golden.pth tempDir" << std::endl;
    return EXIT_FAILURE;
  }
  const auto golden = sinus::LoadTensorDictionary(argv[1]);
  using InputImageType = itk::Image<unsigned char, 2>;
  using FilterType = itk::MedSAMPreprocessImageFilter<InputImageType>;

  InputImageType::Pointer raw = sinus_test::TensorToImage<unsigned char>(golden.at("raw_image_u8"));
  // A non-trivial grid: the outputs must cover the same physical extent.
  InputImageType::SpacingType spacing;
  spacing[0] = 0.2;
  spacing[1] = 0.35;
  InputImageType::PointType origin;
  origin[0] = 10.0;
  origin[1] = -5.0;
  InputImageType::DirectionType direction;
  direction[0][0] = 0;
  direction[0][1] = -1;
  direction[1][0] = 1;
  direction[1][1] = 0;
  raw->SetSpacing(spacing);
  raw->SetOrigin(origin);
  raw->SetDirection(direction);

  auto filter = FilterType::New();
  ITK_EXERCISE_BASIC_OBJECT_METHODS(filter, MedSAMPreprocessImageFilter, ImageToImageFilter);
  ITK_TEST_EXPECT_TRUE(!filter->GetRescaleInputTo8BitRange()); // 8-bit input: MedSAM's path unchanged
  ITK_TEST_SET_GET_VALUE(1024u, filter->GetInputSize());
  filter->SetInput(raw);
  filter->SetInputSize(128);
  ITK_TRY_EXPECT_NO_EXCEPTION(filter->Update());

  // uint8 resize: golden-exact.
  const auto goldenResized = sinus_test::TensorToImage<unsigned char>(golden.at("prep_resized_u8"));
  itk::ImageRegionConstIterator<FilterType::ResizedImageType> ours(filter->GetResizedUInt8Output(),
                                                                   filter->GetResizedUInt8Output()->GetLargestPossibleRegion());
  itk::ImageRegionConstIterator<InputImageType> expected(goldenResized, goldenResized->GetLargestPossibleRegion());
  size_t identical = 0, total = 0;
  int    worst = 0;
  for (ours.GoToBegin(), expected.GoToBegin(); !ours.IsAtEnd(); ++ours, ++expected, ++total)
  {
    identical += ours.Get() == expected.Get();
    worst = std::max(worst, std::abs(int(ours.Get()) - int(expected.Get())));
  }
  std::cout << "uint8 identical: " << identical << "/" << total << ", max difference " << worst << std::endl;
  ITK_TEST_EXPECT_TRUE(identical >= 0.999 * total && worst <= 1);

  // Normalised 3-channel input: within 1e-6 of the golden model input.
  const torch::Tensor goldenInput = golden.at("input_image"); // 1x3x128x128
  const auto *        output = filter->GetOutput();
  ITK_TEST_EXPECT_EQUAL(output->GetNumberOfComponentsPerPixel(), 3u);
  float maxError = 0;
  for (int y = 0; y < 128; ++y)
  {
    for (int x = 0; x < 128; ++x)
    {
      const auto pixel = output->GetPixel({ { x, y } });
      for (int c = 0; c < 3; ++c)
      {
        maxError = std::max(maxError, std::fabs(pixel[c] - goldenInput[0][c][y][x].item<float>()));
      }
    }
  }
  std::cout << "model input max |difference|: " << maxError << std::endl;
  ITK_TEST_EXPECT_TRUE(maxError <= 1e-6f);

  // Geometry: output pixel i samples input continuous index (i + 0.5) * in/out - 0.5.
  ITK_TEST_EXPECT_TRUE(output->GetDirection() == direction);
  for (const auto & index : { itk::Index<2>{ { 0, 0 } }, itk::Index<2>{ { 127, 5 } }, itk::Index<2>{ { 64, 127 } } })
  {
    itk::ContinuousIndex<double, 2> inputIndex;
    inputIndex[0] = (index[0] + 0.5) * 110.0 / 128.0 - 0.5;
    inputIndex[1] = (index[1] + 0.5) * 90.0 / 128.0 - 0.5;
    InputImageType::PointType fromInput, fromOutput;
    raw->TransformContinuousIndexToPhysicalPoint(inputIndex, fromInput);
    output->TransformIndexToPhysicalPoint(index, fromOutput);
    ITK_TEST_EXPECT_TRUE(fromInput.EuclideanDistanceTo(fromOutput) < 1e-9);
  }

  // Non-8-bit input: rescaled to [0,255] by default; without the rescale, out-of-range is an error.
  using FloatImageType = itk::Image<float, 2>;
  auto wide = FloatImageType::New();
  wide->SetRegions(raw->GetLargestPossibleRegion());
  wide->Allocate();
  itk::ImageRegionIterator<FloatImageType>      w(wide, wide->GetLargestPossibleRegion());
  itk::ImageRegionConstIterator<InputImageType> r(raw, raw->GetLargestPossibleRegion());
  for (w.GoToBegin(), r.GoToBegin(); !w.IsAtEnd(); ++w, ++r)
  {
    w.Set(4.0f * r.Get() + 100.0f); // a 16-bit-like range
  }
  auto floatFilter = itk::MedSAMPreprocessImageFilter<FloatImageType>::New();
  ITK_TEST_EXPECT_TRUE(floatFilter->GetRescaleInputTo8BitRange());
  floatFilter->SetInput(wide);
  floatFilter->SetInputSize(64);
  ITK_TRY_EXPECT_NO_EXCEPTION(floatFilter->Update());
  floatFilter->RescaleInputTo8BitRangeOff();
  ITK_TRY_EXPECT_EXCEPTION(floatFilter->Update());

  // Abort is honoured.
  auto aborting = FilterType::New();
  aborting->SetInput(raw);
  aborting->SetInputSize(256);
  aborting->AddObserver(itk::ProgressEvent(), AbortAtFirstProgress::New());
  ITK_TRY_EXPECT_EXCEPTION(aborting->Update());

  // The vector output writes through ITK (NRRD keeps the 3 components).
  ITK_TRY_EXPECT_NO_EXCEPTION(sinus::WriteImage(filter->GetOutput(), std::string(argv[2]) + "/preprocessed.nrrd"));
  std::cout << "Test finished." << std::endl;
  return EXIT_SUCCESS;
}
