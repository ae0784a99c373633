// SPDX-License-Identifier: Apache-2.0
#ifndef itkMedSAMPostprocessImageFilter_h
#define itkMedSAMPostprocessImageFilter_h

#include "itkImageBase.h"
#include "itkImageToImageFilter.h"

namespace itk
{

/** \class MedSAMPostprocessImageFilter
 * \brief Brings MedSAM's low-resolution probability map back to the radiograph's grid and
 * thresholds it, as MedSAM does: bilinear interpolation with align_corners=False (PyTorch's own
 * kernel, so probabilities match the Python pipeline bit for bit), then probability > Threshold.
 *
 * The output grid is taken from a reference image (SetOutputParametersFromImage: usually the
 * input radiograph, so origin, spacing and direction are kept) and can be re-sampled to another
 * pixel size over the same physical extent with SetOutputSizeKeepingExtent -- e.g. the 2048 x 1024
 * grid of the paper.
 *
 * Output 0: probability (the input pixel type). Output 1 (GetMaskOutput()): unsigned char mask with
 * ForegroundValue where probability > Threshold, 0 elsewhere.
 *
 * \ingroup SinusSegmentation
 */
template <typename TInputImage, typename TMaskImage = Image<unsigned char, TInputImage::ImageDimension>>
class ITK_TEMPLATE_EXPORT MedSAMPostprocessImageFilter : public ImageToImageFilter<TInputImage, TInputImage>
{
public:
  ITK_DISALLOW_COPY_AND_MOVE(MedSAMPostprocessImageFilter);

  static constexpr unsigned int ImageDimension = TInputImage::ImageDimension;
  static_assert(ImageDimension == 2, "MedSAMPostprocessImageFilter works on 2-D probability maps");

  using InputImageType = TInputImage;
  using OutputImageType = TInputImage;
  using MaskImageType = TMaskImage;
  using MaskPixelType = typename MaskImageType::PixelType;
  using Self = MedSAMPostprocessImageFilter;
  using Superclass = ImageToImageFilter<InputImageType, OutputImageType>;
  using Pointer = SmartPointer<Self>;
  using ConstPointer = SmartPointer<const Self>;
  using SizeType = typename OutputImageType::SizeType;
  using SpacingType = typename OutputImageType::SpacingType;
  using PointType = typename OutputImageType::PointType;
  using DirectionType = typename OutputImageType::DirectionType;

  itkTypeMacro(MedSAMPostprocessImageFilter, ImageToImageFilter);
  itkNewMacro(Self);

  itkSetMacro(Size, SizeType);
  itkGetConstReferenceMacro(Size, SizeType);
  itkSetMacro(OutputSpacing, SpacingType);
  itkGetConstReferenceMacro(OutputSpacing, SpacingType);
  itkSetMacro(OutputOrigin, PointType);
  itkGetConstReferenceMacro(OutputOrigin, PointType);
  itkSetMacro(OutputDirection, DirectionType);
  itkGetConstReferenceMacro(OutputDirection, DirectionType);

  /** Probability above which a pixel is foreground; MedSAM uses 0.5. */
  itkSetMacro(Threshold, double);
  itkGetConstMacro(Threshold, double);
  itkSetMacro(ForegroundValue, MaskPixelType);
  itkGetConstMacro(ForegroundValue, MaskPixelType);

  /** Copies size, spacing, origin and direction from `reference` (its largest possible region). */
  void SetOutputParametersFromImage(const ImageBase<ImageDimension> * reference);

  /** Changes the pixel grid to `size` over the same physical extent as the current grid (spacing
   *  scaled by old/new size, origin moved so the extent's corners stay put). */
  void SetOutputSizeKeepingExtent(const SizeType & size);

  MaskImageType * GetMaskOutput();

protected:
  MedSAMPostprocessImageFilter();
  ~MedSAMPostprocessImageFilter() override = default;

  void PrintSelf(std::ostream & os, Indent indent) const override;
  void VerifyPreconditions() ITKv5_CONST override;
  void GenerateOutputInformation() override;
  void GenerateInputRequestedRegion() override;
  void EnlargeOutputRequestedRegion(DataObject * output) override;
  void GenerateData() override;

  using DataObjectPointerArraySizeType = typename Superclass::DataObjectPointerArraySizeType;
  using Superclass::MakeOutput;
  DataObject::Pointer MakeOutput(DataObjectPointerArraySizeType index) override;

private:
  SizeType      m_Size;
  SpacingType   m_OutputSpacing;
  PointType     m_OutputOrigin;
  DirectionType m_OutputDirection;
  double        m_Threshold{ 0.5 };
  MaskPixelType m_ForegroundValue{ 1 };
};

} // namespace itk

#ifndef ITK_MANUAL_INSTANTIATION
#  include "itkMedSAMPostprocessImageFilter.hxx"
#endif

#endif
