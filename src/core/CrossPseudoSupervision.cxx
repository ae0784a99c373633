// SPDX-License-Identifier: Apache-2.0
#include "sinus/CrossPseudoSupervision.h"

#include "sinus/Losses.h"

#include <stdexcept>

namespace sinus
{

namespace
{
torch::Tensor
HardPseudoLabels(const torch::Tensor & logits)
{
  return (logits.detach() > 0).to(logits.scalar_type());
}
} // namespace

CrossPseudoSupervisionTerms
CrossPseudoSupervisionLoss(const torch::Tensor & firstLogitsIn, const torch::Tensor & secondLogitsIn)
{
  const torch::Tensor firstLogits = Float32Logits(firstLogitsIn), secondLogits = Float32Logits(secondLogitsIn);
  if (!firstLogits.sizes().equals(secondLogits.sizes()))
    throw std::invalid_argument("cross pseudo supervision: the two networks' logits differ in shape");
  namespace F = torch::nn::functional;
  return { F::binary_cross_entropy_with_logits(firstLogits, HardPseudoLabels(secondLogits)),
           F::binary_cross_entropy_with_logits(secondLogits, HardPseudoLabels(firstLogits)) };
}

} // namespace sinus
