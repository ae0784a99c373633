// SPDX-License-Identifier: Apache-2.0
// sinusseg preprocess: MedSAM's exact preprocessing of one radiograph.
#include "SinusSegCommand.h"

#include "itkMedSAMPreprocessImageFilter.h"
#include "sinusImageIO.h"

#include <iostream>

namespace sinusseg
{

int
RunPreprocess(const std::vector<std::string> & args)
{
  namespace po = boost::program_options;
  std::string             input, output, resized;
  unsigned int            size = 1024;
  std::string             rescale = "auto";
  po::options_description desc("Options");
  desc.add_options()
    ("input", po::value(&input)->required(), "radiograph (PNG, JPEG, TIFF, BMP, DICOM, NRRD, MHA, NIfTI, ...)")
    ("output", po::value(&output)->required(), "3-channel float model input, normalised to [0,1] (.nrrd, .mha, .nii.gz)")
    ("resized-uint8", po::value(&resized), "also write the uint8 resized image (before normalisation)")
    ("size", po::value(&size)->default_value(1024), "side of the square model input")
    ("rescale", po::value(&rescale)->default_value(rescale),
     "map input [min,max] to [0,255] first: auto (unless the file is 8-bit), on, off");
  po::variables_map values;
  if (!ParseCommandLine("preprocess", "--input IMG --output FILE [options]", desc, args, values))
  {
    return 0;
  }
  if (rescale != "auto" && rescale != "on" && rescale != "off")
  {
    throw UsageError("--rescale must be auto, on or off");
  }
  if (size < 1)
  {
    throw UsageError("--size must be positive");
  }
  sinus::RadiographInfo info;
  const auto            radiograph = sinus::ReadRadiograph(input, &info);
  using FilterType = itk::MedSAMPreprocessImageFilter<sinus::RadiographImageType>;
  auto filter = FilterType::New();
  filter->SetInput(radiograph);
  filter->SetInputSize(size);
  filter->SetRescaleInputTo8BitRange(rescale == "on" || (rescale == "auto" && !info.eightBit));
  filter->Update();
  sinus::WriteImage(filter->GetOutput(), output);
  if (!resized.empty())
  {
    sinus::WriteImage(filter->GetResizedUInt8Output(), resized);
  }
  const auto inSize = radiograph->GetLargestPossibleRegion().GetSize();
  std::cout << input << " (" << inSize[0] << "x" << inSize[1] << ", " << info.componentType << " x" << info.components
            << ") -> " << output << " (" << size << "x" << size << "x3"
            << (filter->GetRescaleInputTo8BitRange() ? ", rescaled to 0..255 first" : "") << ")" << std::endl;
  return 0;
}

} // namespace sinusseg
