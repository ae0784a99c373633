// SPDX-License-Identifier: Apache-2.0
// SegmenterImageFilter's postprocessing: its mask is the core's ApplyMaskPostprocessing of its own
// probability output, and the core's small-object removal agrees with ITK's connected components
// (fully connected) relabelled with a minimum object size, and its square closing (for valley cuts)
// with ITK's grey-level closing by a box. With test-time mirroring the probability of the mirrored
// radiograph is the mirrored probability (the network alone is far from symmetric).
#include "itkSegmenterImageFilter.h"

#include "itkBinaryThresholdImageFilter.h"
#include "itkConnectedComponentImageFilter.h"
#include "itkFlatStructuringElement.h"
#include "itkGrayscaleMorphologicalClosingImageFilter.h"
#include "itkFlipImageFilter.h"
#include "itkRelabelComponentImageFilter.h"
#include "itkTestingMacros.h"
#include "sinus/MaskPostprocessing.h"
#include "sinus/ProbabilityValleys.h"
#include "sinus/SegmenterRegistry.h"
#include "sinusFilterSupport.h"

#include <random>

namespace
{
using RadiographType = itk::Image<unsigned char, 2>;
using MaskType = itk::Image<unsigned char, 2>;

RadiographType::Pointer
NoiseRadiograph(unsigned int width, unsigned int height)
{
  auto image = RadiographType::New();
  RadiographType::SizeType size;
  size[0] = width;
  size[1] = height;
  image->SetRegions(size);
  image->Allocate();
  std::mt19937                       random(7);
  std::uniform_int_distribution<int> grey(0, 255);
  for (itk::ImageRegionIterator<RadiographType> it(image, image->GetLargestPossibleRegion()); !it.IsAtEnd(); ++it)
    it.Set(static_cast<unsigned char>(grey(random)));
  return image;
}

/** ITK's answer: objects of at least `minimumPixels` pixels (8-connected) kept, as 0/1. */
sinus::Raster<uint8_t>
ItkRemoveSmallObjects(const MaskType * mask, int64_t minimumPixels)
{
  using LabelType = itk::Image<unsigned int, 2>;
  auto components = itk::ConnectedComponentImageFilter<MaskType, LabelType>::New();
  components->SetInput(mask);
  components->FullyConnectedOn();
  auto relabel = itk::RelabelComponentImageFilter<LabelType, LabelType>::New();
  relabel->SetInput(components->GetOutput());
  relabel->SetMinimumObjectSize(static_cast<itk::SizeValueType>(minimumPixels));
  relabel->Update();
  sinus::Raster<uint8_t> kept = sinus::ImageToRasterAs<uint8_t>(relabel->GetOutput());
  for (auto & v : kept.data)
    v = v != 0 ? 1 : 0;
  return kept;
}

/** The image mirrored left-right (about its centre) by ITK. */
template <typename TImage>
typename TImage::Pointer
MirrorLeftRight(const TImage * image)
{
  auto flip = itk::FlipImageFilter<TImage>::New();
  flip->SetInput(image);
  typename itk::FlipImageFilter<TImage>::FlipAxesArrayType axes;
  axes[0] = true;
  axes[1] = false;
  flip->SetFlipAxes(axes);
  flip->FlipAboutOriginOff();
  flip->Update();
  return flip->GetOutput();
}

/** The largest difference between the probability of `radiograph` mirrored and the probability of
 *  the mirrored radiograph. */
template <typename TFilter>
double
MirrorAsymmetry(TFilter * filter, const RadiographType * radiograph)
{
  filter->SetInput(radiograph);
  filter->Update();
  const sinus::Raster<float> mirroredOutput = sinus::ImageToRasterAs<float>(MirrorLeftRight(filter->GetOutput()).GetPointer());
  filter->SetInput(MirrorLeftRight(radiograph));
  filter->Update();
  const sinus::Raster<float> ofMirrored = sinus::ImageToRasterAs<float>(filter->GetOutput());
  double                     largest = 0;
  for (size_t i = 0; i < ofMirrored.data.size(); ++i)
    largest = std::max(largest, std::abs(static_cast<double>(ofMirrored.data[i]) - mirroredOutput.data[i]));
  return largest;
}

/** ITK's grey-level closing of `image` by a `width x width` box. */
sinus::Raster<float>
ItkSquareClosing(const itk::Image<float, 2> * image, int64_t width)
{
  using KernelType = itk::FlatStructuringElement<2>;
  KernelType::RadiusType radius;
  radius.Fill(static_cast<itk::SizeValueType>(width / 2));
  auto closing = itk::GrayscaleMorphologicalClosingImageFilter<itk::Image<float, 2>, itk::Image<float, 2>, KernelType>::New();
  closing->SetInput(image);
  closing->SetKernel(KernelType::Box(radius));
  closing->Update();
  return sinus::ImageToRasterAs<float>(closing->GetOutput());
}
} // namespace

int
itkSegmenterImageFilterTest(int, char *[])
{
  // A U-Net with its random initial weights: probabilities near 0.5 with speckle, so thresholds
  // around 0.5 give many objects of every size.
  torch::manual_seed(3);
  sinus::SegmenterSpec spec = sinus::SegmenterSpec::ForArchitecture("unet", "cpu", 64);
  const sinus::Segmenter network = sinus::BuildSegmenter(spec);
  const auto             radiograph = NoiseRadiograph(96, 80);

  using FilterType = itk::SegmenterImageFilter<RadiographType>;
  auto filter = FilterType::New();
  ITK_EXERCISE_BASIC_OBJECT_METHODS(filter, SegmenterImageFilter, ProbabilityAndMaskImageFilter);
  filter->SetInput(radiograph);
  filter->SetSegmenter(network);
  ITK_TEST_SET_GET_VALUE(0.5, filter->GetThreshold());
  ITK_TEST_SET_GET_VALUE(0.0, filter->GetMinimumObjectFraction());
  ITK_TEST_SET_GET_VALUE(0.0, filter->GetValleyWidthFraction());
  ITK_TEST_SET_GET_VALUE(0.0, filter->GetValleyDepth());
  ITK_TRY_EXPECT_NO_EXCEPTION(filter->Update());
  const sinus::Raster<float> probability = sinus::ImageToRasterAs<float>(filter->GetOutput());
  float                      lowest = 1, highest = 0;
  for (float p : probability.data)
  {
    lowest = std::min(lowest, p);
    highest = std::max(highest, p);
  }
  const double threshold = 0.5 * (lowest + highest);

  // 1. The mask is the core's postprocessing of the probability output, valley cut included.
  const sinus::MaskPostprocessing postprocessing{ threshold, 0.004, 0.1, 0.02 };
  filter->SetPostprocessing(postprocessing);
  filter->SetForegroundValue(255);
  ITK_TRY_EXPECT_NO_EXCEPTION(filter->Update());
  const sinus::Raster<uint8_t> expected = sinus::ApplyMaskPostprocessing(probability, postprocessing, 255);
  const sinus::Raster<uint8_t> mask = sinus::ImageToRasterAs<uint8_t>(filter->GetMaskOutput());
  ITK_TEST_EXPECT_TRUE(mask.data == expected.data);
  size_t foreground = 0;
  for (uint8_t v : mask.data)
    foreground += v != 0;
  std::cout << "threshold " << threshold << ", foreground pixels " << foreground << " of " << mask.data.size() << std::endl;
  ITK_TEST_EXPECT_TRUE(foreground > 0 && foreground < mask.data.size());

  // 2. Small-object removal agrees with ITK's connected components at every size.
  auto binary = itk::BinaryThresholdImageFilter<itk::Image<float, 2>, MaskType>::New();
  binary->SetInput(filter->GetOutput());
  binary->SetLowerThreshold(static_cast<float>(threshold) + 1e-6f);
  binary->SetInsideValue(1);
  binary->SetOutsideValue(0);
  binary->Update();
  const sinus::Raster<uint8_t> thresholded = sinus::ImageToRasterAs<uint8_t>(binary->GetOutput());
  int64_t                      changedSizes = 0;
  for (int64_t minimum : { 1, 2, 3, 5, 8, 20, 50, 200 })
  {
    const sinus::Raster<uint8_t> ours = sinus::RemoveSmallObjects(thresholded, minimum);
    ITK_TEST_EXPECT_TRUE(ours.data == ItkRemoveSmallObjects(binary->GetOutput(), minimum).data);
    changedSizes += ours.data != thresholded.data;
  }
  ITK_TEST_EXPECT_TRUE(changedSizes >= 3); // the comparison saw objects removed, not only kept

  // 3. The square closing behind valley cuts agrees with ITK's closing by a box away from the
  //    border (within `width` pixels of it the two treat the outside differently).
  for (int64_t width : { 3, 7, 11 })
  {
    const sinus::Raster<float> ours = sinus::SquareClosing(probability, width);
    const sinus::Raster<float> itkClosed = ItkSquareClosing(filter->GetOutput(), width);
    int64_t                    differing = 0, filled = 0;
    for (int64_t y = width; y < ours.height - width; ++y)
      for (int64_t x = width; x < ours.width - width; ++x)
      {
        differing += ours(y, x) != itkClosed(y, x);
        filled += ours(y, x) > probability(y, x);
      }
    std::cout << "closing " << width << ": " << differing << " interior pixels differ, " << filled << " raised" << std::endl;
    ITK_TEST_EXPECT_EQUAL(differing, 0);
    ITK_TEST_EXPECT_TRUE(filled > 0);
  }

  // 4. Test-time mirroring: off by default; on, the output commutes with mirroring the radiograph.
  filter->SetPostprocessing(sinus::MaskPostprocessing{});
  ITK_TEST_SET_GET_BOOLEAN(filter, TestTimeMirror, false);
  const double plainAsymmetry = MirrorAsymmetry(filter.GetPointer(), radiograph.GetPointer());
  filter->TestTimeMirrorOn();
  const double mirroredAsymmetry = MirrorAsymmetry(filter.GetPointer(), radiograph.GetPointer());
  std::cout << "largest probability difference under mirroring: " << plainAsymmetry << " plain, " << mirroredAsymmetry
            << " mirror-averaged" << std::endl;
  ITK_TEST_EXPECT_TRUE(plainAsymmetry > 1e-3);
  ITK_TEST_EXPECT_TRUE(mirroredAsymmetry < 1e-5);
  filter->TestTimeMirrorOff();
  filter->SetInput(radiograph);

  // 5. Bad settings are refused before anything runs.
  filter->SetThreshold(1.0);
  ITK_TRY_EXPECT_EXCEPTION(filter->Update());
  filter->SetThreshold(0.5);
  filter->SetMinimumObjectFraction(-0.1);
  ITK_TRY_EXPECT_EXCEPTION(filter->Update());
  filter->SetMinimumObjectFraction(0.0);
  filter->SetValleyWidthFraction(0.05);
  filter->SetValleyDepth(0.0); // a width without a depth
  ITK_TRY_EXPECT_EXCEPTION(filter->Update());
  std::cout << "Test finished." << std::endl;
  return EXIT_SUCCESS;
}
