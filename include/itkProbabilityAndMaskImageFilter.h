// SPDX-License-Identifier: Apache-2.0
#ifndef itkProbabilityAndMaskImageFilter_h
#define itkProbabilityAndMaskImageFilter_h

#include "itkImageToImageFilter.h"

namespace itk
{

/** \class ProbabilityAndMaskImageFilter
 * \brief Base of the segmentation filters that produce, on the input's grid, a probability map
 * (output 0) and a label mask (output 1, GetMaskOutput()): both outputs are whole-image, the
 * input is requested whole, and the mask copies the input's origin, spacing and direction.
 *
 * \ingroup SinusSegmentation
 */
template <typename TInputImage, typename TProbabilityImage, typename TMaskImage>
class ITK_TEMPLATE_EXPORT ProbabilityAndMaskImageFilter : public ImageToImageFilter<TInputImage, TProbabilityImage>
{
public:
  ITK_DISALLOW_COPY_AND_MOVE(ProbabilityAndMaskImageFilter);

  using Self = ProbabilityAndMaskImageFilter;
  using Superclass = ImageToImageFilter<TInputImage, TProbabilityImage>;
  using Pointer = SmartPointer<Self>;
  using ConstPointer = SmartPointer<const Self>;
  using InputImageType = TInputImage;
  using ProbabilityImageType = TProbabilityImage;
  using MaskImageType = TMaskImage;
  using MaskPixelType = typename MaskImageType::PixelType;

  itkTypeMacro(ProbabilityAndMaskImageFilter, ImageToImageFilter);

  MaskImageType * GetMaskOutput();

  /** The value written where the probability exceeds 0.5 (default 1). */
  itkSetMacro(ForegroundValue, MaskPixelType);
  itkGetConstMacro(ForegroundValue, MaskPixelType);

protected:
  ProbabilityAndMaskImageFilter();
  ~ProbabilityAndMaskImageFilter() override = default;

  void PrintSelf(std::ostream & os, Indent indent) const override;
  void GenerateInputRequestedRegion() override;
  void EnlargeOutputRequestedRegion(DataObject * output) override;
  void GenerateOutputInformation() override;

  using DataObjectPointerArraySizeType = typename Superclass::DataObjectPointerArraySizeType;
  using Superclass::MakeOutput;
  DataObject::Pointer MakeOutput(DataObjectPointerArraySizeType index) override;

private:
  MaskPixelType m_ForegroundValue{ 1 };
};

} // namespace itk

#ifndef ITK_MANUAL_INSTANTIATION
#  include "itkProbabilityAndMaskImageFilter.hxx"
#endif

#endif
