// SPDX-License-Identifier: Apache-2.0
// Example: segmentation metrics of a predicted mask against a reference, as an ITK pipeline stage.
//   MaskMetrics prediction.png reference.png [directed|pooled]
#include "itkImageFileReader.h"
#include "itkSegmentationMetricsImageFilter.h"

#include <cstdlib>
#include <iostream>

int
main(int argc, char * argv[])
{
  if (argc != 3 && argc != 4)
  {
    std::cerr << "Usage: " << argv[0] << " prediction reference [directed|pooled]" << std::endl;
    return EXIT_FAILURE;
  }
  using MaskImageType = itk::Image<unsigned char, 2>;
  auto filter = itk::SegmentationMetricsImageFilter<MaskImageType>::New();
  try
  {
    filter->SetPredictionImage(itk::ReadImage<MaskImageType>(argv[1]));
    filter->SetReferenceImage(itk::ReadImage<MaskImageType>(argv[2]));
    if (argc == 4)
    {
      filter->SetHD95Mode(sinus::ParseHD95Mode(argv[3]));
    }
    filter->Update();
  }
  catch (const std::exception & e)
  {
    std::cerr << e.what() << std::endl;
    return EXIT_FAILURE;
  }
  const auto & m = filter->GetMetrics();
  std::cout << "Dice " << filter->GetDice() << ", recall " << filter->GetRecall() << ", precision " << filter->GetPrecision()
            << "\nHD95 (" << sinus::ToString(filter->GetHD95Mode()) << ") " << filter->GetHD95() << " (" << m.hd95.pixels
            << " px, " << m.hd95.normalized << " of the diagonal), HD " << filter->GetHausdorffDistance() << ", ASSD "
            << filter->GetAverageSymmetricSurfaceDistance() << std::endl;
  return EXIT_SUCCESS;
}
