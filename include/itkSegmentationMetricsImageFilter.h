// SPDX-License-Identifier: Apache-2.0
#ifndef itkSegmentationMetricsImageFilter_h
#define itkSegmentationMetricsImageFilter_h

#include "itkImageToImageFilter.h"
#include "itkSimpleDataObjectDecorator.h"
#include "sinus/SegmentationMetrics.h"

namespace itk
{

/** \class SegmentationMetricsImageFilter
 * \brief Dice, recall, precision, HD95, Hausdorff distance and average symmetric surface distance
 * of a prediction against a reference segmentation, with exact Euclidean distances.
 *
 * Foreground is `pixel != 0`, or `pixel == ForegroundLabel` once a label is set. Border pixels are
 * foreground pixels with a face-connected background neighbour (4-connected in 2-D, 6 in 3-D), the
 * outside of the image counting as background. Directed distances go from each border pixel of one
 * mask to the nearest border pixel of the other, in physical units (spacing per axis), by an exact
 * separable distance transform -- not a chamfer approximation.
 *
 * HD95 (HD95Mode Directed, the default, as MONAI and Metrics Reloaded): max(P95(A->B), P95(B->A)),
 * P95 being numpy's default linear-interpolation percentile. Pooled (medpy): P95 of both directed
 * sets together. HD: the larger directed maximum. ASSD: the mean of all directed distances.
 * GetMetrics() also gives every distance in pixels and normalised by the image diagonal.
 *
 * Empty masks: both empty -> Dice 1 and distances 0; exactly one empty -> Dice 0 and distances NaN.
 *
 * The prediction (input 0) and the reference (SetReferenceImage) must share size, spacing, origin
 * and direction. The prediction passes through as output 0; the metrics are decorated outputs.
 * Works for any dimension from 1 to 3 (2-D radiographs, 3-D CBCT masks).
 *
 * \ingroup SinusSegmentation
 */
template <typename TPredictionImage, typename TReferenceImage = TPredictionImage>
class ITK_TEMPLATE_EXPORT SegmentationMetricsImageFilter : public ImageToImageFilter<TPredictionImage, TPredictionImage>
{
public:
  ITK_DISALLOW_COPY_AND_MOVE(SegmentationMetricsImageFilter);

  using PredictionImageType = TPredictionImage;
  using ReferenceImageType = TReferenceImage;
  using PredictionPixelType = typename PredictionImageType::PixelType;
  using Self = SegmentationMetricsImageFilter;
  using Superclass = ImageToImageFilter<PredictionImageType, PredictionImageType>;
  using Pointer = SmartPointer<Self>;
  using ConstPointer = SmartPointer<const Self>;
  static constexpr unsigned int ImageDimension = PredictionImageType::ImageDimension;
  static_assert(ImageDimension >= 1 && ImageDimension <= 3, "1-, 2- or 3-D images");
  static_assert(ImageDimension == ReferenceImageType::ImageDimension, "prediction and reference share a dimension");
  using RealType = double;
  using RealObjectType = SimpleDataObjectDecorator<RealType>;
  using HD95ModeType = sinus::HD95Mode;
  using MetricsType = sinus::SegmentationMetrics;

  itkTypeMacro(SegmentationMetricsImageFilter, ImageToImageFilter);
  itkNewMacro(Self);

  void SetPredictionImage(const PredictionImageType * image) { this->SetNthInput(0, const_cast<PredictionImageType *>(image)); }
  const PredictionImageType * GetPredictionImage() const { return this->GetInput(0); }
  itkSetInputMacro(ReferenceImage, ReferenceImageType);
  itkGetInputMacro(ReferenceImage, ReferenceImageType);

  /** Count only pixels equal to `label` as foreground (instead of every non-zero pixel). */
  void SetForegroundLabel(double label);
  void ClearForegroundLabel();
  itkGetConstMacro(ForegroundLabel, double);
  itkGetConstMacro(UseForegroundLabel, bool);

  itkSetEnumMacro(HD95Mode, HD95ModeType);
  itkGetEnumMacro(HD95Mode, HD95ModeType);
  /** The percentile of "HD95"; 95 by default. */
  itkSetClampMacro(Percentile, double, 0.0, 100.0);
  itkGetConstMacro(Percentile, double);

  itkGetDecoratedOutputMacro(Dice, RealType);
  itkGetDecoratedOutputMacro(Recall, RealType);
  itkGetDecoratedOutputMacro(Precision, RealType);
  itkGetDecoratedOutputMacro(HD95, RealType);
  itkGetDecoratedOutputMacro(HausdorffDistance, RealType);
  itkGetDecoratedOutputMacro(AverageSymmetricSurfaceDistance, RealType);

  /** Everything computed, including counts and the pixel and diagonal-normalised units. */
  const MetricsType & GetMetrics() const { return m_Metrics; }

protected:
  SegmentationMetricsImageFilter();
  ~SegmentationMetricsImageFilter() override = default;

  void PrintSelf(std::ostream & os, Indent indent) const override;
  void VerifyPreconditions() ITKv5_CONST override;
  void VerifyInputInformation() ITKv5_CONST override;
  void GenerateInputRequestedRegion() override;
  void AllocateOutputs() override;
  void GenerateData() override;

  using Superclass::MakeOutput;
  using DataObjectIdentifierType = typename Superclass::DataObjectIdentifierType;
  DataObject::Pointer MakeOutput(const DataObjectIdentifierType & name) override;

  itkSetDecoratedOutputMacro(Dice, RealType);
  itkSetDecoratedOutputMacro(Recall, RealType);
  itkSetDecoratedOutputMacro(Precision, RealType);
  itkSetDecoratedOutputMacro(HD95, RealType);
  itkSetDecoratedOutputMacro(HausdorffDistance, RealType);
  itkSetDecoratedOutputMacro(AverageSymmetricSurfaceDistance, RealType);

private:
  template <typename TImage>
  std::vector<uint8_t> Foreground(const TImage * image) const;

  double       m_ForegroundLabel{ 1.0 };
  bool         m_UseForegroundLabel{ false };
  HD95ModeType m_HD95Mode{ HD95ModeType::Directed };
  double       m_Percentile{ 95.0 };
  MetricsType  m_Metrics;
};

} // namespace itk

#ifndef ITK_MANUAL_INSTANTIATION
#  include "itkSegmentationMetricsImageFilter.hxx"
#endif

#endif
