// SPDX-License-Identifier: Apache-2.0
#ifndef sinusTestGolden_h
#define sinusTestGolden_h

// Helpers shared by the ITK tests: golden tensors as ITK images.
#include "sinus/TensorDictionary.h"

#include "itkImage.h"
#include "itkImageRegionIterator.h"

namespace sinus_test
{

template <typename TPixel>
typename itk::Image<TPixel, 2>::Pointer
TensorToImage(const torch::Tensor & tensor)
{
  const torch::Tensor t = tensor.squeeze().to(torch::CppTypeToScalarType<TPixel>()).contiguous();
  using ImageType = itk::Image<TPixel, 2>;
  auto                          image = ImageType::New();
  typename ImageType::SizeType  size;
  size[0] = static_cast<itk::SizeValueType>(t.size(1));
  size[1] = static_cast<itk::SizeValueType>(t.size(0));
  image->SetRegions(typename ImageType::RegionType(size));
  image->Allocate();
  itk::ImageRegionIterator<ImageType> it(image, image->GetLargestPossibleRegion());
  const TPixel *                      data = t.data_ptr<TPixel>();
  for (it.GoToBegin(); !it.IsAtEnd(); ++it)
  {
    it.Set(*data++);
  }
  return image;
}

} // namespace sinus_test

#endif
