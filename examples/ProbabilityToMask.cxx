// SPDX-License-Identifier: Apache-2.0
// Example: a low-resolution probability map (e.g. MedSAM's 256x256 output) back onto the
// radiograph's grid, thresholded at 0.5, as MedSAM post-processes.
//   ProbabilityToMask probability.nrrd radiograph.png mask.png [probability_on_grid.nrrd]
#include "itkImageFileReader.h"
#include "itkImageFileWriter.h"
#include "itkMedSAMPostprocessImageFilter.h"

#include <cstdlib>
#include <iostream>

int
main(int argc, char * argv[])
{
  if (argc != 4 && argc != 5)
  {
    std::cerr << "Usage: " << argv[0] << " probability radiograph mask.png [probability_on_grid.nrrd]" << std::endl;
    return EXIT_FAILURE;
  }
  using ProbabilityImageType = itk::Image<float, 2>;
  using FilterType = itk::MedSAMPostprocessImageFilter<ProbabilityImageType>;
  try
  {
    // Only the radiograph's grid is needed: read its header, not its pixels.
    auto reference = itk::ImageFileReader<itk::Image<unsigned char, 2>>::New();
    reference->SetFileName(argv[2]);
    reference->UpdateOutputInformation();
    auto filter = FilterType::New();
    filter->SetInput(itk::ReadImage<ProbabilityImageType>(argv[1]));
    filter->SetOutputParametersFromImage(reference->GetOutput());
    filter->SetForegroundValue(255);
    filter->Update();
    itk::WriteImage(filter->GetMaskOutput(), argv[3]);
    if (argc == 5)
    {
      itk::WriteImage(filter->GetOutput(), argv[4]);
    }
  }
  catch (const itk::ExceptionObject & e)
  {
    std::cerr << e << std::endl;
    return EXIT_FAILURE;
  }
  return EXIT_SUCCESS;
}
