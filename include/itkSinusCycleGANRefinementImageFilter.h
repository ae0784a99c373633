// SPDX-License-Identifier: Apache-2.0
#ifndef itkSinusCycleGANRefinementImageFilter_h
#define itkSinusCycleGANRefinementImageFilter_h

#include "itkProbabilityAndMaskImageFilter.h"
#include "sinus/SinusCycleGAN.h"

namespace itk
{

/** \class SinusCycleGANRefinementImageFilter
 * \brief Refines a teacher's pseudo-label with a trained SinusCycle-GAN: the refined probability
 * C_B(G_AB(y_hat)) (output 0) and its > 0.5 mask (output 1), on the input's grid.
 *
 * The input is either a label image (InputIsProbability off, the default: every non-zero pixel is
 * foreground) or a probability map with values in [0, 1] (InputIsProbability on; other values are
 * an error, never clamped). The mask is resized to the model's working grid (area averaging when
 * shrinking, bilinear when enlarging) and the refined probability back to the input's size.
 *
 * \ingroup SinusSegmentation
 */
template <typename TInputImage, typename TProbabilityImage = Image<float, 2>, typename TMaskImage = Image<unsigned char, 2>>
class ITK_TEMPLATE_EXPORT SinusCycleGANRefinementImageFilter
  : public ProbabilityAndMaskImageFilter<TInputImage, TProbabilityImage, TMaskImage>
{
public:
  ITK_DISALLOW_COPY_AND_MOVE(SinusCycleGANRefinementImageFilter);
  static_assert(TInputImage::ImageDimension == 2, "SinusCycle-GAN refines 2-D masks");

  using Self = SinusCycleGANRefinementImageFilter;
  using Superclass = ProbabilityAndMaskImageFilter<TInputImage, TProbabilityImage, TMaskImage>;
  using Pointer = SmartPointer<Self>;
  using ConstPointer = SmartPointer<const Self>;
  using InputImageType = TInputImage;
  using InputPixelType = typename InputImageType::PixelType;

  itkTypeMacro(SinusCycleGANRefinementImageFilter, ProbabilityAndMaskImageFilter);
  itkNewMacro(Self);

  /** The trained refiner (sinus::LoadRefinerModel); shared, not copied. */
  void          SetModel(sinus::SinusCycleGAN model);
  sinus::SinusCycleGAN GetModel() const { return m_Model; }

  itkSetMacro(InputIsProbability, bool);
  itkGetConstMacro(InputIsProbability, bool);
  itkBooleanMacro(InputIsProbability);

protected:
  SinusCycleGANRefinementImageFilter() = default;
  ~SinusCycleGANRefinementImageFilter() override = default;

  void PrintSelf(std::ostream & os, Indent indent) const override;
  void VerifyPreconditions() ITKv5_CONST override;
  void GenerateData() override;

private:
  sinus::SinusCycleGAN m_Model{ nullptr };
  bool                 m_InputIsProbability{ false };
};

} // namespace itk

#ifndef ITK_MANUAL_INSTANTIATION
#  include "itkSinusCycleGANRefinementImageFilter.hxx"
#endif

#endif
