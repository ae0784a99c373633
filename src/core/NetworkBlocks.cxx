// SPDX-License-Identifier: Apache-2.0
#include "sinus/NetworkBlocks.h"

namespace sinus
{
namespace nn = torch::nn;

namespace
{
int64_t
Groups(int64_t channels)
{
  // The largest of 8, 4, 2, 1 that divides the channel count.
  int64_t groups = 8;
  while (channels % groups != 0)
    groups /= 2;
  return groups;
}
} // namespace

ConvNormActivationImpl::ConvNormActivationImpl(int64_t in, int64_t out, int64_t kernel, int64_t stride, int64_t dilation, NormKind norm,
                                               bool leaky)
{
  layers = register_module("layers", nn::Sequential());
  layers->push_back(nn::Conv2d(nn::Conv2dOptions(in, out, kernel).stride(stride).padding(dilation * (kernel / 2)).dilation(dilation).bias(false)));
  if (norm == NormKind::Instance)
    layers->push_back(nn::GroupNorm(nn::GroupNormOptions(out, out)));
  else
    layers->push_back(nn::GroupNorm(nn::GroupNormOptions(Groups(out), out)));
  if (leaky)
    layers->push_back(nn::LeakyReLU(nn::LeakyReLUOptions().negative_slope(0.01).inplace(true)));
  else
    layers->push_back(nn::ReLU(nn::ReLUOptions(true)));
}

torch::Tensor
ConvNormActivationImpl::forward(const torch::Tensor & x)
{
  return layers->forward(x);
}

SeparableConvolutionImpl::SeparableConvolutionImpl(int64_t in, int64_t out, int64_t stride, int64_t dilation)
{
  layers = register_module(
    "layers", nn::Sequential(nn::Conv2d(nn::Conv2dOptions(in, in, 3).stride(stride).padding(dilation).dilation(dilation).groups(in).bias(false)),
                             nn::GroupNorm(nn::GroupNormOptions(Groups(in), in)), nn::Conv2d(nn::Conv2dOptions(in, out, 1).bias(false)),
                             nn::GroupNorm(nn::GroupNormOptions(Groups(out), out)), nn::ReLU(nn::ReLUOptions(true))));
}

torch::Tensor
SeparableConvolutionImpl::forward(const torch::Tensor & x)
{
  return layers->forward(x);
}

ResidualUnitImpl::ResidualUnitImpl(int64_t in, int64_t out, int64_t stride)
{
  first = register_module("first", ConvNormActivation(in, out, 3, stride));
  second = register_module("second", nn::Conv2d(nn::Conv2dOptions(out, out, 3).padding(1).bias(false)));
  secondNorm = register_module("second_norm", nn::GroupNorm(nn::GroupNormOptions(Groups(out), out)));
  shortcut = register_module("shortcut", nn::Sequential());
  if (in != out || stride != 1)
  {
    shortcut->push_back(nn::Conv2d(nn::Conv2dOptions(in, out, 1).stride(stride).bias(false)));
    shortcut->push_back(nn::GroupNorm(nn::GroupNormOptions(Groups(out), out)));
  }
}

torch::Tensor
ResidualUnitImpl::forward(const torch::Tensor & x)
{
  const torch::Tensor identity = shortcut->is_empty() ? x : shortcut->forward(x);
  return torch::relu(secondNorm->forward(second->forward(first->forward(x))) + identity);
}

torch::Tensor
ResizeFeatures(const torch::Tensor & x, int64_t height, int64_t width)
{
  if (x.size(2) == height && x.size(3) == width)
    return x;
  namespace F = torch::nn::functional;
  return F::interpolate(x, F::InterpolateFuncOptions().size(std::vector<int64_t>{ height, width }).mode(torch::kBilinear).align_corners(false));
}

} // namespace sinus
