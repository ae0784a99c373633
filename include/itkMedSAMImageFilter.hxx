// SPDX-License-Identifier: Apache-2.0
#ifndef itkMedSAMImageFilter_hxx
#define itkMedSAMImageFilter_hxx

#include "itkMedSAMImageFilter.h"

#include "sinusFilterSupport.h"

#include <algorithm>
#include <cmath>

namespace itk
{

template <typename TInputImage, typename TProbabilityImage, typename TMaskImage>
void
MedSAMImageFilter<TInputImage, TProbabilityImage, TMaskImage>::SetModel(sinus::Sam model)
{
  m_Model = std::move(model);
  this->Modified();
}

template <typename TInputImage, typename TProbabilityImage, typename TMaskImage>
void
MedSAMImageFilter<TInputImage, TProbabilityImage, TMaskImage>::SetBoxes(const BoxListType & boxes)
{
  m_Boxes = boxes;
  this->Modified();
}

template <typename TInputImage, typename TProbabilityImage, typename TMaskImage>
void
MedSAMImageFilter<TInputImage, TProbabilityImage, TMaskImage>::AddBox(const BoxType & box)
{
  m_Boxes.push_back(box);
  this->Modified();
}

template <typename TInputImage, typename TProbabilityImage, typename TMaskImage>
void
MedSAMImageFilter<TInputImage, TProbabilityImage, TMaskImage>::SetPointPrompts(const PointPromptsType & points)
{
  m_PointPrompts = points;
  this->Modified();
}

template <typename TInputImage, typename TProbabilityImage, typename TMaskImage>
void
MedSAMImageFilter<TInputImage, TProbabilityImage, TMaskImage>::VerifyPreconditions() ITKv5_CONST
{
  Superclass::VerifyPreconditions();
  if (m_Model.is_empty())
  {
    itkExceptionMacro("No model: call SetModel");
  }
  const auto size = this->GetInput()->GetLargestPossibleRegion().GetSize();
  for (const BoxType & b : m_Boxes)
  {
    if (!(b.x0 >= 0 && b.y0 >= 0 && b.x1 <= size[0] && b.y1 <= size[1]) || !(b.x1 > b.x0 && b.y1 > b.y0))
    {
      itkExceptionMacro("Box (" << b.x0 << ", " << b.y0 << ", " << b.x1 << ", " << b.y1 << ") lies outside the " << size[0]
                                << "x" << size[1] << " image or has zero area");
    }
  }
  if (m_PointPrompts.points.size() != m_PointPrompts.labels.size())
  {
    itkExceptionMacro("Point prompts: " << m_PointPrompts.points.size() << " points but " << m_PointPrompts.labels.size()
                                        << " labels");
  }
  for (size_t i = 0; i < m_PointPrompts.points.size(); ++i)
  {
    const auto & p = m_PointPrompts.points[i];
    if (!(p[0] >= 0 && p[1] >= 0 && p[0] <= size[0] && p[1] <= size[1]))
    {
      itkExceptionMacro("Point (" << p[0] << ", " << p[1] << ") lies outside the " << size[0] << "x" << size[1] << " image");
    }
    if (m_PointPrompts.labels[i] != 0 && m_PointPrompts.labels[i] != 1)
    {
      itkExceptionMacro("Point label " << m_PointPrompts.labels[i] << " is neither 1 (foreground) nor 0 (background)");
    }
  }
}

template <typename TInputImage, typename TProbabilityImage, typename TMaskImage>
void
MedSAMImageFilter<TInputImage, TProbabilityImage, TMaskImage>::GenerateData()
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
  sinus::MedSAMPredictor predictor(m_Model);
  predictor.SetPrecision(m_Precision);
  const sinus::PromptUnion prediction =
    sinus::PredictPromptUnion(predictor, grey, m_Boxes, m_PointPrompts, [this](double fraction) { sinus::ReportProgressOrAbort(this, fraction); });
  m_PredictedIoUs = prediction.ious;
  sinus::WriteProbabilityAndMask(prediction.probability, this->GetOutput(), this->GetMaskOutput(), 0.5, this->GetForegroundValue());
  this->UpdateProgress(1.0f);
}

template <typename TInputImage, typename TProbabilityImage, typename TMaskImage>
void
MedSAMImageFilter<TInputImage, TProbabilityImage, TMaskImage>::PrintSelf(std::ostream & os, Indent indent) const
{
  Superclass::PrintSelf(os, indent);
  os << indent << "Model: " << (m_Model.is_empty() ? "(none)" : "SAM, input " + std::to_string(m_Model->config.imageEncoder.imgSize))
     << std::endl;
  os << indent << "Boxes: " << m_Boxes.size() << (m_Boxes.empty() && m_PointPrompts.points.empty() ? " (full image)" : "") << std::endl;
  os << indent << "PointPrompts: " << m_PointPrompts.points.size() << std::endl;
  os << indent << "RescaleInputTo8BitRange: " << (m_RescaleInputTo8BitRange ? "On" : "Off") << std::endl;
  os << indent << "Precision: " << m_Precision << std::endl;
}

} // namespace itk

#endif
