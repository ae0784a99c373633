#ifndef itkMedSAMImageFilter_hxx
#define itkMedSAMImageFilter_hxx

#include "itkMedSAMImageFilter.h"

#include "sinusFilterSupport.h"

#include <algorithm>
#include <cmath>

namespace itk
{

template <typename TInputImage, typename TProbabilityImage, typename TMaskImage>
MedSAMImageFilter<TInputImage, TProbabilityImage, TMaskImage>::MedSAMImageFilter()
{
  this->SetNumberOfRequiredInputs(1);
  this->SetNumberOfRequiredOutputs(2);
  this->SetNthOutput(0, this->MakeOutput(0));
  this->SetNthOutput(1, this->MakeOutput(1));
}

template <typename TInputImage, typename TProbabilityImage, typename TMaskImage>
DataObject::Pointer
MedSAMImageFilter<TInputImage, TProbabilityImage, TMaskImage>::MakeOutput(DataObjectPointerArraySizeType index)
{
  if (index == 1)
    return MaskImageType::New().GetPointer();
  return ProbabilityImageType::New().GetPointer();
}

template <typename TInputImage, typename TProbabilityImage, typename TMaskImage>
auto
MedSAMImageFilter<TInputImage, TProbabilityImage, TMaskImage>::GetMaskOutput() -> MaskImageType *
{
  return dynamic_cast<MaskImageType *>(this->ProcessObject::GetOutput(1));
}

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
}

template <typename TInputImage, typename TProbabilityImage, typename TMaskImage>
void
MedSAMImageFilter<TInputImage, TProbabilityImage, TMaskImage>::GenerateInputRequestedRegion()
{
  Superclass::GenerateInputRequestedRegion();
  if (auto * input = const_cast<InputImageType *>(this->GetInput()))
    input->SetRequestedRegionToLargestPossibleRegion();
}

template <typename TInputImage, typename TProbabilityImage, typename TMaskImage>
void
MedSAMImageFilter<TInputImage, TProbabilityImage, TMaskImage>::EnlargeOutputRequestedRegion(DataObject * output)
{
  Superclass::EnlargeOutputRequestedRegion(output);
  output->SetRequestedRegionToLargestPossibleRegion();
}

template <typename TInputImage, typename TProbabilityImage, typename TMaskImage>
void
MedSAMImageFilter<TInputImage, TProbabilityImage, TMaskImage>::GenerateOutputInformation()
{
  Superclass::GenerateOutputInformation(); // the probability map copies the input's grid
  MaskImageType * mask = this->GetMaskOutput();
  mask->CopyInformation(this->GetInput());
  mask->SetLargestPossibleRegion(this->GetInput()->GetLargestPossibleRegion());
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
  const auto checkAbort = [this](double fraction) { sinus::ReportProgressOrAbort(this, fraction); };
  sinus::MedSAMPredictor predictor(m_Model);
  predictor.SetImage(grey, [&](double f) { checkAbort(0.8 * f); });
  const BoxListType boxes = m_Boxes.empty() ? BoxListType{ predictor.FullImageBox() } : m_Boxes;
  sinus::Raster<float> probability(grey.height, grey.width, 1, 0.0f);
  m_PredictedIoUs.clear();
  for (size_t b = 0; b < boxes.size(); ++b)
  {
    const sinus::MedSAMPrediction prediction = predictor.PredictBox(boxes[b]);
    for (size_t i = 0; i < probability.data.size(); ++i)
      probability.data[i] = std::max(probability.data[i], prediction.probability.data[i]);
    m_PredictedIoUs.push_back(prediction.iou);
    checkAbort(0.8 + 0.2 * static_cast<double>(b + 1) / static_cast<double>(boxes.size()));
  }

  sinus::WriteProbabilityAndMask(probability, this->GetOutput(), this->GetMaskOutput(), 0.5, m_ForegroundValue);
  this->UpdateProgress(1.0f);
}

template <typename TInputImage, typename TProbabilityImage, typename TMaskImage>
void
MedSAMImageFilter<TInputImage, TProbabilityImage, TMaskImage>::PrintSelf(std::ostream & os, Indent indent) const
{
  Superclass::PrintSelf(os, indent);
  os << indent << "Model: " << (m_Model.is_empty() ? "(none)" : "SAM, input " + std::to_string(m_Model->config.imageEncoder.imgSize))
     << std::endl;
  os << indent << "Boxes: " << m_Boxes.size() << (m_Boxes.empty() ? " (full image)" : "") << std::endl;
  os << indent << "ForegroundValue: " << static_cast<typename NumericTraits<MaskPixelType>::PrintType>(m_ForegroundValue)
     << std::endl;
  os << indent << "RescaleInputTo8BitRange: " << (m_RescaleInputTo8BitRange ? "On" : "Off") << std::endl;
}

} // namespace itk

#endif
