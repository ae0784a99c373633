// SPDX-License-Identifier: Apache-2.0
#ifndef itkSegmenterImageFilter_h
#define itkSegmenterImageFilter_h

#include "itkProbabilityAndMaskImageFilter.h"
#include "sinus/ComputePrecision.h"
#include "sinus/Segmenter.h"
#include "sinus/MaskPostprocessing.h"

namespace itk
{

/** \class SegmenterImageFilter
 * \brief Any trained sinus segmenter (a SinusSeg model file of any architecture: the SAM teacher,
 * a U-Net student, ...) as an ITK filter: a 2-D radiograph in, the probability map and the mask out,
 * on the input's grid (origin, spacing and direction kept).
 *
 * The radiograph goes through MedSAM's preprocessing at the network's input size, the network's
 * automatic prompt (the whole image for SAM), sigmoid, and bilinear resampling back to the input
 * grid -- exactly what training's validation and `sinusseg train`'s evaluation compute. For box or
 * point prompts on a SAM model use itk::MedSAMImageFilter.
 *
 * Inputs that are not 8-bit are mapped from their [min, max] to [0, 255] first
 * (RescaleInputTo8BitRange).
 *
 * Output 0: probability (TProbabilityImage); output 1 (GetMaskOutput()): ForegroundValue where the
 * probability exceeds Threshold (default 0.5), cut along the floors of probability valleys
 * narrower than ValleyWidthFraction of the shorter side and deeper than ValleyDepth (default 0: no
 * cut; sinus::ProbabilityValleyFloors), less every 8-connected object smaller than
 * MinimumObjectFraction of the image's pixels (default 0: none removed). Training chooses them per
 * model on validation images and stores them in the model file; SetPostprocessing takes them from
 * there (sinus::MaskPostprocessing::FromModelMetadata).
 *
 * With TestTimeMirror on (default off) the probability is made from the mean of the network's
 * logits on the radiograph and on its left-right mirror image (mirrored back): twice the time, for
 * models whose training chose it and stored it in the model file (sinus::ReadTestTimeMirror) -- their
 * postprocessing was chosen on such probabilities.
 *
 * \ingroup SinusSegmentation
 */
template <typename TInputImage, typename TProbabilityImage = Image<float, 2>, typename TMaskImage = Image<unsigned char, 2>>
class ITK_TEMPLATE_EXPORT SegmenterImageFilter : public ProbabilityAndMaskImageFilter<TInputImage, TProbabilityImage, TMaskImage>
{
public:
  ITK_DISALLOW_COPY_AND_MOVE(SegmenterImageFilter);
  static_assert(TInputImage::ImageDimension == 2, "the segmenters take 2-D radiographs");

  using InputImageType = TInputImage;
  using InputPixelType = typename InputImageType::PixelType;
  using Self = SegmenterImageFilter;
  using Superclass = ProbabilityAndMaskImageFilter<TInputImage, TProbabilityImage, TMaskImage>;
  using Pointer = SmartPointer<Self>;
  using ConstPointer = SmartPointer<const Self>;

  itkTypeMacro(SegmenterImageFilter, ProbabilityAndMaskImageFilter);
  itkNewMacro(Self);

  /** The network (sinus::LoadSegmenterModel); shared, not copied. */
  void SetSegmenter(sinus::Segmenter segmenter);

  /** Threshold, MinimumObjectFraction, ValleyWidthFraction and ValleyDepth together, as a model
   *  file stores them. */
  void SetPostprocessing(const sinus::MaskPostprocessing & postprocessing);
  sinus::MaskPostprocessing GetPostprocessing() const;

  itkSetMacro(Threshold, double);
  itkGetConstMacro(Threshold, double);
  itkSetMacro(MinimumObjectFraction, double);
  itkGetConstMacro(MinimumObjectFraction, double);
  itkSetMacro(ValleyWidthFraction, double);
  itkGetConstMacro(ValleyWidthFraction, double);
  itkSetMacro(ValleyDepth, double);
  itkGetConstMacro(ValleyDepth, double);

  itkSetMacro(TestTimeMirror, bool);
  itkGetConstMacro(TestTimeMirror, bool);
  itkBooleanMacro(TestTimeMirror);

  /** The network's number format: Float32 (the default, the reference), BFloat16 (LibTorch's CPU
   *  autocast), or Auto (BFloat16 where the CPU has native bf16, checked when the filter runs). */
  itkSetMacro(Precision, sinus::ComputePrecision);
  itkGetConstMacro(Precision, sinus::ComputePrecision);

  itkSetMacro(RescaleInputTo8BitRange, bool);
  itkGetConstMacro(RescaleInputTo8BitRange, bool);
  itkBooleanMacro(RescaleInputTo8BitRange);

protected:
  SegmenterImageFilter() = default;
  ~SegmenterImageFilter() override = default;
  void PrintSelf(std::ostream & os, Indent indent) const override;
  void VerifyPreconditions() ITKv5_CONST override;
  void GenerateData() override;

private:
  sinus::Segmenter m_Segmenter{ nullptr };
  double           m_Threshold{ 0.5 };
  double           m_MinimumObjectFraction{ 0.0 };
  double           m_ValleyWidthFraction{ 0.0 };
  double           m_ValleyDepth{ 0.0 };
  bool             m_TestTimeMirror{ false };
  sinus::ComputePrecision m_Precision{ sinus::ComputePrecision::Float32 };
  bool             m_RescaleInputTo8BitRange{ !std::is_same<InputPixelType, unsigned char>::value };
};

} // namespace itk

#ifndef ITK_MANUAL_INSTANTIATION
#  include "itkSegmenterImageFilter.hxx"
#endif

#endif
