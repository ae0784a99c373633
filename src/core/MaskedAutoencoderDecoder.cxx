// SPDX-License-Identifier: Apache-2.0
#include "sinus/MaskedAutoencoderDecoder.h"

#include "sinus/VisionTransformer.h"

namespace sinus
{

MaskedAutoencoderDecoderImpl::MaskedAutoencoderDecoderImpl(int64_t encoderDim, int64_t patchCount, int64_t patchValues, int64_t dim,
                                                           int64_t depth, int64_t heads)
  : patches(patchCount)
{
  embedding = register_module("embedding", torch::nn::Linear(encoderDim, dim));
  maskToken = register_parameter("mask_token", torch::randn({ 1, 1, dim }) * 0.02);
  positions = register_parameter("positions", torch::randn({ 1, patchCount, dim }) * 0.02);
  blocks = register_module("blocks", torch::nn::ModuleList());
  for (int64_t i = 0; i < depth; ++i)
    blocks->push_back(TransformerBlock(dim, heads, 4 * dim));
  norm = register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({ dim })));
  prediction = register_module("prediction", torch::nn::Linear(dim, patchValues));
}

torch::Tensor
MaskedAutoencoderDecoderImpl::forward(const torch::Tensor & visibleTokens, const torch::Tensor & visible)
{
  const torch::Tensor projected = embedding->forward(visibleTokens);
  const int64_t       B = projected.size(0), D = projected.size(2);
  // Every patch starts as the mask token; the visible ones are replaced by their projected tokens.
  torch::Tensor tokens = maskToken.expand({ B, patches, D }).scatter(1, visible.unsqueeze(-1).expand({ -1, -1, D }), projected);
  tokens = tokens + positions;
  for (const auto & block : *blocks)
    tokens = block->as<TransformerBlock>()->forward(tokens);
  return prediction->forward(norm->forward(tokens));
}

} // namespace sinus
