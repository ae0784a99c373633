// SPDX-License-Identifier: Apache-2.0
// Example: MedSAM's preprocessing as an ITK pipeline stage.
//   PreprocessRadiograph radiograph.png model_input.nrrd [size]
// Writes the 3-channel, min-max normalised float image that MedSAM's image encoder takes.
#include "itkImageFileReader.h"
#include "itkImageFileWriter.h"
#include "itkMedSAMPreprocessImageFilter.h"

#include <cstdlib>
#include <iostream>

int
main(int argc, char * argv[])
{
  if (argc != 3 && argc != 4)
  {
    std::cerr << "Usage: " << argv[0] << " radiograph model_input.nrrd [size]" << std::endl;
    return EXIT_FAILURE;
  }
  using InputImageType = itk::Image<unsigned char, 2>; // an 8-bit radiograph, as MedSAM expects
  using FilterType = itk::MedSAMPreprocessImageFilter<InputImageType>;
  auto filter = FilterType::New();
  filter->SetInput(itk::ReadImage<InputImageType>(argv[1]));
  if (argc == 4)
  {
    filter->SetInputSize(static_cast<unsigned int>(std::strtoul(argv[3], nullptr, 10)));
  }
  try
  {
    itk::WriteImage(filter->GetOutput(), argv[2]);
  }
  catch (const itk::ExceptionObject & e)
  {
    std::cerr << e << std::endl;
    return EXIT_FAILURE;
  }
  const auto size = filter->GetOutput()->GetLargestPossibleRegion().GetSize();
  std::cout << argv[2] << ": " << size[0] << "x" << size[1] << "x" << filter->GetOutput()->GetNumberOfComponentsPerPixel()
            << ", spacing " << filter->GetOutput()->GetSpacing() << std::endl;
  return EXIT_SUCCESS;
}
