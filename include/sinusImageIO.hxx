// SPDX-License-Identifier: Apache-2.0
#ifndef sinusImageIO_hxx
#define sinusImageIO_hxx

#include "sinus/FileUtilities.h"
#include "sinusFilterSupport.h"

#include "itkImageRegionConstIterator.h"
#include "itkImageRegionIterator.h"

#include <stdexcept>

namespace sinus
{

template <typename TImage>
void
WriteImage(const TImage * image, const std::string & path, bool compress)
{
  if (image == nullptr)
  {
    throw std::invalid_argument(path + ": no image to write");
  }
  const std::filesystem::path temporary = TemporarySibling(path);
  auto                        writer = itk::ImageFileWriter<TImage>::New();
  writer->SetInput(image);
  writer->SetFileName(temporary.string());
  writer->SetUseCompression(compress);
  try
  {
    writer->Update();
  }
  catch (const itk::ExceptionObject & e)
  {
    std::error_code ec;
    std::filesystem::remove(temporary, ec);
    throw std::runtime_error(path + ": cannot write image: " + std::string(e.GetDescription()));
  }
  CommitFile(temporary, path);
}

template <typename TPixel>
Raster<TPixel>
ImageToRaster(const itk::Image<TPixel, 2> * image)
{
  return ImageToRasterAs<TPixel>(image);
}

template <typename TPixel>
typename itk::Image<TPixel, 2>::Pointer
RasterToImage(const Raster<TPixel> & raster)
{
  if (raster.channels != 1)
  {
    throw std::invalid_argument("RasterToImage: expected one channel");
  }
  using ImageType = itk::Image<TPixel, 2>;
  auto                            image = ImageType::New();
  typename ImageType::RegionType  region;
  typename ImageType::SizeType    size;
  size[0] = static_cast<itk::SizeValueType>(raster.width);
  size[1] = static_cast<itk::SizeValueType>(raster.height);
  region.SetSize(size);
  image->SetRegions(region);
  image->Allocate();
  itk::ImageRegionIterator<ImageType> it(image, region);
  size_t                              i = 0;
  for (it.GoToBegin(); !it.IsAtEnd(); ++it)
  {
    it.Set(raster.data[i++]);
  }
  return image;
}

} // namespace sinus

#endif
