// SPDX-License-Identifier: Apache-2.0
#ifndef sinusImageIO_hxx
#define sinusImageIO_hxx

#include "sinus/FileUtilities.h"
#include "sinusFilterSupport.h"

#include "itkImageFileReader.h"
#include "itkImageRegionConstIterator.h"
#include "itkImageRegionIterator.h"

#include <stdexcept>

namespace sinus
{

template <typename TImage>
typename TImage::Pointer
ReadImageChecked(const std::string & path)
{
  if (!std::filesystem::exists(path))
    throw std::runtime_error(path + ": file not found");
  RequireCodecReadable(path);
  auto reader = itk::ImageFileReader<TImage>::New();
  reader->SetFileName(path);
  try
  {
    reader->UpdateOutputInformation();
    const auto size = reader->GetOutput()->GetLargestPossibleRegion().GetSize();
    uint64_t   samples = std::max<uint64_t>(1, reader->GetOutput()->GetNumberOfComponentsPerPixel());
    for (unsigned d = 0; d < TImage::ImageDimension; ++d)
    {
      if (size[d] < 1)
        throw std::runtime_error(path + ": the header gives an empty image");
      if (size[d] > kLargestImagePixels / samples)
        samples = kLargestImagePixels + 1;
      else
        samples *= size[d];
    }
    if (samples > kLargestImagePixels)
      throw std::runtime_error(path + ": the header claims more than " + std::to_string(kLargestImagePixels >> 20) +
                               " Mi samples, more than this program reads; refused before reading the pixels");
    reader->Update();
  }
  catch (const itk::ExceptionObject & e)
  {
    throw std::runtime_error(path + ": cannot read: " + std::string(e.GetDescription()));
  }
  return reader->GetOutput();
}

/** Throws unless the file at `written` reads back as `image` (the same size, and for lossless
 *  formats the same pixels). ITK's writers do not all report a failed write: with the disk full or
 *  a file-size limit, PNG, BMP and NRRD files came out truncated and no error was raised. */
template <typename TImage>
void
RequireImageReadsBack(const TImage * image, const std::filesystem::path & written, const std::string & path)
{
  auto reader = itk::ImageFileReader<TImage>::New();
  reader->SetFileName(written.string());
  try
  {
    RequireCodecReadable(written.string());
    reader->Update();
  }
  catch (const std::exception &) // a codec check's refusal or ITK's read error alike
  {
    throw std::runtime_error(path + ": the written file is incomplete and was removed (disk full or file-size limit?)");
  }
  const TImage * back = reader->GetOutput();
  if (back->GetLargestPossibleRegion().GetSize() != image->GetLargestPossibleRegion().GetSize())
    throw std::runtime_error(path + ": the written file does not read back at the image's size (disk full or file-size limit?)");
  const std::string extension = LowerCaseExtension(written);
  if (extension == ".jpg" || extension == ".jpeg")
    return; // lossy: its pixels differ by design
  itk::ImageRegionConstIterator<TImage> a(image, image->GetLargestPossibleRegion());
  itk::ImageRegionConstIterator<TImage> b(back, back->GetLargestPossibleRegion());
  for (; !a.IsAtEnd(); ++a, ++b)
    if (!(a.Get() == b.Get()))
      throw std::runtime_error(path + ": the written file does not hold the image's pixels and was removed (disk full or file-size limit?)");
}

template <typename TImage>
void
WriteImage(const TImage * image, const std::string & path, bool compress)
{
  if (image == nullptr)
  {
    throw std::invalid_argument(path + ": no image to write");
  }
  const std::filesystem::path temporary = TemporarySibling(path);
  try
  {
    // The writer (and its ImageIO) must be gone before the file is read back: ITK's BMP writer
    // keeps its stream open, unflushed, until then.
    auto writer = itk::ImageFileWriter<TImage>::New();
    writer->SetInput(image);
    writer->SetFileName(temporary.string());
    writer->SetUseCompression(compress);
    writer->Update();
  }
  catch (const itk::ExceptionObject & e)
  {
    std::error_code ec;
    std::filesystem::remove(temporary, ec);
    throw std::runtime_error(path + ": cannot write image: " + std::string(e.GetDescription()));
  }
  try
  {
    RequireImageReadsBack(image, temporary, path);
  }
  catch (const std::exception &)
  {
    std::error_code ec;
    std::filesystem::remove(temporary, ec);
    throw;
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
