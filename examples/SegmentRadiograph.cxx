// SPDX-License-Identifier: Apache-2.0
// Example: any trained segmenter (a U-Net or nnU-Net student, MedSAM with its full-image prompt) as
// an ITK pipeline, with the postprocessing its training chose on the validation images:
// reader -> itk::SegmenterImageFilter -> writer (mask) and writer (probability).
//   SegmentRadiograph model.sinusseg radiograph mask.png [probability.mha]
// The model file comes from `sinusseg train` (teacher.sinusseg, student.sinusseg).
#include "itkImageFileReader.h"
#include "itkImageFileWriter.h"
#include "itkSegmenterImageFilter.h"
#include "sinus/SegmenterRegistry.h"
#include "sinus/TestTimeMirror.h"

#include <cstdlib>
#include <iostream>

int
main(int argc, char * argv[])
{
  if (argc != 4 && argc != 5)
  {
    std::cerr << "Usage: " << argv[0] << " model.sinusseg radiograph mask.png [probability.mha]" << std::endl;
    return EXIT_FAILURE;
  }
  try
  {
    using RadiographType = itk::Image<unsigned char, 2>;
    sinus::Json      metadata;
    sinus::Segmenter network = sinus::LoadSegmenterModel(argv[1], &metadata);
    // Training stores its choice (threshold, valley cut, smallest kept object) in the model file;
    // a file without one gets the plain > 0.5. The choice was made on mirror-averaged
    // probabilities when the file says so.
    const sinus::MaskPostprocessing postprocessing =
      sinus::MaskPostprocessing::FromModelMetadata(metadata, argv[1]).value_or(sinus::MaskPostprocessing{});
    const bool mirror = sinus::ReadTestTimeMirror(metadata, argv[1]);

    auto filter = itk::SegmenterImageFilter<RadiographType>::New();
    filter->SetInput(itk::ReadImage<RadiographType>(argv[2]));
    filter->SetSegmenter(network);
    filter->SetPostprocessing(postprocessing);
    filter->SetTestTimeMirror(mirror);
    filter->SetForegroundValue(255);

    auto maskWriter = itk::ImageFileWriter<itk::Image<unsigned char, 2>>::New();
    maskWriter->SetInput(filter->GetMaskOutput());
    maskWriter->SetFileName(argv[3]);
    maskWriter->Update();
    if (argc == 5)
      itk::WriteImage(filter->GetOutput(), argv[4]);
    std::cout << argv[3] << ": " << network->Architecture() << " at " << network->InputSize() << ", postprocessing "
              << postprocessing.Describe() << (mirror ? ", mirror-averaged" : "") << std::endl;
  }
  catch (const std::exception & e)
  {
    std::cerr << "Error: " << e.what() << std::endl;
    return EXIT_FAILURE;
  }
  return EXIT_SUCCESS;
}
