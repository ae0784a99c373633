// SPDX-License-Identifier: Apache-2.0
#ifndef sinusFilterSupport_h
#define sinusFilterSupport_h

// What every SinusSegmentation filter does at the boundary between ITK and the core: copy an ITK
// image into a core Raster, and report progress while honouring AbortGenerateData.
#include "sinus/Raster.h"

#include "itkImageRegionConstIterator.h"
#include "itkImageRegionIterator.h"
#include "itkProcessObject.h"

#include <string>

namespace sinus
{

/** The largest possible region of a 2-D ITK image as a one-channel Raster (row-major, y down),
 *  converting each pixel to TValue. */
template <typename TValue, typename TImage>
Raster<TValue>
ImageToRasterAs(const TImage * image)
{
  static_assert(TImage::ImageDimension == 2, "a Raster holds a 2-D image");
  const auto     region = image->GetLargestPossibleRegion();
  Raster<TValue> raster(static_cast<int64_t>(region.GetSize(1)), static_cast<int64_t>(region.GetSize(0)), 1);
  itk::ImageRegionConstIterator<TImage> it(image, region);
  size_t                                i = 0;
  for (it.GoToBegin(); !it.IsAtEnd(); ++it)
  {
    raster.data[i++] = static_cast<TValue>(it.Get());
  }
  return raster;
}

/** Allocates a filter's probability and mask outputs (their grids already set by
 *  GenerateOutputInformation) and fills them row-major from `probability` and from `mask`
 *  (non-zero -> `foreground`, 0 -> 0). */
template <typename TProbabilityImage, typename TMaskImage>
void
WriteProbabilityAndMask(const Raster<float> & probability, const Raster<uint8_t> & mask, TProbabilityImage * probabilityImage,
                        TMaskImage * maskImage, typename TMaskImage::PixelType foreground)
{
  probabilityImage->SetBufferedRegion(probabilityImage->GetLargestPossibleRegion());
  probabilityImage->Allocate();
  maskImage->SetBufferedRegion(maskImage->GetLargestPossibleRegion());
  maskImage->Allocate();
  itk::ImageRegionIterator<TProbabilityImage> p(probabilityImage, probabilityImage->GetLargestPossibleRegion());
  itk::ImageRegionIterator<TMaskImage>        m(maskImage, maskImage->GetLargestPossibleRegion());
  size_t                                      i = 0;
  for (p.GoToBegin(), m.GoToBegin(); !p.IsAtEnd(); ++p, ++m, ++i)
  {
    p.Set(static_cast<typename TProbabilityImage::PixelType>(probability.data[i]));
    m.Set(mask.data[i] != 0 ? foreground : typename TMaskImage::PixelType{});
  }
}

/** As above with the mask `probability > threshold`. */
template <typename TProbabilityImage, typename TMaskImage>
void
WriteProbabilityAndMask(const Raster<float> & probability, TProbabilityImage * probabilityImage, TMaskImage * mask,
                        double threshold, typename TMaskImage::PixelType foreground)
{
  Raster<uint8_t> binary(probability.height, probability.width, probability.channels);
  for (size_t i = 0; i < binary.data.size(); ++i)
    binary.data[i] = static_cast<double>(probability.data[i]) > threshold ? 1 : 0;
  WriteProbabilityAndMask(probability, binary, probabilityImage, mask, foreground);
}

/** Reports `fraction` of the work done and throws itk::ProcessAborted when the filter was asked
 *  to stop (ProcessObject::AbortGenerateData). Core functions call it through their progress
 *  callbacks, so long computations stop within one callback interval. */
inline void
ReportProgressOrAbort(itk::ProcessObject * filter, double fraction)
{
  filter->UpdateProgress(static_cast<float>(fraction));
  if (filter->GetAbortGenerateData())
  {
    itk::ProcessAborted e(__FILE__, __LINE__);
    e.SetDescription(std::string(filter->GetNameOfClass()) + " aborted");
    throw e;
  }
}

} // namespace sinus

#endif
