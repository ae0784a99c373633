// SPDX-License-Identifier: Apache-2.0
#ifndef itkSinusCycleGANRefinementImageFilter_hxx
#define itkSinusCycleGANRefinementImageFilter_hxx

#include "itkSinusCycleGANRefinementImageFilter.h"

#include "sinusFilterSupport.h"

#include <cmath>

namespace itk
{

template <typename TInputImage, typename TProbabilityImage, typename TMaskImage>
void
SinusCycleGANRefinementImageFilter<TInputImage, TProbabilityImage, TMaskImage>::SetModel(sinus::SinusCycleGAN model)
{
  m_Model = std::move(model);
  this->Modified();
}

template <typename TInputImage, typename TProbabilityImage, typename TMaskImage>
void
SinusCycleGANRefinementImageFilter<TInputImage, TProbabilityImage, TMaskImage>::VerifyPreconditions() ITKv5_CONST
{
  Superclass::VerifyPreconditions();
  if (m_Model.is_empty())
  {
    itkExceptionMacro("No refiner model: call SetModel() with a trained SinusCycle-GAN (sinus::LoadRefinerModel)");
  }
}

template <typename TInputImage, typename TProbabilityImage, typename TMaskImage>
void
SinusCycleGANRefinementImageFilter<TInputImage, TProbabilityImage, TMaskImage>::GenerateData()
{
  sinus::Raster<float> teacher = sinus::ImageToRasterAs<float>(this->GetInput());
  if (m_InputIsProbability)
  {
    for (size_t i = 0; i < teacher.data.size(); ++i)
    {
      if (!(teacher.data[i] >= 0.0f && teacher.data[i] <= 1.0f))
      {
        itkExceptionMacro("Input probability " << teacher.data[i] << " at pixel (" << i % teacher.width << ", " << i / teacher.width
                                               << ") lies outside [0, 1]; for a label image turn InputIsProbability off");
      }
    }
  }
  else
  {
    for (float & v : teacher.data)
      v = v != 0.0f ? 1.0f : 0.0f;
  }
  sinus::ReportProgressOrAbort(this, 0.1);
  const sinus::RefinedMask refined = sinus::RefineMask(*m_Model, teacher);
  sinus::ReportProgressOrAbort(this, 0.9);
  sinus::WriteProbabilityAndMask(refined.probability, this->GetOutput(), this->GetMaskOutput(), 0.5, this->GetForegroundValue());
  this->UpdateProgress(1.0f);
}

template <typename TInputImage, typename TProbabilityImage, typename TMaskImage>
void
SinusCycleGANRefinementImageFilter<TInputImage, TProbabilityImage, TMaskImage>::PrintSelf(std::ostream & os, Indent indent) const
{
  Superclass::PrintSelf(os, indent);
  os << indent << "Model: "
     << (m_Model.is_empty() ? std::string("(none)")
                            : "SinusCycle-GAN, working grid " + std::to_string(m_Model->config.workingHeight) + "x" +
                                std::to_string(m_Model->config.workingWidth) + (m_Model->config.correctionCbam ? ", CBAM" : ", no CBAM"))
     << std::endl;
  os << indent << "InputIsProbability: " << (m_InputIsProbability ? "On" : "Off") << std::endl;
}

} // namespace itk

#endif
