// SPDX-License-Identifier: Apache-2.0
#ifndef itkMedSAMImageFilter_h
#define itkMedSAMImageFilter_h

#include "itkProbabilityAndMaskImageFilter.h"
#include "sinus/MedSAMPredictor.h"

#include <vector>

namespace itk
{

/** \class MedSAMImageFilter
 * \brief MedSAM inference as an ITK filter: a 2-D radiograph in, the probability map and the
 * mask out, on the input's grid (origin, spacing and direction kept).
 *
 * The image is preprocessed exactly as MedSAM does (sinus::PreprocessForMedSAM) and encoded once;
 * each box is decoded separately. With several boxes, the probability is the maximum and the mask
 * the union over boxes. No box means MedSAM's automatic prompt, the full-image box. Boxes are in
 * pixel (index) coordinates of the input: (x0, y0, x1, y1) with the image spanning (0, 0, W, H).
 *
 * Inputs that are not 8-bit are mapped from their [min, max] to [0, 255] first
 * (RescaleInputTo8BitRange, as itk::MedSAMPreprocessImageFilter).
 *
 * Output 0: probability (TProbabilityImage); output 1 (GetMaskOutput()): ForegroundValue where the
 * probability exceeds 0.5.
 *
 * \ingroup SinusSegmentation
 */
template <typename TInputImage, typename TProbabilityImage = Image<float, 2>, typename TMaskImage = Image<unsigned char, 2>>
class ITK_TEMPLATE_EXPORT MedSAMImageFilter : public ProbabilityAndMaskImageFilter<TInputImage, TProbabilityImage, TMaskImage>
{
public:
  ITK_DISALLOW_COPY_AND_MOVE(MedSAMImageFilter);
  static_assert(TInputImage::ImageDimension == 2, "MedSAM segments 2-D images");

  using InputImageType = TInputImage;
  using InputPixelType = typename InputImageType::PixelType;
  using ProbabilityImageType = TProbabilityImage;
  using MaskImageType = TMaskImage;
  using MaskPixelType = typename MaskImageType::PixelType;
  using Self = MedSAMImageFilter;
  using Superclass = ProbabilityAndMaskImageFilter<TInputImage, TProbabilityImage, TMaskImage>;
  using Pointer = SmartPointer<Self>;
  using ConstPointer = SmartPointer<const Self>;
  using BoxType = sinus::BoxPrompt;
  using BoxListType = std::vector<BoxType>;
  using PointPromptsType = sinus::PointPrompts;

  itkTypeMacro(MedSAMImageFilter, ProbabilityAndMaskImageFilter);
  itkNewMacro(Self);

  /** The network (sinus::LoadSamModel / LoadSamFromCheckpoint); shared, not copied. */
  void SetModel(sinus::Sam model);

  void SetBoxes(const BoxListType & boxes);
  const BoxListType & GetBoxes() const { return m_Boxes; }
  void                AddBox(const BoxType & box);

  /** Points with labels (1 foreground, 0 background) decoded together as one more prompt whose
   *  result joins the union; with points and no box, only the points are used. */
  void                     SetPointPrompts(const PointPromptsType & points);
  const PointPromptsType & GetPointPrompts() const { return m_PointPrompts; }

  /** The network's number format: Float32 (the default, the reference), BFloat16 (LibTorch's CPU
   *  autocast), or Auto (BFloat16 where the CPU has native bf16, checked when the filter runs). */
  itkSetMacro(Precision, sinus::ComputePrecision);
  itkGetConstMacro(Precision, sinus::ComputePrecision);

  itkSetMacro(RescaleInputTo8BitRange, bool);
  itkGetConstMacro(RescaleInputTo8BitRange, bool);
  itkBooleanMacro(RescaleInputTo8BitRange);

  /** The decoder's IoU estimate for each box of the last update (then one for the points, if any). */
  const std::vector<float> & GetPredictedIoUs() const { return m_PredictedIoUs; }

protected:
  MedSAMImageFilter() = default;
  ~MedSAMImageFilter() override = default;

  void PrintSelf(std::ostream & os, Indent indent) const override;
  void VerifyPreconditions() ITKv5_CONST override;
  void GenerateData() override;

private:
  sinus::Sam         m_Model{ nullptr };
  BoxListType        m_Boxes;
  PointPromptsType   m_PointPrompts;
  sinus::ComputePrecision m_Precision{ sinus::ComputePrecision::Float32 };
  bool               m_RescaleInputTo8BitRange{ !std::is_same<InputPixelType, unsigned char>::value };
  std::vector<float> m_PredictedIoUs;
};

} // namespace itk

#ifndef ITK_MANUAL_INSTANTIATION
#  include "itkMedSAMImageFilter.hxx"
#endif

#endif
