// SPDX-License-Identifier: Apache-2.0
#ifndef sinus_VisionTransformer_h
#define sinus_VisionTransformer_h

#include "sinus/Json.h"

#include <torch/torch.h>

#include <string>
#include <vector>

namespace sinus
{

/** A plain ViT encoder (Dosovitskiy et al. 2021) over a square grid of patches, as TransUNet and
 *  UNETR use it: patch embedding, learned position embedding, pre-norm transformer blocks with
 *  global multi-head attention. (SAM's encoder, with windowed attention and relative positions, is
 *  SamModel.h.) */
struct VisionTransformerConfig
{
  int64_t embedDim = 768;
  int64_t depth = 12;
  int64_t heads = 12;
  int64_t mlpDim = 3072;

  static VisionTransformerConfig FromJson(const Json & json, const std::string & where);
  void                           WriteTo(Json & json) const; ///< embed_dim, depth, heads, mlp_dim
  void                           Validate(const std::string & where) const;
};

/** Pre-norm transformer block: x + Attention(LN(x)), then x + MLP(LN(x)) with GELU. */
struct TransformerBlockImpl : torch::nn::Module
{
  TransformerBlockImpl(int64_t dim, int64_t heads, int64_t mlpDim);
  torch::Tensor forward(const torch::Tensor & tokens); ///< B x N x D
  int64_t       heads;
  torch::nn::LayerNorm attentionNorm{ nullptr }, mlpNorm{ nullptr };
  torch::nn::Linear    qkv{ nullptr }, projection{ nullptr }, mlpIn{ nullptr }, mlpOut{ nullptr };
};
TORCH_MODULE(TransformerBlock);

/** Patches of `patchSize` pixels of a `inChannels` x `gridSize * patchSize` square map become
 *  tokens; Forward returns the tokens after each block named in `keep` (1-based), as
 *  B x D x grid x grid maps, the last one normalised. */
struct VisionTransformerImpl : torch::nn::Module
{
  VisionTransformerImpl(const VisionTransformerConfig & config, int64_t inChannels, int64_t patchSize, int64_t gridSize);
  std::vector<torch::Tensor> Forward(const torch::Tensor & x, const std::vector<int64_t> & keep);
  /** MAE's encoder: only the patches listed in `visible` (B x N_visible indices into the row-major
   *  grid) become tokens; returns them after the last block, normalised (B x N_visible x D). */
  torch::Tensor ForwardVisible(const torch::Tensor & x, const torch::Tensor & visible);

  VisionTransformerConfig config;
  int64_t                 gridSize;
  torch::nn::Conv2d       patchEmbedding{ nullptr };
  torch::Tensor           positionEmbedding;
  torch::nn::ModuleList   blocks;
  torch::nn::LayerNorm    finalNorm{ nullptr };
};
TORCH_MODULE(VisionTransformer);

} // namespace sinus

#endif
