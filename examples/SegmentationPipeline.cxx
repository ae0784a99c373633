// SPDX-License-Identifier: Apache-2.0
// Example: the whole inference path as one ITK pipeline:
//   reader -> MedSAMPreprocess (the network's input, written for inspection)
//   reader -> MedSAM (student model) -> SinusCycle-GAN refinement -> writer (mask)
//                                                                 -> segmentation metrics vs a reference
//   SegmentationPipeline radiograph student.sinusseg refiner.sinusseg reference_mask out_mask.png out_input.nrrd
// itk::MedSAMImageFilter applies MedSAM's preprocessing itself (bit-exact with the Python code); the
// preprocessing filter is shown as a branch so its output can be inspected.
#include "itkImageFileReader.h"
#include "itkImageFileWriter.h"
#include "itkMedSAMImageFilter.h"
#include "itkMedSAMPreprocessImageFilter.h"
#include "itkSegmentationMetricsImageFilter.h"
#include "itkSinusCycleGANRefinementImageFilter.h"
#include "sinus/ModelFile.h"

#include <cstdlib>
#include <iostream>

int
main(int argc, char * argv[])
{
  if (argc != 7)
  {
    std::cerr << "Usage: " << argv[0]
              << " radiograph student.sinusseg refiner.sinusseg reference_mask out_mask.png out_input.nrrd" << std::endl;
    return EXIT_FAILURE;
  }
  try
  {
    using ImageType = itk::Image<float, 2>;
    using MaskType = itk::Image<unsigned char, 2>;
    auto reader = itk::ImageFileReader<ImageType>::New();
    reader->SetFileName(argv[1]);
    reader->Update();

    auto preprocess = itk::MedSAMPreprocessImageFilter<ImageType>::New();
    preprocess->SetInput(reader->GetOutput());
    preprocess->SetRescaleInputTo8BitRange(true);
    itk::WriteImage(preprocess->GetOutput(), argv[6]);

    auto medsam = itk::MedSAMImageFilter<ImageType>::New();
    medsam->SetInput(reader->GetOutput());
    medsam->SetModel(sinus::LoadSamModel(argv[2]));
    medsam->SetRescaleInputTo8BitRange(true);

    // The refinement takes MedSAM's probability map (values in [0, 1]).
    auto refine = itk::SinusCycleGANRefinementImageFilter<ImageType>::New();
    refine->SetInput(medsam->GetOutput());
    refine->SetInputIsProbability(true);
    refine->SetModel(sinus::LoadRefinerModel(argv[3]));
    refine->SetForegroundValue(255);

    auto metrics = itk::SegmentationMetricsImageFilter<MaskType>::New();
    metrics->SetPredictionImage(refine->GetMaskOutput());
    metrics->SetReferenceImage(itk::ReadImage<MaskType>(argv[4]));
    metrics->Update();
    itk::WriteImage(refine->GetMaskOutput(), argv[5]);

    const auto & m = metrics->GetMetrics();
    std::cout << argv[5] << ": Dice " << m.dice << ", recall " << m.recall << ", precision " << m.precision << ", HD95 " << m.hd95.pixels
              << " px" << std::endl;
  }
  catch (const itk::ExceptionObject & e)
  {
    std::cerr << e.GetDescription() << std::endl;
    return EXIT_FAILURE;
  }
  return EXIT_SUCCESS;
}
