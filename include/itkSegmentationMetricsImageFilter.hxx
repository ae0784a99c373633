// SPDX-License-Identifier: Apache-2.0
#ifndef itkSegmentationMetricsImageFilter_hxx
#define itkSegmentationMetricsImageFilter_hxx

#include "itkSegmentationMetricsImageFilter.h"

#include "itkImageRegionConstIterator.h"
#include "sinusFilterSupport.h"

#include <cmath>
#include <sstream>

namespace itk
{

template <typename TPredictionImage, typename TReferenceImage>
SegmentationMetricsImageFilter<TPredictionImage, TReferenceImage>::SegmentationMetricsImageFilter()
{
  // Input 0 (primary): the prediction; the reference is the named input "ReferenceImage".
  this->SetNumberOfRequiredInputs(1);
  this->AddRequiredInputName("ReferenceImage");
  for (const char * name : { "Dice", "Recall", "Precision", "HD95", "HausdorffDistance", "AverageSymmetricSurfaceDistance" })
  {
    this->ProcessObject::SetOutput(name, this->MakeOutput(name));
  }
}

template <typename TPredictionImage, typename TReferenceImage>
DataObject::Pointer
SegmentationMetricsImageFilter<TPredictionImage, TReferenceImage>::MakeOutput(const DataObjectIdentifierType & name)
{
  if (name == "Dice" || name == "Recall" || name == "Precision" || name == "HD95" || name == "HausdorffDistance" ||
      name == "AverageSymmetricSurfaceDistance")
  {
    return RealObjectType::New().GetPointer();
  }
  return Superclass::MakeOutput(name);
}

template <typename TPredictionImage, typename TReferenceImage>
void
SegmentationMetricsImageFilter<TPredictionImage, TReferenceImage>::SetForegroundLabel(double label)
{
  if (!m_UseForegroundLabel || m_ForegroundLabel != label)
  {
    m_ForegroundLabel = label;
    m_UseForegroundLabel = true;
    this->Modified();
  }
}

template <typename TPredictionImage, typename TReferenceImage>
void
SegmentationMetricsImageFilter<TPredictionImage, TReferenceImage>::ClearForegroundLabel()
{
  if (m_UseForegroundLabel)
  {
    m_UseForegroundLabel = false;
    this->Modified();
  }
}

template <typename TPredictionImage, typename TReferenceImage>
void
SegmentationMetricsImageFilter<TPredictionImage, TReferenceImage>::VerifyPreconditions() ITKv5_CONST
{
  Superclass::VerifyPreconditions();
  if (this->GetReferenceImage() == nullptr)
  {
    itkExceptionMacro("No reference image: call SetReferenceImage");
  }
}

template <typename TPredictionImage, typename TReferenceImage>
void
SegmentationMetricsImageFilter<TPredictionImage, TReferenceImage>::VerifyInputInformation() ITKv5_CONST
{
  // Prediction and reference must describe the same voxels: a mismatch is a user error (wrong
  // file, resampled mask), never something to resample silently.
  const PredictionImageType * prediction = this->GetPredictionImage();
  const ReferenceImageType *  reference = this->GetReferenceImage();
  const auto                  predictionSize = prediction->GetLargestPossibleRegion().GetSize();
  const auto                  referenceSize = reference->GetLargestPossibleRegion().GetSize();
  std::ostringstream          problem;
  if (predictionSize != referenceSize)
  {
    problem << "size " << predictionSize << " vs " << referenceSize;
  }
  else
  {
    const double tolerance = 1e-6;
    for (unsigned int d = 0; d < ImageDimension && problem.str().empty(); ++d)
    {
      const double spacing = reference->GetSpacing()[d];
      if (std::fabs(prediction->GetSpacing()[d] - spacing) > tolerance * spacing)
        problem << "spacing " << prediction->GetSpacing() << " vs " << reference->GetSpacing();
      else if (std::fabs(prediction->GetOrigin()[d] - reference->GetOrigin()[d]) > tolerance * spacing)
        problem << "origin " << prediction->GetOrigin() << " vs " << reference->GetOrigin();
      for (unsigned int e = 0; e < ImageDimension && problem.str().empty(); ++e)
      {
        if (std::fabs(prediction->GetDirection()[d][e] - reference->GetDirection()[d][e]) > tolerance)
          problem << "direction " << prediction->GetDirection() << " vs " << reference->GetDirection();
      }
    }
  }
  if (!problem.str().empty())
  {
    itkExceptionMacro("Prediction and reference grids differ (" << problem.str() << ")");
  }
}

template <typename TPredictionImage, typename TReferenceImage>
void
SegmentationMetricsImageFilter<TPredictionImage, TReferenceImage>::GenerateInputRequestedRegion()
{
  Superclass::GenerateInputRequestedRegion();
  // Distances depend on the whole masks.
  if (auto * prediction = const_cast<PredictionImageType *>(this->GetPredictionImage()))
  {
    prediction->SetRequestedRegionToLargestPossibleRegion();
  }
  if (auto * reference = const_cast<ReferenceImageType *>(this->GetReferenceImage()))
  {
    reference->SetRequestedRegionToLargestPossibleRegion();
  }
}

template <typename TPredictionImage, typename TReferenceImage>
void
SegmentationMetricsImageFilter<TPredictionImage, TReferenceImage>::AllocateOutputs()
{
  // The prediction passes through unchanged.
  this->GraftOutput(const_cast<PredictionImageType *>(this->GetPredictionImage()));
}

template <typename TPredictionImage, typename TReferenceImage>
template <typename TImage>
std::vector<uint8_t>
SegmentationMetricsImageFilter<TPredictionImage, TReferenceImage>::Foreground(const TImage * image) const
{
  std::vector<uint8_t>           flags(image->GetLargestPossibleRegion().GetNumberOfPixels());
  ImageRegionConstIterator<TImage> it(image, image->GetLargestPossibleRegion());
  size_t                           i = 0;
  for (it.GoToBegin(); !it.IsAtEnd(); ++it, ++i)
  {
    const double v = static_cast<double>(it.Get());
    flags[i] = m_UseForegroundLabel ? (v == m_ForegroundLabel) : (v != 0.0);
  }
  return flags;
}

template <typename TPredictionImage, typename TReferenceImage>
void
SegmentationMetricsImageFilter<TPredictionImage, TReferenceImage>::GenerateData()
{
  this->AllocateOutputs();
  const std::vector<uint8_t> prediction = this->Foreground(this->GetPredictionImage());
  this->UpdateProgress(0.2f);
  const std::vector<uint8_t> reference = this->Foreground(this->GetReferenceImage());
  sinus::ReportProgressOrAbort(this, 0.4);
  sinus::MaskGrid grid;
  const auto      size = this->GetPredictionImage()->GetLargestPossibleRegion().GetSize();
  for (unsigned int d = 0; d < ImageDimension; ++d)
  {
    grid.size.push_back(static_cast<int64_t>(size[d]));
    grid.spacing.push_back(this->GetPredictionImage()->GetSpacing()[d]);
  }
  m_Metrics = sinus::ComputeSegmentationMetrics(prediction.data(), reference.data(), grid, m_HD95Mode, m_Percentile);
  this->SetDice(m_Metrics.dice);
  this->SetRecall(m_Metrics.recall);
  this->SetPrecision(m_Metrics.precision);
  this->SetHD95(m_Metrics.hd95.physical);
  this->SetHausdorffDistance(m_Metrics.hd.physical);
  this->SetAverageSymmetricSurfaceDistance(m_Metrics.assd.physical);
  this->UpdateProgress(1.0f);
}

template <typename TPredictionImage, typename TReferenceImage>
void
SegmentationMetricsImageFilter<TPredictionImage, TReferenceImage>::PrintSelf(std::ostream & os, Indent indent) const
{
  Superclass::PrintSelf(os, indent);
  os << indent << "UseForegroundLabel: " << (m_UseForegroundLabel ? "On" : "Off") << std::endl;
  os << indent << "ForegroundLabel: " << m_ForegroundLabel << std::endl;
  os << indent << "HD95Mode: " << sinus::ToString(m_HD95Mode) << std::endl;
  os << indent << "Percentile: " << m_Percentile << std::endl;
  os << indent << "Dice: " << m_Metrics.dice << ", Recall: " << m_Metrics.recall << ", Precision: " << m_Metrics.precision
     << std::endl;
  os << indent << "HD95: " << m_Metrics.hd95.physical << ", HD: " << m_Metrics.hd.physical
     << ", ASSD: " << m_Metrics.assd.physical << std::endl;
}

} // namespace itk

#endif
