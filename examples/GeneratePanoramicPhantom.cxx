// SPDX-License-Identifier: Apache-2.0
// Example: a synthetic panoramic radiograph and its sinus mask from itk::PanoramicPhantomImageSource.
//   GeneratePanoramicPhantom radiograph.png mask.png [seed] [width height]
#include "itkImageFileWriter.h"
#include "itkPanoramicPhantomImageSource.h"

#include <cstdlib>
#include <iostream>

int
main(int argc, char * argv[])
{
  if (argc != 3 && argc != 4 && argc != 6)
  {
    std::cerr << "Usage: " << argv[0] << " radiograph.png mask.png [seed] [width height]" << std::endl;
    return EXIT_FAILURE;
  }
  using ImageType = itk::Image<unsigned char, 2>;
  auto source = itk::PanoramicPhantomImageSource<ImageType>::New();
  if (argc >= 4)
  {
    source->SetSeed(std::strtoull(argv[3], nullptr, 10));
  }
  if (argc == 6)
  {
    ImageType::SizeType size = { { std::strtoul(argv[4], nullptr, 10), std::strtoul(argv[5], nullptr, 10) } };
    source->SetSize(size);
  }
  try
  {
    itk::WriteImage(source->GetOutput(), argv[1]);
    itk::WriteImage(source->GetMaskOutput(), argv[2]);
  }
  catch (const itk::ExceptionObject & e)
  {
    std::cerr << e << std::endl;
    return EXIT_FAILURE;
  }
  return EXIT_SUCCESS;
}
