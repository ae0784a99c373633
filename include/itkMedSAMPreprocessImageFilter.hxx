// SPDX-License-Identifier: Apache-2.0
#ifndef itkMedSAMPreprocessImageFilter_hxx
#define itkMedSAMPreprocessImageFilter_hxx

#include "itkMedSAMPreprocessImageFilter.h"

#include "sinusFilterSupport.h"
#include "itkImageRegionIterator.h"
#include "itkProgressReporter.h"
#include "sinus/MedSAMImageTransforms.h"

#include <algorithm>
#include <cmath>

namespace itk
{

template <typename TInputImage, typename TOutputImage>
MedSAMPreprocessImageFilter<TInputImage, TOutputImage>::MedSAMPreprocessImageFilter()
{
  this->SetNumberOfRequiredInputs(1);
  this->SetNumberOfRequiredOutputs(2);
  this->SetNthOutput(0, this->MakeOutput(0));
  this->SetNthOutput(1, this->MakeOutput(1));
}

template <typename TInputImage, typename TOutputImage>
DataObject::Pointer
MedSAMPreprocessImageFilter<TInputImage, TOutputImage>::MakeOutput(DataObjectPointerArraySizeType index)
{
  if (index == 1)
  {
    return ResizedImageType::New().GetPointer();
  }
  return OutputImageType::New().GetPointer();
}

template <typename TInputImage, typename TOutputImage>
auto
MedSAMPreprocessImageFilter<TInputImage, TOutputImage>::GetResizedUInt8Output() -> ResizedImageType *
{
  return dynamic_cast<ResizedImageType *>(this->ProcessObject::GetOutput(1));
}

template <typename TInputImage, typename TOutputImage>
void
MedSAMPreprocessImageFilter<TInputImage, TOutputImage>::VerifyPreconditions() ITKv5_CONST
{
  Superclass::VerifyPreconditions();
  if (m_InputSize < 1)
  {
    itkExceptionMacro("InputSize must be at least 1");
  }
  const InputImageType * input = this->GetInput();
  const auto             size = input->GetLargestPossibleRegion().GetSize();
  if (size[0] < 1 || size[1] < 1)
  {
    itkExceptionMacro("The input image is empty");
  }
}

template <typename TInputImage, typename TOutputImage>
void
MedSAMPreprocessImageFilter<TInputImage, TOutputImage>::GenerateOutputInformation()
{
  const InputImageType * input = this->GetInput();
  const auto             inRegion = input->GetLargestPossibleRegion();
  const auto             inSpacing = input->GetSpacing();
  const auto             direction = input->GetDirection();

  typename OutputImageType::SizeType    size;
  typename OutputImageType::SpacingType spacing;
  Vector<double, ImageDimension>        indexShift;
  for (unsigned int d = 0; d < ImageDimension; ++d)
  {
    size[d] = m_InputSize;
    const double factor = static_cast<double>(inRegion.GetSize(d)) / static_cast<double>(m_InputSize);
    spacing[d] = inSpacing[d] * factor;
    // Output pixel i samples the input at continuous index (i + 0.5) * factor - 0.5.
    indexShift[d] = (factor - 1.0) / 2.0 * inSpacing[d] + static_cast<double>(inRegion.GetIndex(d)) * inSpacing[d];
  }
  typename OutputImageType::PointType origin = input->GetOrigin() + direction * indexShift;
  typename OutputImageType::RegionType region;
  region.SetSize(size);

  OutputImageType * output = this->GetOutput();
  output->SetLargestPossibleRegion(region);
  output->SetSpacing(spacing);
  output->SetOrigin(origin);
  output->SetDirection(direction);
  output->SetNumberOfComponentsPerPixel(3);

  ResizedImageType * resized = this->GetResizedUInt8Output();
  resized->SetLargestPossibleRegion(region);
  resized->SetSpacing(spacing);
  resized->SetOrigin(origin);
  resized->SetDirection(direction);
}

template <typename TInputImage, typename TOutputImage>
void
MedSAMPreprocessImageFilter<TInputImage, TOutputImage>::GenerateInputRequestedRegion()
{
  Superclass::GenerateInputRequestedRegion();
  // Every output pixel depends on the whole input (recursive B-spline prefilter).
  auto * input = const_cast<InputImageType *>(this->GetInput());
  if (input)
  {
    input->SetRequestedRegionToLargestPossibleRegion();
  }
}

template <typename TInputImage, typename TOutputImage>
void
MedSAMPreprocessImageFilter<TInputImage, TOutputImage>::EnlargeOutputRequestedRegion(DataObject * output)
{
  Superclass::EnlargeOutputRequestedRegion(output);
  output->SetRequestedRegionToLargestPossibleRegion();
}

template <typename TInputImage, typename TOutputImage>
void
MedSAMPreprocessImageFilter<TInputImage, TOutputImage>::GenerateData()
{
  sinus::Raster<double> grey = sinus::ImageToRasterAs<double>(this->GetInput());
  try
  {
    sinus::MapToMedSAMRange(grey, m_RescaleInputTo8BitRange);
  }
  catch (const std::exception & e)
  {
    itkExceptionMacro("Input " << e.what());
  }

  const auto progress = [this](double fraction) { sinus::ReportProgressOrAbort(this, 0.95 * fraction); };
  const sinus::MedSAMPreprocessed result = sinus::PreprocessForMedSAM(grey, m_InputSize, progress);

  OutputImageType * output = this->GetOutput();
  output->SetBufferedRegion(output->GetLargestPossibleRegion());
  output->Allocate();
  ResizedImageType * resized = this->GetResizedUInt8Output();
  resized->SetBufferedRegion(resized->GetLargestPossibleRegion());
  resized->Allocate();

  ImageRegionIterator<OutputImageType>  out(output, output->GetLargestPossibleRegion());
  ImageRegionIterator<ResizedImageType> outResized(resized, resized->GetLargestPossibleRegion());
  typename OutputImageType::PixelType   pixel;
  pixel.SetSize(3);
  size_t i = 0;
  for (out.GoToBegin(), outResized.GoToBegin(); !out.IsAtEnd(); ++out, ++outResized, ++i)
  {
    for (unsigned int c = 0; c < 3; ++c)
    {
      pixel[c] = result.input.data[3 * i + c];
    }
    out.Set(pixel);
    outResized.Set(result.resizedUInt8.data[3 * i]);
  }
  this->UpdateProgress(1.0f);
}

template <typename TInputImage, typename TOutputImage>
void
MedSAMPreprocessImageFilter<TInputImage, TOutputImage>::PrintSelf(std::ostream & os, Indent indent) const
{
  Superclass::PrintSelf(os, indent);
  os << indent << "InputSize: " << m_InputSize << std::endl;
  os << indent << "RescaleInputTo8BitRange: " << (m_RescaleInputTo8BitRange ? "On" : "Off") << std::endl;
}

} // namespace itk

#endif
