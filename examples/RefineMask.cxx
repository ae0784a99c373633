// SPDX-License-Identifier: Apache-2.0
// Example: pseudo-label refinement as an ITK pipeline:
// reader -> itk::SinusCycleGANRefinementImageFilter -> writer (mask) and writer (probability).
//   RefineMask refiner.sinusseg teacher_mask refined_mask.png [refined_probability.mha]
// The refiner comes from `sinusseg train-refiner`. A floating-point input is read as a probability
// map in [0, 1]; an integer one as a label image (non-zero = sinus).
#include "itkImageFileReader.h"
#include "itkImageFileWriter.h"
#include "itkSinusCycleGANRefinementImageFilter.h"
#include "sinus/ModelFile.h"

#include <cstdlib>
#include <iostream>

int
main(int argc, char * argv[])
{
  if (argc < 4)
  {
    std::cerr << "Usage: " << argv[0] << " refiner.sinusseg teacher_mask refined_mask.png [refined_probability.mha]" << std::endl;
    return EXIT_FAILURE;
  }
  try
  {
    using ImageType = itk::Image<float, 2>;
    auto reader = itk::ImageFileReader<ImageType>::New();
    reader->SetFileName(argv[2]);
    reader->UpdateOutputInformation();
    const auto componentType = reader->GetImageIO()->GetComponentType();
    const bool probability = componentType == itk::IOComponentEnum::FLOAT || componentType == itk::IOComponentEnum::DOUBLE;

    auto refiner = itk::SinusCycleGANRefinementImageFilter<ImageType>::New();
    refiner->SetInput(reader->GetOutput());
    refiner->SetModel(sinus::LoadRefinerModel(argv[1]));
    refiner->SetInputIsProbability(probability);
    refiner->SetForegroundValue(255);

    auto maskWriter = itk::ImageFileWriter<itk::Image<unsigned char, 2>>::New();
    maskWriter->SetInput(refiner->GetMaskOutput());
    maskWriter->SetFileName(argv[3]);
    maskWriter->Update();
    if (argc > 4)
    {
      auto probabilityWriter = itk::ImageFileWriter<ImageType>::New();
      probabilityWriter->SetInput(refiner->GetOutput());
      probabilityWriter->SetFileName(argv[4]);
      probabilityWriter->Update();
    }
    std::cout << argv[3] << ": refined " << (probability ? "probability map" : "label image") << " " << argv[2] << std::endl;
  }
  catch (const std::exception & e)
  {
    std::cerr << "Error: " << e.what() << std::endl;
    return EXIT_FAILURE;
  }
  return EXIT_SUCCESS;
}
