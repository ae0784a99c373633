// SPDX-License-Identifier: Apache-2.0
#include "sinusImageIO.h"

#include "sinusJpegCheck.h"
#include "sinusMetaImageCheck.h"
#include "sinusPngCheck.h"
#include "sinusTiffCheck.h"

#include "itkImageFileReader.h"
#include "itkImageIOFactory.h"
#include "itkVectorImage.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>

namespace sinus
{
namespace
{

/** Refuses, from the header alone, an image whose pixels could not be held: a hostile or broken
 *  header (100000 x 100000) would otherwise make the reader allocate tens of gigabytes first. */
void
RequireReasonableExtent(const std::string & path, const itk::ImageIOBase & io)
{
  const uint64_t width = io.GetDimensions(0), height = io.GetDimensions(1);
  const uint64_t components = std::max(1u, io.GetNumberOfComponents());
  if (width < 1 || height < 1)
    throw std::runtime_error(path + ": the header gives an empty image (" + std::to_string(width) + "x" + std::to_string(height) + ")");
  if (width > kLargestImageSide || height > kLargestImageSide || width * height > kLargestImagePixels / components)
  {
    throw std::runtime_error(path + ": the header claims " + std::to_string(width) + "x" + std::to_string(height) + " pixels x " +
                             std::to_string(components) + " components, more than this program reads (at most " +
                             std::to_string(kLargestImageSide) + " a side and " + std::to_string(kLargestImagePixels >> 20) +
                             " Mi samples); refused before reading the pixels");
  }
}

itk::ImageIOBase::Pointer
OpenImageHeader(const std::string & path)
{
  if (!std::filesystem::exists(path))
  {
    throw std::runtime_error(path + ": file not found");
  }
  RequireCodecReadable(path);
  const itk::ImageIOBase::Pointer io = ProbeImageIO(path);
  if (!io)
  {
    throw std::runtime_error(path + ": not a readable image (unknown format or corrupt header)");
  }
  io->SetFileName(path);
  try
  {
    io->ReadImageInformation();
  }
  catch (const itk::ExceptionObject & e)
  {
    throw std::runtime_error(path + ": cannot read the image header: " + std::string(e.GetDescription()));
  }
  // A file is 2-D when every dimension past the second has a single sample. Some formats store a
  // 2-D image as 3-D with depth 1 (NIfTI, DICOM); anything deeper is a volume or a frame stack.
  const unsigned dimensions = io->GetNumberOfDimensions();
  if (dimensions < 2)
  {
    throw std::runtime_error(path + ": is " + std::to_string(dimensions) + "-D; a 2-D radiograph is expected");
  }
  for (unsigned d = 2; d < dimensions; ++d)
  {
    if (io->GetDimensions(d) > 1)
    {
      throw std::runtime_error(path + ": is a " + std::to_string(dimensions) + "-D volume or multi-frame file (" +
                               std::to_string(io->GetDimensions(0)) + "x" + std::to_string(io->GetDimensions(1)) +
                               "x" + std::to_string(io->GetDimensions(d)) +
                               "); a single 2-D radiograph is expected. Extract the slice or frame you mean first.");
    }
  }
  RequireReasonableExtent(path, *io);
  return io;
}

using MultiComponentImageType = itk::VectorImage<float, 2>;

MultiComponentImageType::Pointer
ReadAllComponents(const std::string & path, const itk::ImageIOBase::Pointer & io)
{
  const uint64_t width = io->GetDimensions(0), height = io->GetDimensions(1);
  const unsigned components = io->GetNumberOfComponents();
  auto           reader = itk::ImageFileReader<MultiComponentImageType>::New();
  reader->SetFileName(path);
  reader->SetImageIO(io);
  try
  {
    // The reader reads the header again. Some of ITK's readers fill fields of a truncated header
    // with whatever memory held (found by fuzzing: a 25-byte BMP read as 200 G pixels the second
    // time), so the extent checked from the first reading must hold before anything is allocated.
    reader->UpdateOutputInformation();
    const auto size = reader->GetOutput()->GetLargestPossibleRegion().GetSize();
    if (size[0] != width || size[1] != height || io->GetNumberOfComponents() != components)
      throw std::runtime_error(path + ": the header reads differently each time (" + std::to_string(width) + "x" + std::to_string(height) + "x" +
                               std::to_string(components) + ", then " + std::to_string(size[0]) + "x" + std::to_string(size[1]) + "x" +
                               std::to_string(io->GetNumberOfComponents()) + "); the file is truncated or corrupt");
    reader->Update();
  }
  catch (const itk::ExceptionObject & e)
  {
    throw std::runtime_error(path + ": cannot read pixel data: " + std::string(e.GetDescription()));
  }
  return reader->GetOutput();
}

/** A new, allocated image on `grid`'s largest possible region, origin, spacing and direction. */
template <typename TImage>
typename TImage::Pointer
AllocateOnGridOf(const itk::ImageBase<2> * grid)
{
  auto image = TImage::New();
  image->SetRegions(grid->GetLargestPossibleRegion());
  image->SetOrigin(grid->GetOrigin());
  image->SetSpacing(grid->GetSpacing());
  image->SetDirection(grid->GetDirection());
  image->Allocate();
  return image;
}

double
ComponentMaximum(itk::IOComponentEnum component)
{
  switch (component)
  {
    case itk::IOComponentEnum::UCHAR:
      return 255.0;
    case itk::IOComponentEnum::USHORT:
      return 65535.0;
    case itk::IOComponentEnum::CHAR:
      return 127.0;
    case itk::IOComponentEnum::SHORT:
      return 32767.0;
    default:
      return 1.0; // float RGBA: alpha in [0, 1]
  }
}

} // namespace

RadiographImageType::Pointer
ReadRadiograph(const std::string & path, RadiographInfo * info)
{
  const itk::ImageIOBase::Pointer io = OpenImageHeader(path);
  const unsigned                  components = io->GetNumberOfComponents();
  const itk::IOComponentEnum      componentType = io->GetComponentType();
  if (components != 1 && components != 3 && components != 4)
  {
    throw std::runtime_error(path + ": has " + std::to_string(components) +
                             " components per pixel; grey (1), RGB (3) or opaque RGBA (4) is expected");
  }
  if (componentType == itk::IOComponentEnum::UNKNOWNCOMPONENTTYPE)
  {
    throw std::runtime_error(path + ": unknown pixel component type");
  }
  const MultiComponentImageType::Pointer all = ReadAllComponents(path, io);

  const auto radiograph = AllocateOnGridOf<RadiographImageType>(all);

  const bool eightBit = componentType == itk::IOComponentEnum::UCHAR;
  const double alphaOpaque = ComponentMaximum(componentType);
  itk::ImageRegionConstIterator<MultiComponentImageType> in(all, all->GetLargestPossibleRegion());
  itk::ImageRegionIterator<RadiographImageType>          out(radiograph, radiograph->GetLargestPossibleRegion());
  for (in.GoToBegin(), out.GoToBegin(); !in.IsAtEnd(); ++in, ++out)
  {
    const auto pixel = in.Get();
    float      grey = pixel[0];
    if (components >= 3)
    {
      if (components == 4 && static_cast<double>(pixel[3]) != alphaOpaque)
      {
        const auto index = in.GetIndex();
        throw std::runtime_error(path + ": RGBA image with transparent pixels (first at x=" + std::to_string(index[0]) +
                                 ", y=" + std::to_string(index[1]) +
                                 "); a radiograph must be opaque. Flatten it onto a background first.");
      }
      if (eightBit)
      {
        // PIL's convert('L'): (R*19595 + G*38470 + B*7471 + 0x8000) >> 16, exact for grey RGB.
        const auto r = static_cast<uint32_t>(pixel[0]), g = static_cast<uint32_t>(pixel[1]),
                   b = static_cast<uint32_t>(pixel[2]);
        grey = static_cast<float>((r * 19595u + g * 38470u + b * 7471u + 0x8000u) >> 16);
      }
      else
      {
        grey = static_cast<float>(0.299 * pixel[0] + 0.587 * pixel[1] + 0.114 * pixel[2]);
      }
    }
    if (!std::isfinite(grey))
    {
      throw std::runtime_error(path + ": contains NaN or infinite pixel values");
    }
    out.Set(grey);
  }
  if (info)
  {
    info->componentType = itk::ImageIOBase::GetComponentTypeAsString(componentType);
    info->components = components;
    info->eightBit = eightBit;
    info->format = io->GetNameOfClass();
  }
  return radiograph;
}

MaskImageType::Pointer
ReadMask(const std::string & path)
{
  const itk::ImageIOBase::Pointer io = OpenImageHeader(path);
  if (io->GetNumberOfComponents() != 1)
  {
    throw std::runtime_error(path + ": a mask must have one component per pixel, found " +
                             std::to_string(io->GetNumberOfComponents()));
  }
  const MultiComponentImageType::Pointer all = ReadAllComponents(path, io);
  const auto                             mask = AllocateOnGridOf<MaskImageType>(all);
  itk::ImageRegionConstIterator<MultiComponentImageType> in(all, all->GetLargestPossibleRegion());
  itk::ImageRegionIterator<MaskImageType>                out(mask, mask->GetLargestPossibleRegion());
  for (in.GoToBegin(), out.GoToBegin(); !in.IsAtEnd(); ++in, ++out)
  {
    const float v = in.Get()[0];
    if (!(v >= 0 && v <= 255 && v == std::floor(v)))
    {
      const auto index = in.GetIndex();
      throw std::runtime_error(path + ": mask value " + std::to_string(v) + " at x=" + std::to_string(index[0]) +
                               ", y=" + std::to_string(index[1]) + " is not an integer label in 0..255");
    }
    out.Set(static_cast<unsigned char>(v));
  }
  return mask;
}

RadiographImageType::Pointer
ReadMaskAsProbability(const std::string & path)
{
  const itk::ImageIOBase::Pointer io = OpenImageHeader(path);
  if (io->GetNumberOfComponents() != 1)
  {
    throw std::runtime_error(path + ": a mask must have one component per pixel, found " +
                             std::to_string(io->GetNumberOfComponents()));
  }
  const bool                             probability = io->GetComponentType() == itk::IOComponentEnum::FLOAT ||
                                       io->GetComponentType() == itk::IOComponentEnum::DOUBLE;
  const MultiComponentImageType::Pointer all = ReadAllComponents(path, io);
  const auto                             result = AllocateOnGridOf<RadiographImageType>(all);
  itk::ImageRegionConstIterator<MultiComponentImageType> in(all, all->GetLargestPossibleRegion());
  itk::ImageRegionIterator<RadiographImageType>          out(result, result->GetLargestPossibleRegion());
  for (in.GoToBegin(), out.GoToBegin(); !in.IsAtEnd(); ++in, ++out)
  {
    const float v = in.Get()[0];
    if (probability && !(v >= 0.0f && v <= 1.0f))
    {
      const auto index = in.GetIndex();
      throw std::runtime_error(path + ": probability " + std::to_string(v) + " at x=" + std::to_string(index[0]) + ", y=" +
                               std::to_string(index[1]) + " lies outside [0, 1]");
    }
    out.Set(probability ? v : (v != 0.0f ? 1.0f : 0.0f));
  }
  return result;
}

Raster<uint8_t>
ReadGreyForDisplay(const std::string & path)
{
  const Raster<float> r = ImageToRaster<float>(ReadRadiograph(path).GetPointer());
  const auto          range = std::minmax_element(r.data.begin(), r.data.end());
  const double        low = *range.first, high = *range.second;
  Raster<uint8_t>     grey(r.height, r.width);
  for (size_t i = 0; i < r.data.size(); ++i)
    grey.data[i] = static_cast<uint8_t>(high > low ? std::lround(255.0 * (r.data[i] - low) / (high - low)) : 0);
  return grey;
}

itk::ImageIOBase::Pointer
ProbeImageIO(const std::string & path)
{
  // ITK's readers may throw while they only probe a file (a corrupt TIFF: "No directories found"),
  // with a message that does not name it.
  try
  {
    return itk::ImageIOFactory::CreateImageIO(path.c_str(), itk::ImageIOFactory::IOFileModeEnum::ReadMode);
  }
  catch (const itk::ExceptionObject & e)
  {
    throw std::runtime_error(path + ": not a readable image: " + std::string(e.GetDescription()));
  }
}

void
RequireCodecReadable(const std::string & path)
{
  // Files ITK 5.2 would crash or abort on are checked with their codec library first.
  if (HasPngSignature(path))
    RequireReadablePng(path);
  if (LooksLikeJpeg(path))
    RequireReadableJpeg(path, kLargestImagePixels);
  if (LooksLikeTiff(path))
    RequireReadableTiff(path, kLargestImagePixels);
  if (LooksLikeMetaImage(path))
    RequireBoundedMetaImageHeader(path);
}

itk::Size<2>
ReadImageSize(const std::string & path)
{
  const itk::ImageIOBase::Pointer io = OpenImageHeader(path);
  itk::Size<2>                    size;
  size[0] = io->GetDimensions(0);
  size[1] = io->GetDimensions(1);
  return size;
}

} // namespace sinus
