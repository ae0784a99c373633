// SPDX-License-Identifier: Apache-2.0
#ifndef sinusImageIO_h
#define sinusImageIO_h

#include "sinus/Raster.h"

#include "itkImage.h"
#include "itkImageFileWriter.h"

#include <string>

namespace sinus
{

using RadiographImageType = itk::Image<float, 2>;
using MaskImageType = itk::Image<unsigned char, 2>;

/** What the file held before it became a float radiograph. */
struct RadiographInfo
{
  std::string componentType;   ///< e.g. "unsigned_char", "unsigned_short", "float"
  unsigned    components = 1;  ///< 1 grey, 3 RGB, 4 RGBA (opaque)
  bool        eightBit = false; ///< unsigned 8-bit samples: MedSAM's exact path applies unchanged
  std::string format;          ///< the ImageIO that read it, e.g. "PNGImageIO"
};

/** The largest image the readers accept, checked from the header before any pixel is read: a
 *  full-resolution panoramic radiograph is about 3000 x 1500 (4.5 Mi pixels). */
constexpr uint64_t kLargestImageSide = 65536;
constexpr uint64_t kLargestImagePixels = uint64_t{ 1 } << 28; ///< samples (pixels x components): 1 GiB as float

/** Reads a 2-D radiograph through ITK's IO factories (PNG, JPEG, TIFF, BMP, DICOM, NRRD, MetaImage,
 *  NIfTI, ...) as float grey values. RGB becomes luminance (ITU-R BT.601 weights; for 8-bit samples
 *  PIL's integer formula, so grey RGB stays exactly grey); RGBA is accepted only when fully opaque.
 *  A 3-D volume or a multi-frame file is an error, never a silent slice. Every error names the file. */
RadiographImageType::Pointer
ReadRadiograph(const std::string & path, RadiographInfo * info = nullptr);

/** Reads a 2-D label image (any integer or float type) as unsigned char, requiring every value to
 *  be representable (0..255 integers); same 2-D checks as ReadRadiograph. */
MaskImageType::Pointer
ReadMask(const std::string & path);

/** Reads a teacher's mask as values in [0, 1], on the file's grid: a floating-point file is a
 *  probability map and must lie in [0, 1] (anything else, NaN included, is an error naming the
 *  pixel); an integer file is a label image, every non-zero pixel foreground. */
RadiographImageType::Pointer
ReadMaskAsProbability(const std::string & path);

/** A radiograph min-max mapped to 8 bits, for pictures in reports; errors as ReadRadiograph. */
Raster<uint8_t>
ReadGreyForDisplay(const std::string & path);

/** The pixel size of a 2-D image from its header alone; errors as ReadRadiograph. */
itk::Size<2>
ReadImageSize(const std::string & path);

/** Checks a PNG, JPEG or TIFF file (by its signature or extension) with its codec library, and a
 *  MetaImage header's line lengths, before ITK reads the file: ITK 5.2 aborts, crashes or
 *  overflows a buffer on some corrupt ones (found by fuzzing). Throws std::runtime_error naming
 *  the file. Every reader here calls it. */
void
RequireCodecReadable(const std::string & path);

/** ITK's reader for the file at `path` (nullptr when no reader takes it); an exception a reader
 *  throws while probing the file becomes a std::runtime_error naming it. */
itk::ImageIOBase::Pointer
ProbeImageIO(const std::string & path);

/** Reads an image of any dimension through ITK's readers after RequireCodecReadable, refusing from
 *  the header an image of more than kLargestImagePixels samples or an empty one before anything is
 *  allocated; errors name the file. For readers that take 3-D files too (evaluation, the Slicer
 *  module); 2-D radiographs and masks use the functions above. */
template <typename TImage>
typename TImage::Pointer
ReadImageChecked(const std::string & path);

/** Writes through a hidden temporary file in the same folder and renames it into place, so an
 *  interrupted run never leaves a truncated image. Errors name the file. Call it qualified,
 *  sinus::WriteImage: unqualified, argument-dependent lookup also finds ITK 5.2's itk::WriteImage,
 *  which wins for a non-const image pointer and writes in place, unchecked. */
template <typename TImage>
void
WriteImage(const TImage * image, const std::string & path, bool compress = true);

/** Copies between ITK images and the core's Raster (one channel, row-major, y down). */
template <typename TPixel>
Raster<TPixel>
ImageToRaster(const itk::Image<TPixel, 2> * image);
template <typename TPixel>
typename itk::Image<TPixel, 2>::Pointer
RasterToImage(const Raster<TPixel> & raster);

} // namespace sinus

#include "sinusImageIO.hxx"

#endif
