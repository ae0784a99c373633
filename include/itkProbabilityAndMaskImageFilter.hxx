// SPDX-License-Identifier: Apache-2.0
#ifndef itkProbabilityAndMaskImageFilter_hxx
#define itkProbabilityAndMaskImageFilter_hxx

#include "itkProbabilityAndMaskImageFilter.h"

namespace itk
{

template <typename TInputImage, typename TProbabilityImage, typename TMaskImage>
ProbabilityAndMaskImageFilter<TInputImage, TProbabilityImage, TMaskImage>::ProbabilityAndMaskImageFilter()
{
  this->SetNumberOfRequiredInputs(1);
  this->SetNumberOfRequiredOutputs(2);
  this->SetNthOutput(0, this->MakeOutput(0));
  this->SetNthOutput(1, this->MakeOutput(1));
}

template <typename TInputImage, typename TProbabilityImage, typename TMaskImage>
DataObject::Pointer
ProbabilityAndMaskImageFilter<TInputImage, TProbabilityImage, TMaskImage>::MakeOutput(DataObjectPointerArraySizeType index)
{
  if (index == 1)
    return MaskImageType::New().GetPointer();
  return ProbabilityImageType::New().GetPointer();
}

template <typename TInputImage, typename TProbabilityImage, typename TMaskImage>
auto
ProbabilityAndMaskImageFilter<TInputImage, TProbabilityImage, TMaskImage>::GetMaskOutput() -> MaskImageType *
{
  return dynamic_cast<MaskImageType *>(this->ProcessObject::GetOutput(1));
}

template <typename TInputImage, typename TProbabilityImage, typename TMaskImage>
void
ProbabilityAndMaskImageFilter<TInputImage, TProbabilityImage, TMaskImage>::GenerateInputRequestedRegion()
{
  Superclass::GenerateInputRequestedRegion();
  if (auto * input = const_cast<InputImageType *>(this->GetInput()))
    input->SetRequestedRegionToLargestPossibleRegion();
}

template <typename TInputImage, typename TProbabilityImage, typename TMaskImage>
void
ProbabilityAndMaskImageFilter<TInputImage, TProbabilityImage, TMaskImage>::EnlargeOutputRequestedRegion(DataObject * output)
{
  Superclass::EnlargeOutputRequestedRegion(output);
  output->SetRequestedRegionToLargestPossibleRegion();
}

template <typename TInputImage, typename TProbabilityImage, typename TMaskImage>
void
ProbabilityAndMaskImageFilter<TInputImage, TProbabilityImage, TMaskImage>::GenerateOutputInformation()
{
  Superclass::GenerateOutputInformation(); // the probability map copies the input's grid
  MaskImageType * mask = this->GetMaskOutput();
  mask->CopyInformation(this->GetInput());
  mask->SetLargestPossibleRegion(this->GetInput()->GetLargestPossibleRegion());
}

template <typename TInputImage, typename TProbabilityImage, typename TMaskImage>
void
ProbabilityAndMaskImageFilter<TInputImage, TProbabilityImage, TMaskImage>::PrintSelf(std::ostream & os, Indent indent) const
{
  Superclass::PrintSelf(os, indent);
  os << indent << "ForegroundValue: " << static_cast<typename NumericTraits<MaskPixelType>::PrintType>(m_ForegroundValue)
     << std::endl;
}

} // namespace itk

#endif
