// SPDX-License-Identifier: Apache-2.0
#ifndef itkSegmenterImageFilter_hxx
#define itkSegmenterImageFilter_hxx

#include "itkSegmenterImageFilter.h"

#include "sinus/MaskPostprocessing.h"
#include "sinus/MedSAMImageTransforms.h"
#include "sinus/SegmenterInference.h"
#include "sinusFilterSupport.h"

namespace itk
{

template <typename TInputImage, typename TProbabilityImage, typename TMaskImage>
void
SegmenterImageFilter<TInputImage, TProbabilityImage, TMaskImage>::SetSegmenter(sinus::Segmenter segmenter)
{
  m_Segmenter = std::move(segmenter);
  this->Modified();
}

template <typename TInputImage, typename TProbabilityImage, typename TMaskImage>
void
SegmenterImageFilter<TInputImage, TProbabilityImage, TMaskImage>::SetPostprocessing(const sinus::MaskPostprocessing & postprocessing)
{
  this->SetThreshold(postprocessing.threshold);
  this->SetMinimumObjectFraction(postprocessing.minimumObjectFraction);
  this->SetValleyWidthFraction(postprocessing.valleyWidthFraction);
  this->SetValleyDepth(postprocessing.valleyDepth);
}

template <typename TInputImage, typename TProbabilityImage, typename TMaskImage>
sinus::MaskPostprocessing
SegmenterImageFilter<TInputImage, TProbabilityImage, TMaskImage>::GetPostprocessing() const
{
  return sinus::MaskPostprocessing{ m_Threshold, m_MinimumObjectFraction, m_ValleyWidthFraction, m_ValleyDepth };
}

template <typename TInputImage, typename TProbabilityImage, typename TMaskImage>
void
SegmenterImageFilter<TInputImage, TProbabilityImage, TMaskImage>::VerifyPreconditions() ITKv5_CONST
{
  Superclass::VerifyPreconditions();
  if (m_Segmenter.is_empty())
  {
    itkExceptionMacro("No segmenter: call SetSegmenter");
  }
  try
  {
    this->GetPostprocessing().Validate("postprocessing");
  }
  catch (const std::exception & e)
  {
    itkExceptionMacro(<< e.what());
  }
}

template <typename TInputImage, typename TProbabilityImage, typename TMaskImage>
void
SegmenterImageFilter<TInputImage, TProbabilityImage, TMaskImage>::GenerateData()
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
  sinus::ReportProgressOrAbort(this, 0.1);
  m_Segmenter->eval();
  const sinus::Raster<float> probability = sinus::PredictProbability(*m_Segmenter, grey, m_TestTimeMirror, m_Precision);
  sinus::ReportProgressOrAbort(this, 0.9);
  const sinus::Raster<uint8_t> mask = sinus::ApplyMaskPostprocessing(probability, this->GetPostprocessing());
  sinus::WriteProbabilityAndMask(probability, mask, this->GetOutput(), this->GetMaskOutput(), this->GetForegroundValue());
  this->UpdateProgress(1.0f);
}

template <typename TInputImage, typename TProbabilityImage, typename TMaskImage>
void
SegmenterImageFilter<TInputImage, TProbabilityImage, TMaskImage>::PrintSelf(std::ostream & os, Indent indent) const
{
  Superclass::PrintSelf(os, indent);
  os << indent << "Segmenter: "
     << (m_Segmenter.is_empty() ? std::string("(none)")
                                : m_Segmenter->Architecture() + ", input " + std::to_string(m_Segmenter->InputSize()))
     << std::endl;
  os << indent << "Threshold: " << m_Threshold << std::endl;
  os << indent << "MinimumObjectFraction: " << m_MinimumObjectFraction << std::endl;
  os << indent << "ValleyWidthFraction: " << m_ValleyWidthFraction << std::endl;
  os << indent << "ValleyDepth: " << m_ValleyDepth << std::endl;
  os << indent << "TestTimeMirror: " << (m_TestTimeMirror ? "On" : "Off") << std::endl;
  os << indent << "RescaleInputTo8BitRange: " << (m_RescaleInputTo8BitRange ? "On" : "Off") << std::endl;
  os << indent << "Precision: " << m_Precision << std::endl;
}

} // namespace itk

#endif
