// SPDX-License-Identifier: Apache-2.0
// Example: MedSAM inference as an ITK pipeline: reader -> itk::MedSAMImageFilter -> writer.
//   MedSAMInference model_or_checkpoint [config.json] radiograph mask.png [x0 y0 x1 y1]
// With a .pth checkpoint and a config JSON the architecture comes from the JSON; a SinusSeg model
// file carries its own. Without a box, the whole image is the prompt.
#include "itkImageFileReader.h"
#include "itkImageFileWriter.h"
#include "itkMedSAMImageFilter.h"
#include "sinus/ModelFile.h"

#include <cstdlib>
#include <iostream>

int
main(int argc, char * argv[])
{
  if (argc < 4)
  {
    std::cerr << "Usage: " << argv[0] << " model.sinusseg|checkpoint.pth [config.json] radiograph mask.png [x0 y0 x1 y1]" << std::endl;
    return EXIT_FAILURE;
  }
  try
  {
    const std::string first = argv[1];
    const bool        withConfig = first.size() > 4 && first.substr(first.size() - 4) == ".pth" && std::string(argv[2]).find(".json") != std::string::npos;
    int               next = withConfig ? 3 : 2;
    sinus::Sam        model = first.size() > 4 && first.substr(first.size() - 4) == ".pth"
                                ? sinus::LoadSamFromCheckpoint(first, withConfig ? std::optional<std::string>(argv[2]) : std::nullopt)
                                : sinus::LoadSamModel(first);
    using ImageType = itk::Image<unsigned char, 2>;
    auto filter = itk::MedSAMImageFilter<ImageType>::New();
    filter->SetInput(itk::ReadImage<ImageType>(argv[next]));
    filter->SetModel(model);
    filter->SetForegroundValue(255);
    if (argc >= next + 6)
    {
      filter->AddBox({ std::atof(argv[next + 2]), std::atof(argv[next + 3]), std::atof(argv[next + 4]), std::atof(argv[next + 5]) });
    }
    itk::WriteImage(filter->GetMaskOutput(), argv[next + 1]);
    std::cout << argv[next + 1] << ": predicted IoU " << filter->GetPredictedIoUs().front() << std::endl;
  }
  catch (const std::exception & e)
  {
    std::cerr << e.what() << std::endl;
    return EXIT_FAILURE;
  }
  return EXIT_SUCCESS;
}
