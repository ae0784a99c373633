// SPDX-License-Identifier: Apache-2.0
#include "itkPanoramicPhantomImageSource.h"

#include "itkTestingMacros.h"
#include "sinus/PanoramicPhantom.h"
#include "sinusImageIO.h"

int
itkPanoramicPhantomImageSourceTest(int argc, char * argv[])
{
  if (argc < 2)
  {
    std::cerr << "Usage: " << itkNameOfTestExecutableMacro(argv) << " tempDir" << std::endl;
    return EXIT_FAILURE;
  }
  const std::string temp = argv[1];
  using ImageType = itk::Image<unsigned char, 2>;
  using SourceType = itk::PanoramicPhantomImageSource<ImageType>;
  auto source = SourceType::New();
  ITK_EXERCISE_BASIC_OBJECT_METHODS(source, PanoramicPhantomImageSource, ImageSource);
  SourceType::SizeType size;
  size[0] = 512;
  size[1] = 256;
  source->SetSize(size);
  source->SetSeed(7);
  source->SetMaskForegroundValue(1);
  ITK_TRY_EXPECT_NO_EXCEPTION(source->Update());

  // The source is a thin adapter: the same pixels as the core generator (compared by the test
  // driver's --compare on the two written files) and the same mask.
  sinus::PanoramicPhantomOptions options;
  options.width = 512;
  options.height = 256;
  options.seed = 7;
  const sinus::PanoramicPhantom phantom = sinus::GeneratePanoramicPhantom(options);
  sinus::WriteImage(source->GetOutput(), temp + "/phantomSource.png");
  sinus::WriteImage(sinus::RasterToImage(phantom.image).GetPointer(), temp + "/phantomCore.png");
  const auto mask = sinus::ImageToRaster(source->GetMaskOutput());
  for (size_t i = 0; i < mask.data.size(); ++i)
  {
    if (mask.data[i] != (phantom.mask.data[i] ? 1 : 0))
    {
      std::cerr << "mask differs from the core generator at pixel " << i << std::endl;
      return EXIT_FAILURE;
    }
  }
  size[0] = 16;
  source->SetSize(size);
  ITK_TRY_EXPECT_EXCEPTION(source->Update());
  std::cout << "Test finished." << std::endl;
  return EXIT_SUCCESS;
}
