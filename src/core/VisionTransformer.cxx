// SPDX-License-Identifier: Apache-2.0
#include "sinus/VisionTransformer.h"

#include <algorithm>
#include <cmath>

namespace sinus
{
namespace nn = torch::nn;

VisionTransformerConfig
VisionTransformerConfig::FromJson(const Json & json, const std::string & where)
{
  VisionTransformerConfig c;
  ReadJsonField(json, "embed_dim", c.embedDim, where);
  ReadJsonField(json, "depth", c.depth, where);
  ReadJsonField(json, "heads", c.heads, where);
  ReadJsonField(json, "mlp_dim", c.mlpDim, where);
  c.Validate(where);
  return c;
}

void
VisionTransformerConfig::WriteTo(Json & json) const
{
  json["embed_dim"] = embedDim;
  json["depth"] = depth;
  json["heads"] = heads;
  json["mlp_dim"] = mlpDim;
}

void
VisionTransformerConfig::Validate(const std::string & where) const
{
  if (embedDim < 1 || depth < 1 || heads < 1 || mlpDim < 1)
    throw std::invalid_argument(where + ": embed_dim, depth, heads and mlp_dim must be positive");
  if (embedDim % heads != 0)
    throw std::invalid_argument(where + ": embed_dim " + std::to_string(embedDim) + " must be a multiple of heads " + std::to_string(heads));
}

TransformerBlockImpl::TransformerBlockImpl(int64_t dim, int64_t h, int64_t mlpDim)
  : heads(h)
{
  attentionNorm = register_module("attention_norm", nn::LayerNorm(nn::LayerNormOptions({ dim })));
  qkv = register_module("qkv", nn::Linear(dim, 3 * dim));
  projection = register_module("projection", nn::Linear(dim, dim));
  mlpNorm = register_module("mlp_norm", nn::LayerNorm(nn::LayerNormOptions({ dim })));
  mlpIn = register_module("mlp_in", nn::Linear(dim, mlpDim));
  mlpOut = register_module("mlp_out", nn::Linear(mlpDim, dim));
}

torch::Tensor
TransformerBlockImpl::forward(const torch::Tensor & tokens)
{
  const int64_t B = tokens.size(0), N = tokens.size(1), D = tokens.size(2), headDim = D / heads;
  // B x N x 3D -> 3 x B x heads x N x headDim
  const torch::Tensor q_k_v = qkv->forward(attentionNorm->forward(tokens)).reshape({ B, N, 3, heads, headDim }).permute({ 2, 0, 3, 1, 4 });
  const torch::Tensor scores = torch::matmul(q_k_v[0], q_k_v[1].transpose(-2, -1)) / std::sqrt(static_cast<double>(headDim));
  const torch::Tensor attended = torch::matmul(scores.softmax(-1), q_k_v[2]).transpose(1, 2).reshape({ B, N, D });
  const torch::Tensor x = tokens + projection->forward(attended);
  return x + mlpOut->forward(torch::gelu(mlpIn->forward(mlpNorm->forward(x))));
}

VisionTransformerImpl::VisionTransformerImpl(const VisionTransformerConfig & c, int64_t inChannels, int64_t patchSize, int64_t grid)
  : config(c)
  , gridSize(grid)
{
  patchEmbedding = register_module("patch_embedding", nn::Conv2d(nn::Conv2dOptions(inChannels, c.embedDim, patchSize).stride(patchSize)));
  positionEmbedding = register_parameter("position_embedding", torch::randn({ 1, grid * grid, c.embedDim }) * 0.02);
  blocks = register_module("blocks", nn::ModuleList());
  for (int64_t i = 0; i < c.depth; ++i)
    blocks->push_back(TransformerBlock(c.embedDim, c.heads, c.mlpDim));
  finalNorm = register_module("final_norm", nn::LayerNorm(nn::LayerNormOptions({ c.embedDim })));
}

std::vector<torch::Tensor>
VisionTransformerImpl::Forward(const torch::Tensor & x, const std::vector<int64_t> & keep)
{
  const int64_t B = x.size(0);
  torch::Tensor tokens = patchEmbedding->forward(x).flatten(2).transpose(1, 2) + positionEmbedding;
  const auto    asMap = [&](const torch::Tensor & t) { return t.transpose(1, 2).reshape({ B, config.embedDim, gridSize, gridSize }); };
  std::vector<torch::Tensor> kept;
  for (int64_t i = 1; i <= config.depth; ++i)
  {
    tokens = blocks[static_cast<size_t>(i - 1)]->as<TransformerBlock>()->forward(tokens);
    if (std::find(keep.begin(), keep.end(), i) != keep.end())
      kept.push_back(asMap(i == config.depth ? finalNorm->forward(tokens) : tokens));
  }
  return kept;
}

torch::Tensor
VisionTransformerImpl::ForwardVisible(const torch::Tensor & x, const torch::Tensor & visible)
{
  // The patch embedding is a per-patch projection: embedding every patch and keeping the visible
  // ones is the same as embedding the visible ones alone.
  torch::Tensor tokens = patchEmbedding->forward(x).flatten(2).transpose(1, 2) + positionEmbedding;
  tokens = tokens.gather(1, visible.unsqueeze(-1).expand({ -1, -1, tokens.size(2) }));
  for (const auto & block : *blocks)
    tokens = block->as<TransformerBlock>()->forward(tokens);
  return finalNorm->forward(tokens);
}

} // namespace sinus
