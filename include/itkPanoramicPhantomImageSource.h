// SPDX-License-Identifier: Apache-2.0
#ifndef itkPanoramicPhantomImageSource_h
#define itkPanoramicPhantomImageSource_h

#include "itkImageSource.h"

namespace itk
{

/** \class PanoramicPhantomImageSource
 * \brief Synthetic dental panoramic radiograph with maxillary-sinus ground truth.
 *
 * Output 0: the grey radiograph; output 1 (GetMaskOutput()): the sinus mask, MaskForegroundValue
 * inside both sinuses and 0 elsewhere. The anatomy model, its variation and the image formation
 * are described in sinus/PanoramicPhantom.h. The same Seed and Size give the same pixels on every
 * platform.
 *
 * \ingroup SinusSegmentation
 */
template <typename TOutputImage = Image<unsigned char, 2>>
class ITK_TEMPLATE_EXPORT PanoramicPhantomImageSource : public ImageSource<TOutputImage>
{
public:
  ITK_DISALLOW_COPY_AND_MOVE(PanoramicPhantomImageSource);

  using OutputImageType = TOutputImage;
  using PixelType = typename OutputImageType::PixelType;
  static constexpr unsigned int ImageDimension = OutputImageType::ImageDimension;
  static_assert(ImageDimension == 2, "panoramic radiographs are 2-D");

  using Self = PanoramicPhantomImageSource;
  using Superclass = ImageSource<OutputImageType>;
  using Pointer = SmartPointer<Self>;
  using ConstPointer = SmartPointer<const Self>;
  using SizeType = typename OutputImageType::SizeType;
  using SpacingType = typename OutputImageType::SpacingType;
  using PointType = typename OutputImageType::PointType;

  itkTypeMacro(PanoramicPhantomImageSource, ImageSource);
  itkNewMacro(Self);

  /** Pixels (width, height); default 2048 x 1024, the paper's working grid. */
  itkSetMacro(Size, SizeType);
  itkGetConstReferenceMacro(Size, SizeType);
  itkSetMacro(Spacing, SpacingType);
  itkGetConstReferenceMacro(Spacing, SpacingType);
  itkSetMacro(Origin, PointType);
  itkGetConstReferenceMacro(Origin, PointType);
  itkSetMacro(Seed, uint64_t);
  itkGetConstMacro(Seed, uint64_t);
  itkSetMacro(MaskForegroundValue, PixelType);
  itkGetConstMacro(MaskForegroundValue, PixelType);

  OutputImageType * GetMaskOutput();

protected:
  PanoramicPhantomImageSource();
  ~PanoramicPhantomImageSource() override = default;

  void PrintSelf(std::ostream & os, Indent indent) const override;
  void VerifyPreconditions() ITKv5_CONST override;
  void GenerateOutputInformation() override;
  void EnlargeOutputRequestedRegion(DataObject * output) override;
  void GenerateData() override;

private:
  SizeType    m_Size;
  SpacingType m_Spacing;
  PointType   m_Origin;
  uint64_t    m_Seed{ 0 };
  PixelType   m_MaskForegroundValue{ 255 };
};

} // namespace itk

#ifndef ITK_MANUAL_INSTANTIATION
#  include "itkPanoramicPhantomImageSource.hxx"
#endif

#endif
