// SPDX-License-Identifier: Apache-2.0
#ifndef sinusImageIO_hxx
#define sinusImageIO_hxx

#include "sinus/FileUtilities.h"
#include "sinusFilterSupport.h"
#include "sinusJpegEncoder.h"
#include "sinusPngEncoder.h"

#include "itkRGBAPixel.h"
#include "itkRGBPixel.h"

#include "itkImageFileReader.h"
#include "itkImageRegionConstIterator.h"
#include "itkImageRegionIterator.h"

#include <optional>
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

/** Samples per pixel and bits per sample of the pixel types our own PNG/JPEG encoders take; 0 for
 *  the others, which ITK's writers write. */
template <typename TPixel>
struct EncodedSamples
{
  static constexpr int channels = 0, bits = 0;
};
template <>
struct EncodedSamples<unsigned char>
{
  static constexpr int channels = 1, bits = 8;
};
template <>
struct EncodedSamples<unsigned short>
{
  static constexpr int channels = 1, bits = 16;
};
template <>
struct EncodedSamples<itk::RGBPixel<unsigned char>>
{
  static constexpr int channels = 3, bits = 8;
};
template <>
struct EncodedSamples<itk::RGBAPixel<unsigned char>>
{
  static constexpr int channels = 4, bits = 8;
};

/** The PNG or JPEG bytes of a 2-D image whose pixels our encoders take, or nothing (ITK's writer
 *  then writes it). */
template <typename TImage>
std::optional<std::string>
EncodeWithOwnCodec(const TImage * image, const std::string & path, bool compress)
{
  using Samples = EncodedSamples<typename TImage::PixelType>;
  if constexpr (TImage::ImageDimension != 2 || Samples::channels == 0)
    return std::nullopt;
  else
  {
    const std::string extension = LowerCaseExtension(path);
    const bool        png = extension == ".png";
    const bool        jpeg = (extension == ".jpg" || extension == ".jpeg") && Samples::bits == 8 && Samples::channels != 4;
    if ((!png && !jpeg) || image->GetBufferedRegion() != image->GetLargestPossibleRegion())
      return std::nullopt;
    const auto     size = image->GetLargestPossibleRegion().GetSize();
    const auto     spacing = image->GetSpacing();
    const uint32_t width = static_cast<uint32_t>(size[0]), height = static_cast<uint32_t>(size[1]);
    if (png)
      return EncodePng(image->GetBufferPointer(), width, height, Samples::channels, Samples::bits, spacing[0], spacing[1], compress);
    constexpr int kItkJpegQuality = 95; // ITK's JPEG writer's default
    return EncodeJpeg(reinterpret_cast<const uint8_t *>(image->GetBufferPointer()), width, height, Samples::channels, spacing[0], spacing[1],
                      kItkJpegQuality);
  }
}

/** Writes `image` to `temporary`: encoded by us where we can (ITK 5.2's PNG and JPEG writers crash
 *  or end the process when a write fails), by ITK's writer otherwise. */
template <typename TImage>
void
WriteImageFile(const TImage * image, const std::filesystem::path & temporary, bool compress)
{
  if (const std::optional<std::string> bytes = EncodeWithOwnCodec(image, temporary.string(), compress))
  {
    CheckedFileSink file(temporary);
    file.Write(bytes->data(), bytes->size());
    file.Finish();
    return;
  }
  // The writer (and its ImageIO) must be gone before the file is read back: ITK's BMP writer
  // keeps its stream open, unflushed, until then.
  auto writer = itk::ImageFileWriter<TImage>::New();
  writer->SetInput(image);
  writer->SetFileName(temporary.string());
  writer->SetUseCompression(compress);
  writer->Update();
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
    WriteImageFile(image, temporary, compress);
  }
  catch (const itk::ExceptionObject & e)
  {
    std::error_code ec;
    std::filesystem::remove(temporary, ec);
    throw std::runtime_error(path + ": cannot write image: " + std::string(e.GetDescription()));
  }
  catch (const std::exception & e)
  {
    std::error_code ec;
    std::filesystem::remove(temporary, ec);
    throw std::runtime_error(path + ": cannot write image: " + std::string(e.what()));
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
