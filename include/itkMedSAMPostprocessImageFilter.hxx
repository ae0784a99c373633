// SPDX-License-Identifier: Apache-2.0
#ifndef itkMedSAMPostprocessImageFilter_hxx
#define itkMedSAMPostprocessImageFilter_hxx

#include "itkMedSAMPostprocessImageFilter.h"

#include "sinusFilterSupport.h"
#include "sinus/MedSAMImageTransforms.h"
#include "sinus/MedSAMPostprocessing.h"

namespace itk
{

template <typename TInputImage, typename TMaskImage>
MedSAMPostprocessImageFilter<TInputImage, TMaskImage>::MedSAMPostprocessImageFilter()
{
  m_Size.Fill(0);
  m_OutputSpacing.Fill(1.0);
  m_OutputOrigin.Fill(0.0);
  m_OutputDirection.SetIdentity();
  this->SetNumberOfRequiredInputs(1);
  this->SetNumberOfRequiredOutputs(2);
  this->SetNthOutput(0, this->MakeOutput(0));
  this->SetNthOutput(1, this->MakeOutput(1));
}

template <typename TInputImage, typename TMaskImage>
DataObject::Pointer
MedSAMPostprocessImageFilter<TInputImage, TMaskImage>::MakeOutput(DataObjectPointerArraySizeType index)
{
  if (index == 1)
  {
    return MaskImageType::New().GetPointer();
  }
  return OutputImageType::New().GetPointer();
}

template <typename TInputImage, typename TMaskImage>
auto
MedSAMPostprocessImageFilter<TInputImage, TMaskImage>::GetMaskOutput() -> MaskImageType *
{
  return dynamic_cast<MaskImageType *>(this->ProcessObject::GetOutput(1));
}

template <typename TInputImage, typename TMaskImage>
void
MedSAMPostprocessImageFilter<TInputImage, TMaskImage>::SetOutputParametersFromImage(
  const ImageBase<ImageDimension> * reference)
{
  if (reference == nullptr)
  {
    itkExceptionMacro("SetOutputParametersFromImage: null reference image");
  }
  this->SetSize(reference->GetLargestPossibleRegion().GetSize());
  this->SetOutputSpacing(reference->GetSpacing());
  this->SetOutputOrigin(reference->GetOrigin());
  this->SetOutputDirection(reference->GetDirection());
}

template <typename TInputImage, typename TMaskImage>
void
MedSAMPostprocessImageFilter<TInputImage, TMaskImage>::SetOutputSizeKeepingExtent(const SizeType & size)
{
  Vector<double, ImageDimension> shift;
  SpacingType                    spacing;
  for (unsigned int d = 0; d < ImageDimension; ++d)
  {
    if (m_Size[d] == 0 || size[d] == 0)
    {
      itkExceptionMacro("SetOutputSizeKeepingExtent needs a current grid (SetOutputParametersFromImage) and a "
                        "positive size");
    }
    const double factor = static_cast<double>(m_Size[d]) / static_cast<double>(size[d]);
    spacing[d] = m_OutputSpacing[d] * factor;
    shift[d] = (factor - 1.0) / 2.0 * m_OutputSpacing[d];
  }
  this->SetOutputOrigin(m_OutputOrigin + m_OutputDirection * shift);
  this->SetOutputSpacing(spacing);
  this->SetSize(size);
}

template <typename TInputImage, typename TMaskImage>
void
MedSAMPostprocessImageFilter<TInputImage, TMaskImage>::VerifyPreconditions() ITKv5_CONST
{
  Superclass::VerifyPreconditions();
  for (unsigned int d = 0; d < ImageDimension; ++d)
  {
    if (m_Size[d] == 0)
    {
      itkExceptionMacro("Output size is not set: call SetOutputParametersFromImage or SetSize");
    }
  }
}

template <typename TInputImage, typename TMaskImage>
void
MedSAMPostprocessImageFilter<TInputImage, TMaskImage>::GenerateOutputInformation()
{
  typename OutputImageType::RegionType region;
  region.SetSize(m_Size);
  const auto setGrid = [&](ImageBase<ImageDimension> * image) {
    image->SetLargestPossibleRegion(region);
    image->SetSpacing(m_OutputSpacing);
    image->SetOrigin(m_OutputOrigin);
    image->SetDirection(m_OutputDirection);
  };
  setGrid(this->GetOutput());
  setGrid(this->GetMaskOutput());
}

template <typename TInputImage, typename TMaskImage>
void
MedSAMPostprocessImageFilter<TInputImage, TMaskImage>::GenerateInputRequestedRegion()
{
  Superclass::GenerateInputRequestedRegion();
  auto * input = const_cast<InputImageType *>(this->GetInput());
  if (input)
  {
    input->SetRequestedRegionToLargestPossibleRegion();
  }
}

template <typename TInputImage, typename TMaskImage>
void
MedSAMPostprocessImageFilter<TInputImage, TMaskImage>::EnlargeOutputRequestedRegion(DataObject * output)
{
  Superclass::EnlargeOutputRequestedRegion(output);
  output->SetRequestedRegionToLargestPossibleRegion();
}

template <typename TInputImage, typename TMaskImage>
void
MedSAMPostprocessImageFilter<TInputImage, TMaskImage>::GenerateData()
{
  const sinus::Raster<float> lowResolution = sinus::ImageToRasterAs<float>(this->GetInput());
  sinus::ReportProgressOrAbort(this, 0.1);
  const sinus::Raster<float> probability = sinus::ResizeBilinearAlignCornersFalse(
    lowResolution, static_cast<int64_t>(m_Size[1]), static_cast<int64_t>(m_Size[0]));
  this->UpdateProgress(0.8f);

  sinus::WriteProbabilityAndMask(probability, this->GetOutput(), this->GetMaskOutput(), m_Threshold, m_ForegroundValue);
  this->UpdateProgress(1.0f);
}

template <typename TInputImage, typename TMaskImage>
void
MedSAMPostprocessImageFilter<TInputImage, TMaskImage>::PrintSelf(std::ostream & os, Indent indent) const
{
  Superclass::PrintSelf(os, indent);
  os << indent << "Size: " << m_Size << std::endl;
  os << indent << "OutputSpacing: " << m_OutputSpacing << std::endl;
  os << indent << "OutputOrigin: " << m_OutputOrigin << std::endl;
  os << indent << "OutputDirection: " << m_OutputDirection << std::endl;
  os << indent << "Threshold: " << m_Threshold << std::endl;
  os << indent << "ForegroundValue: " << static_cast<typename NumericTraits<MaskPixelType>::PrintType>(m_ForegroundValue)
     << std::endl;
}

} // namespace itk

#endif
