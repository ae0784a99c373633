// SPDX-License-Identifier: Apache-2.0
#ifndef itkPanoramicPhantomImageSource_hxx
#define itkPanoramicPhantomImageSource_hxx

#include "itkPanoramicPhantomImageSource.h"

#include "itkImageRegionIterator.h"
#include "sinus/PanoramicPhantom.h"
#include "sinusFilterSupport.h"

namespace itk
{

template <typename TOutputImage>
PanoramicPhantomImageSource<TOutputImage>::PanoramicPhantomImageSource()
{
  m_Size[0] = 2048;
  m_Size[1] = 1024;
  m_Spacing.Fill(1.0);
  m_Origin.Fill(0.0);
  this->SetNumberOfRequiredOutputs(2);
  this->SetNthOutput(0, this->MakeOutput(0));
  this->SetNthOutput(1, this->MakeOutput(1));
}

template <typename TOutputImage>
auto
PanoramicPhantomImageSource<TOutputImage>::GetMaskOutput() -> OutputImageType *
{
  return this->GetOutput(1);
}

template <typename TOutputImage>
void
PanoramicPhantomImageSource<TOutputImage>::VerifyPreconditions() ITKv5_CONST
{
  Superclass::VerifyPreconditions();
  if (m_Size[0] < 64 || m_Size[1] < 32)
  {
    itkExceptionMacro("Size must be at least 64 x 32 pixels, got " << m_Size);
  }
}

template <typename TOutputImage>
void
PanoramicPhantomImageSource<TOutputImage>::GenerateOutputInformation()
{
  typename OutputImageType::RegionType region;
  region.SetSize(m_Size);
  for (unsigned int i = 0; i < 2; ++i)
  {
    OutputImageType * output = this->GetOutput(i);
    output->SetLargestPossibleRegion(region);
    output->SetSpacing(m_Spacing);
    output->SetOrigin(m_Origin);
  }
}

template <typename TOutputImage>
void
PanoramicPhantomImageSource<TOutputImage>::EnlargeOutputRequestedRegion(DataObject * output)
{
  Superclass::EnlargeOutputRequestedRegion(output);
  // The anatomy is drawn for the whole film at once.
  output->SetRequestedRegionToLargestPossibleRegion();
}

template <typename TOutputImage>
void
PanoramicPhantomImageSource<TOutputImage>::GenerateData()
{
  sinus::PanoramicPhantomOptions options;
  options.width = static_cast<int64_t>(m_Size[0]);
  options.height = static_cast<int64_t>(m_Size[1]);
  options.seed = m_Seed;
  const sinus::PanoramicPhantom phantom = sinus::GeneratePanoramicPhantom(
    options, [this](double fraction) { sinus::ReportProgressOrAbort(this, 0.95 * fraction); });
  for (unsigned int i = 0; i < 2; ++i)
  {
    OutputImageType * output = this->GetOutput(i);
    output->SetBufferedRegion(output->GetLargestPossibleRegion());
    output->Allocate();
    const sinus::Raster<uint8_t> & source = i == 0 ? phantom.image : phantom.mask;
    ImageRegionIterator<OutputImageType> it(output, output->GetLargestPossibleRegion());
    size_t                               k = 0;
    for (it.GoToBegin(); !it.IsAtEnd(); ++it, ++k)
    {
      const uint8_t v = source.data[k];
      it.Set(i == 0 ? static_cast<PixelType>(v) : (v ? m_MaskForegroundValue : PixelType{}));
    }
  }
  this->UpdateProgress(1.0f);
}

template <typename TOutputImage>
void
PanoramicPhantomImageSource<TOutputImage>::PrintSelf(std::ostream & os, Indent indent) const
{
  Superclass::PrintSelf(os, indent);
  os << indent << "Size: " << m_Size << std::endl;
  os << indent << "Spacing: " << m_Spacing << std::endl;
  os << indent << "Origin: " << m_Origin << std::endl;
  os << indent << "Seed: " << m_Seed << std::endl;
  os << indent << "MaskForegroundValue: "
     << static_cast<typename NumericTraits<PixelType>::PrintType>(m_MaskForegroundValue) << std::endl;
}

} // namespace itk

#endif
