// SPDX-License-Identifier: Apache-2.0
#ifndef itkMedSAMPreprocessImageFilter_h
#define itkMedSAMPreprocessImageFilter_h

#include "itkImageToImageFilter.h"
#include "itkVectorImage.h"

namespace itk
{

/** \class MedSAMPreprocessImageFilter
 * \brief MedSAM's image preprocessing, reproduced exactly: a grey radiograph becomes the
 * 3-channel, min-max normalised square image that MedSAM's image encoder takes.
 *
 * The steps are those of MedSAM_Inference.py: replicate the grey image to three channels; resize
 * it to InputSize x InputSize with skimage.transform.resize(order=3, anti_aliasing=True,
 * preserve_range=True) -- a cubic B-spline with prefilter, Gaussian anti-aliasing when
 * downsampling, scipy 'mirror' boundaries -- and truncate to uint8; min-max normalise to [0, 1].
 * The uint8 and float results match the Python pipeline bit for bit on the golden reference data.
 *
 * MedSAM assumes 8-bit input. An input whose pixel type is not unsigned char is first mapped
 * linearly from its [min, max] to [0, 255] (RescaleInputTo8BitRange, on by default for such
 * types); with the rescale off, values outside [0, 255] are an error rather than being clamped.
 *
 * Output 0 is a VectorImage<float, 2> with 3 components, output 1 (GetResizedUInt8Output()) the
 * uint8 image before normalisation. Both cover the input's physical extent: spacing is scaled by
 * input/output size and the origin moved so that pixel centres sit where the resize samples.
 *
 * \ingroup SinusSegmentation
 */
template <typename TInputImage, typename TOutputImage = VectorImage<float, TInputImage::ImageDimension>>
class ITK_TEMPLATE_EXPORT MedSAMPreprocessImageFilter : public ImageToImageFilter<TInputImage, TOutputImage>
{
public:
  ITK_DISALLOW_COPY_AND_MOVE(MedSAMPreprocessImageFilter);

  static constexpr unsigned int ImageDimension = TInputImage::ImageDimension;
  static_assert(ImageDimension == 2, "MedSAMPreprocessImageFilter works on 2-D radiographs");

  using InputImageType = TInputImage;
  using OutputImageType = TOutputImage;
  using InputPixelType = typename InputImageType::PixelType;
  using ResizedImageType = Image<unsigned char, ImageDimension>;

  using Self = MedSAMPreprocessImageFilter<InputImageType, OutputImageType>;
  using Superclass = ImageToImageFilter<InputImageType, OutputImageType>;
  using Pointer = SmartPointer<Self>;
  using ConstPointer = SmartPointer<const Self>;

  itkTypeMacro(MedSAMPreprocessImageFilter, ImageToImageFilter);
  itkNewMacro(Self);

  /** Side of the square model input; 1024 for MedSAM ViT-B. */
  itkSetMacro(InputSize, unsigned int);
  itkGetConstMacro(InputSize, unsigned int);

  /** Map the input's [min, max] linearly to [0, 255] before the MedSAM steps. Default: on unless
   *  the input pixel type is unsigned char. */
  itkSetMacro(RescaleInputTo8BitRange, bool);
  itkGetConstMacro(RescaleInputTo8BitRange, bool);
  itkBooleanMacro(RescaleInputTo8BitRange);

  /** The uint8 image of the resize step (first channel; all three are equal). */
  ResizedImageType * GetResizedUInt8Output();

protected:
  MedSAMPreprocessImageFilter();
  ~MedSAMPreprocessImageFilter() override = default;

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
  unsigned int m_InputSize{ 1024 };
  bool         m_RescaleInputTo8BitRange{ !std::is_same<InputPixelType, unsigned char>::value };
};

} // namespace itk

#ifndef ITK_MANUAL_INSTANTIATION
#  include "itkMedSAMPreprocessImageFilter.hxx"
#endif

#endif
