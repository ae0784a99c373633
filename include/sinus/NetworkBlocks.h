// SPDX-License-Identifier: Apache-2.0
#ifndef sinus_NetworkBlocks_h
#define sinus_NetworkBlocks_h

#include <torch/torch.h>

namespace sinus
{

/** Normalisation of the convolutional segmenters. GroupNorm (up to 8 groups) and InstanceNorm
 *  (one group per channel, nnU-Net's choice) behave the same in training and evaluation, which
 *  matters for the small batches of CPU training; BatchNorm statistics of 2-4 images do not. */
enum class NormKind
{
  Group,
  Instance
};

/** Convolution (no bias), normalisation, activation (ReLU, or LeakyReLU 0.01 as in nnU-Net). */
struct ConvNormActivationImpl : torch::nn::Module
{
  ConvNormActivationImpl(int64_t in, int64_t out, int64_t kernel, int64_t stride = 1, int64_t dilation = 1, NormKind norm = NormKind::Group,
                         bool leaky = false);
  torch::Tensor         forward(const torch::Tensor & x);
  torch::nn::Sequential layers;
};
TORCH_MODULE(ConvNormActivation);

/** A depthwise 3x3 (atrous) convolution followed by a pointwise 1x1 one, each normalised, with a
 *  ReLU at the end (DeepLabV3+'s separable convolution). */
struct SeparableConvolutionImpl : torch::nn::Module
{
  SeparableConvolutionImpl(int64_t in, int64_t out, int64_t stride = 1, int64_t dilation = 1);
  torch::Tensor         forward(const torch::Tensor & x);
  torch::nn::Sequential layers;
};
TORCH_MODULE(SeparableConvolution);

/** Two 3x3 convolutions with a shortcut (1x1 projection when the shape changes): the residual
 *  unit of TransUNet's CNN stem. */
struct ResidualUnitImpl : torch::nn::Module
{
  ResidualUnitImpl(int64_t in, int64_t out, int64_t stride);
  torch::Tensor            forward(const torch::Tensor & x);
  ConvNormActivation       first{ nullptr };
  torch::nn::Conv2d        second{ nullptr };
  torch::nn::GroupNorm     secondNorm{ nullptr };
  torch::nn::Sequential    shortcut{ nullptr };
};
TORCH_MODULE(ResidualUnit);

/** Bilinear (align_corners=False) resize of B x C x h x w features to `height` x `width`. */
torch::Tensor
ResizeFeatures(const torch::Tensor & x, int64_t height, int64_t width);

} // namespace sinus

#endif
