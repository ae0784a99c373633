// SPDX-License-Identifier: Apache-2.0
// SAM (segment-anything, commit dca509f) in LibTorch, numerically equal to the official Python
// code: same operations in the same order, same parameter names, so official state dicts load by
// name and the golden tensors of ../shared/reference/golden are reproduced.
#include "sinus/SamModel.h"

#include <cmath>
#include <set>
#include <sstream>

namespace sinus
{
namespace F = torch::nn::functional;
using torch::indexing::None;
using torch::indexing::Slice;

// ------------------------------------------------------------------------------------------------
// Configuration
// ------------------------------------------------------------------------------------------------
SamConfig
SamConfig::VitB()
{
  return SamConfig{};
}

namespace
{
void
ReadPair(const Json & object, const char * key, int64_t & first, int64_t & second, const std::string & where)
{
  const Json * v = object.is_object() ? FindJsonMember(object, key) : nullptr;
  if (!v)
    return;
  if (!v->is_array() || v->get_ref<const Json::array_t &>().size() != 2)
    throw std::runtime_error(where + "." + key + ": expected an array of two integers");
  first = JsonInteger(v->get_ref<const Json::array_t &>()[0]);
  second = JsonInteger(v->get_ref<const Json::array_t &>()[1]);
}
} // namespace

SamConfig
SamConfig::FromJson(const Json & json)
{
  SamConfig c;
  if (!json.is_object())
    throw std::runtime_error("SAM configuration: expected a JSON object");
  if (const Json * e = FindJsonMember(json, "image_encoder"))
  {
    auto & ie = c.imageEncoder;
    ReadJsonField(*e, "img_size", ie.imgSize, "image_encoder");
    ReadJsonField(*e, "patch_size", ie.patchSize, "image_encoder");
    ReadJsonField(*e, "in_chans", ie.inChans, "image_encoder");
    ReadJsonField(*e, "embed_dim", ie.embedDim, "image_encoder");
    ReadJsonField(*e, "depth", ie.depth, "image_encoder");
    ReadJsonField(*e, "num_heads", ie.numHeads, "image_encoder");
    ReadJsonField(*e, "mlp_ratio", ie.mlpRatio, "image_encoder");
    ReadJsonField(*e, "out_chans", ie.outChans, "image_encoder");
    ReadJsonField(*e, "qkv_bias", ie.qkvBias, "image_encoder");
    ReadJsonField(*e, "use_abs_pos", ie.useAbsPos, "image_encoder");
    ReadJsonField(*e, "use_rel_pos", ie.useRelPos, "image_encoder");
    ReadJsonField(*e, "layer_norm_eps", ie.layerNormEps, "image_encoder");
    ReadJsonField(*e, "neck_layernorm2d_eps", ie.neckLayerNorm2dEps, "image_encoder");
    ReadJsonField(*e, "window_size", ie.windowSize, "image_encoder");
    if (const Json * g = FindJsonMember(*e, "global_attn_indexes"))
    {
      ie.globalAttnIndexes.clear();
      for (const Json & i : g->get_ref<const Json::array_t &>())
        ie.globalAttnIndexes.push_back(JsonInteger(i));
    }
  }
  if (const Json * p = FindJsonMember(json, "prompt_encoder"))
  {
    auto & pe = c.promptEncoder;
    ReadJsonField(*p, "embed_dim", pe.embedDim, "prompt_encoder");
    ReadPair(*p, "image_embedding_size", pe.imageEmbeddingHeight, pe.imageEmbeddingWidth, "prompt_encoder");
    ReadPair(*p, "input_image_size", pe.inputImageHeight, pe.inputImageWidth, "prompt_encoder");
    ReadJsonField(*p, "mask_in_chans", pe.maskInChans, "prompt_encoder");
    ReadJsonField(*p, "layernorm2d_eps", pe.layerNorm2dEps, "prompt_encoder");
  }
  if (const Json * m = FindJsonMember(json, "mask_decoder"))
  {
    auto & md = c.maskDecoder;
    ReadJsonField(*m, "transformer_dim", md.transformerDim, "mask_decoder");
    ReadJsonField(*m, "num_multimask_outputs", md.numMultimaskOutputs, "mask_decoder");
    ReadJsonField(*m, "iou_head_depth", md.iouHeadDepth, "mask_decoder");
    ReadJsonField(*m, "iou_head_hidden_dim", md.iouHeadHiddenDim, "mask_decoder");
    ReadJsonField(*m, "layernorm2d_eps", md.layerNorm2dEps, "mask_decoder");
    if (const Json * t = FindJsonMember(*m, "transformer"))
    {
      ReadJsonField(*t, "depth", md.transformerDepth, "mask_decoder.transformer");
      ReadJsonField(*t, "embedding_dim", md.transformerEmbeddingDim, "mask_decoder.transformer");
      ReadJsonField(*t, "num_heads", md.transformerNumHeads, "mask_decoder.transformer");
      ReadJsonField(*t, "mlp_dim", md.transformerMlpDim, "mask_decoder.transformer");
      ReadJsonField(*t, "attention_downsample_rate", md.attentionDownsampleRate, "mask_decoder.transformer");
      ReadJsonField(*t, "layer_norm_eps", md.transformerLayerNormEps, "mask_decoder.transformer");
    }
  }
  return c;
}

Json
SamConfig::ToJson() const
{
  Json root = Json::object();
  Json e = Json::object();
  e["img_size"] = imageEncoder.imgSize;
  e["patch_size"] = imageEncoder.patchSize;
  e["in_chans"] = imageEncoder.inChans;
  e["embed_dim"] = imageEncoder.embedDim;
  e["depth"] = imageEncoder.depth;
  e["num_heads"] = imageEncoder.numHeads;
  e["mlp_ratio"] = imageEncoder.mlpRatio;
  e["out_chans"] = imageEncoder.outChans;
  e["qkv_bias"] = imageEncoder.qkvBias;
  e["use_abs_pos"] = imageEncoder.useAbsPos;
  e["use_rel_pos"] = imageEncoder.useRelPos;
  e["layer_norm_eps"] = imageEncoder.layerNormEps;
  e["neck_layernorm2d_eps"] = imageEncoder.neckLayerNorm2dEps;
  e["window_size"] = imageEncoder.windowSize;
  Json g = Json::array();
  for (int64_t i : imageEncoder.globalAttnIndexes)
    g.push_back(Json(i));
  e["global_attn_indexes"] = g;
  root["image_encoder"] = e;
  Json p = Json::object();
  p["embed_dim"] = promptEncoder.embedDim;
  p["image_embedding_size"] = Json::array({ Json(promptEncoder.imageEmbeddingHeight), Json(promptEncoder.imageEmbeddingWidth) });
  p["input_image_size"] = Json::array({ Json(promptEncoder.inputImageHeight), Json(promptEncoder.inputImageWidth) });
  p["mask_in_chans"] = promptEncoder.maskInChans;
  p["layernorm2d_eps"] = promptEncoder.layerNorm2dEps;
  root["prompt_encoder"] = p;
  Json m = Json::object();
  m["transformer_dim"] = maskDecoder.transformerDim;
  m["num_multimask_outputs"] = maskDecoder.numMultimaskOutputs;
  m["iou_head_depth"] = maskDecoder.iouHeadDepth;
  m["iou_head_hidden_dim"] = maskDecoder.iouHeadHiddenDim;
  m["layernorm2d_eps"] = maskDecoder.layerNorm2dEps;
  Json t = Json::object();
  t["depth"] = maskDecoder.transformerDepth;
  t["embedding_dim"] = maskDecoder.transformerEmbeddingDim;
  t["num_heads"] = maskDecoder.transformerNumHeads;
  t["mlp_dim"] = maskDecoder.transformerMlpDim;
  t["attention_downsample_rate"] = maskDecoder.attentionDownsampleRate;
  t["layer_norm_eps"] = maskDecoder.transformerLayerNormEps;
  m["transformer"] = t;
  root["mask_decoder"] = m;
  return root;
}

// ------------------------------------------------------------------------------------------------
// Building blocks
// ------------------------------------------------------------------------------------------------
LayerNorm2dImpl::LayerNorm2dImpl(int64_t channels, double eps_)
  : eps(eps_)
{
  weight = register_parameter("weight", torch::ones({ channels }));
  bias = register_parameter("bias", torch::zeros({ channels }));
}

torch::Tensor
LayerNorm2dImpl::forward(const torch::Tensor & x)
{
  const torch::Tensor u = x.mean(1, true);
  const torch::Tensor s = (x - u).pow(2).mean(1, true);
  const torch::Tensor normalized = (x - u) / torch::sqrt(s + eps);
  return weight.index({ Slice(), None, None }) * normalized + bias.index({ Slice(), None, None });
}

MLPBlockImpl::MLPBlockImpl(int64_t dim, int64_t hidden, bool gelu_)
  : gelu(gelu_)
{
  lin1 = register_module("lin1", torch::nn::Linear(dim, hidden));
  lin2 = register_module("lin2", torch::nn::Linear(hidden, dim));
}

torch::Tensor
MLPBlockImpl::forward(const torch::Tensor & x)
{
  const torch::Tensor h = lin1(x);
  return lin2(gelu ? F::gelu(h) : torch::relu(h));
}

MLPImpl::MLPImpl(int64_t input, int64_t hidden, int64_t output, int64_t count)
{
  layers = register_module("layers", torch::nn::ModuleList());
  for (int64_t i = 0; i < count; ++i)
  {
    layers->push_back(torch::nn::Linear(i == 0 ? input : hidden, i == count - 1 ? output : hidden));
  }
}

torch::Tensor
MLPImpl::forward(torch::Tensor x)
{
  for (size_t i = 0; i < layers->size(); ++i)
  {
    x = layers[i]->as<torch::nn::Linear>()->forward(x);
    if (i + 1 < layers->size())
      x = torch::relu(x);
  }
  return x;
}

namespace
{
/** get_rel_pos: relative positional embeddings for every (query, key) pair along one axis,
 *  interpolated linearly when the table was trained for another size. */
torch::Tensor
RelativePositions(int64_t qSize, int64_t kSize, const torch::Tensor & relPos)
{
  const int64_t maxDistance = 2 * std::max(qSize, kSize) - 1;
  torch::Tensor table = relPos;
  if (relPos.size(0) != maxDistance)
  {
    table = F::interpolate(relPos.reshape({ 1, relPos.size(0), -1 }).permute({ 0, 2, 1 }),
                           F::InterpolateFuncOptions().size(std::vector<int64_t>{ maxDistance }).mode(torch::kLinear))
              .reshape({ -1, maxDistance })
              .permute({ 1, 0 });
  }
  const double        qScale = std::max(static_cast<double>(kSize) / static_cast<double>(qSize), 1.0);
  const double        kScale = std::max(static_cast<double>(qSize) / static_cast<double>(kSize), 1.0);
  const torch::Tensor qCoords = torch::arange(qSize, torch::kFloat64).unsqueeze(1) * qScale;
  const torch::Tensor kCoords = torch::arange(kSize, torch::kFloat64).unsqueeze(0) * kScale;
  const torch::Tensor relative = (qCoords - kCoords) + static_cast<double>(kSize - 1) * kScale;
  return table.index({ relative.to(torch::kLong) });
}

std::pair<torch::Tensor, std::array<int64_t, 2>>
WindowPartition(const torch::Tensor & x, int64_t window)
{
  const int64_t B = x.size(0), H = x.size(1), W = x.size(2), C = x.size(3);
  const int64_t padH = (window - H % window) % window, padW = (window - W % window) % window;
  torch::Tensor padded = (padH > 0 || padW > 0) ? F::pad(x, F::PadFuncOptions({ 0, 0, 0, padW, 0, padH })) : x;
  const int64_t Hp = H + padH, Wp = W + padW;
  torch::Tensor windows = padded.view({ B, Hp / window, window, Wp / window, window, C })
                            .permute({ 0, 1, 3, 2, 4, 5 })
                            .contiguous()
                            .view({ -1, window, window, C });
  return { windows, { Hp, Wp } };
}

torch::Tensor
WindowUnpartition(const torch::Tensor & windows, int64_t window, std::array<int64_t, 2> padded, int64_t H, int64_t W)
{
  const int64_t Hp = padded[0], Wp = padded[1];
  const int64_t B = windows.size(0) / (Hp * Wp / window / window);
  torch::Tensor x = windows.view({ B, Hp / window, Wp / window, window, window, -1 })
                      .permute({ 0, 1, 3, 2, 4, 5 })
                      .contiguous()
                      .view({ B, Hp, Wp, -1 });
  if (Hp > H || Wp > W)
    x = x.index({ Slice(), Slice(None, H), Slice(None, W), Slice() }).contiguous();
  return x;
}
} // namespace

EncoderAttentionImpl::EncoderAttentionImpl(int64_t dim, int64_t heads_, bool qkvBias, bool useRelPos_, int64_t inputSize)
  : heads(heads_)
  , useRelPos(useRelPos_)
{
  const int64_t headDim = dim / heads;
  if (useRelPos)
  {
    rel_pos_h = register_parameter("rel_pos_h", torch::zeros({ 2 * inputSize - 1, headDim }));
    rel_pos_w = register_parameter("rel_pos_w", torch::zeros({ 2 * inputSize - 1, headDim }));
  }
  qkv = register_module("qkv", torch::nn::Linear(torch::nn::LinearOptions(dim, dim * 3).bias(qkvBias)));
  proj = register_module("proj", torch::nn::Linear(dim, dim));
}

torch::Tensor
EncoderAttentionImpl::forward(const torch::Tensor & x)
{
  const int64_t       B = x.size(0), H = x.size(1), W = x.size(2);
  const torch::Tensor qkvOut = qkv(x).reshape({ B, H * W, 3, heads, -1 }).permute({ 2, 0, 3, 1, 4 });
  const auto          parts = qkvOut.reshape({ 3, B * heads, H * W, -1 }).unbind(0);
  const torch::Tensor & q = parts[0];
  const torch::Tensor & k = parts[1];
  const torch::Tensor & v = parts[2];
  const int64_t         batchHeads = q.size(0), dim = q.size(-1), tokens = H * W;
  const double          scale = std::pow(static_cast<double>(dim), -0.5);
  const torch::Tensor   scaledQ = q * scale;
  const torch::Tensor   keysT = k.transpose(-2, -1);
  torch::Tensor         Rh, Rw, rq;
  if (useRelPos)
  {
    Rh = RelativePositions(H, H, rel_pos_h);
    Rw = RelativePositions(W, W, rel_pos_w);
    rq = q.reshape({ batchHeads, H, W, dim }); // add_decomposed_rel_pos uses the unscaled queries
  }
  if (torch::GradMode::is_enabled() && q.requires_grad())
  {
    // Training: the plain formula, which autograd can differentiate (the chunked path below
    // writes into preallocated buffers with out= kernels, which autograd refuses).
    torch::Tensor attention = torch::matmul(scaledQ, keysT);
    if (useRelPos)
    {
      const torch::Tensor relH = torch::einsum("bhwc,hkc->bhwk", { rq, Rh });
      const torch::Tensor relW = torch::einsum("bhwc,wkc->bhwk", { rq, Rw });
      attention = (attention.view({ batchHeads, H, W, H, W }) + relH.unsqueeze(4) + relW.unsqueeze(3)).view({ batchHeads, tokens, tokens });
    }
    const torch::Tensor out = torch::matmul(torch::softmax(attention, -1), v);
    return proj(out.view({ B, heads, H, W, -1 }).permute({ 0, 2, 3, 1, 4 }).reshape({ B, H, W, -1 }));
  }
  // Queries in chunks of whole rows, so the tokens x tokens attention matrix and its relative-
  // position bias never exist at once (ViT-B's global blocks: 12 x 4096 x 4096 floats = 805 MB).
  // Every row sees the same operations in the same order as the unchunked formula. The chunk
  // buffers are allocated once per call and reused.
  constexpr int64_t kChunkElements = int64_t{ 1 } << 24;
  const int64_t     rowsPerChunk = std::max<int64_t>(1, std::min<int64_t>(H, kChunkElements / std::max<int64_t>(1, batchHeads * W * tokens)));
  // Large attention matrices go through one 2-D GEMM per head: on Debian's LibTorch + OpenBLAS the
  // batched path runs at about a third of the speed (36 vs 93 GFLOP/s measured for ViT-B).
  const bool        perHead = tokens >= 1024;
  const auto        gemm = [perHead](torch::Tensor & result, const torch::Tensor & a, const torch::Tensor & b) {
    if (!perHead)
    {
      torch::bmm_out(result, a, b);
      return;
    }
    for (int64_t h = 0; h < a.size(0); ++h)
    {
      torch::Tensor slice = result[h];
      torch::mm_out(slice, a[h], b[h]);
    }
  };
  torch::Tensor     out = torch::empty({ batchHeads, tokens, v.size(-1) }, v.options());
  torch::Tensor     scores = torch::empty({ batchHeads, rowsPerChunk * W, tokens }, q.options());
  torch::Tensor     probabilities = torch::empty_like(scores);
  for (int64_t r0 = 0; r0 < H; r0 += rowsPerChunk)
  {
    const int64_t rows = std::min(rowsPerChunk, H - r0);
    torch::Tensor attention = scores.narrow(1, 0, rows * W);
    torch::Tensor softmaxed = probabilities.narrow(1, 0, rows * W);
    const torch::Tensor queries = scaledQ.narrow(1, r0 * W, rows * W);
    gemm(attention, queries, keysT);
    if (useRelPos)
    {
      const torch::Tensor rqChunk = rq.narrow(1, r0, rows);
      const torch::Tensor relH = torch::einsum("bhwc,hkc->bhwk", { rqChunk, Rh.narrow(0, r0, rows) });
      const torch::Tensor relW = torch::einsum("bhwc,wkc->bhwk", { rqChunk, Rw });
      attention.view({ batchHeads, rows, W, H, W }).add_(relH.unsqueeze(4)).add_(relW.unsqueeze(3));
    }
    torch::softmax_out(softmaxed, attention, -1);
    torch::Tensor target = out.narrow(1, r0 * W, rows * W);
    gemm(target, softmaxed, v);
  }
  return proj(out.view({ B, heads, H, W, -1 }).permute({ 0, 2, 3, 1, 4 }).reshape({ B, H, W, -1 }));
}

EncoderBlockImpl::EncoderBlockImpl(const SamConfig::ImageEncoder & c, int64_t windowSize_)
  : windowSize(windowSize_)
{
  const int64_t gridSize = c.imgSize / c.patchSize;
  norm1 = register_module("norm1", torch::nn::LayerNorm(torch::nn::LayerNormOptions({ c.embedDim }).eps(c.layerNormEps)));
  attn = register_module("attn", EncoderAttention(c.embedDim, c.numHeads, c.qkvBias, c.useRelPos,
                                                  windowSize == 0 ? gridSize : windowSize));
  norm2 = register_module("norm2", torch::nn::LayerNorm(torch::nn::LayerNormOptions({ c.embedDim }).eps(c.layerNormEps)));
  mlp = register_module("mlp", MLPBlock(c.embedDim, static_cast<int64_t>(c.embedDim * c.mlpRatio), true));
}

torch::Tensor
EncoderBlockImpl::forward(const torch::Tensor & x, torch::Tensor * attentionOutput)
{
  const torch::Tensor shortcut = x;
  torch::Tensor       h = norm1(x);
  const int64_t       H = h.size(1), W = h.size(2);
  std::array<int64_t, 2> padded{ H, W };
  if (windowSize > 0)
  {
    std::tie(h, padded) = WindowPartition(h, windowSize);
  }
  h = attn(h);
  if (attentionOutput)
    *attentionOutput = h;
  if (windowSize > 0)
  {
    h = WindowUnpartition(h, windowSize, padded, H, W);
  }
  torch::Tensor out = shortcut + h;
  return out + mlp(norm2(out));
}

DecoderAttentionImpl::DecoderAttentionImpl(int64_t dim, int64_t heads_, int64_t downsampleRate)
  : heads(heads_)
{
  const int64_t internal = dim / downsampleRate;
  if (internal % heads != 0)
    throw std::invalid_argument("attention: num_heads must divide embedding_dim / downsample_rate");
  q_proj = register_module("q_proj", torch::nn::Linear(dim, internal));
  k_proj = register_module("k_proj", torch::nn::Linear(dim, internal));
  v_proj = register_module("v_proj", torch::nn::Linear(dim, internal));
  out_proj = register_module("out_proj", torch::nn::Linear(internal, dim));
}

torch::Tensor
DecoderAttentionImpl::forward(const torch::Tensor & qIn, const torch::Tensor & kIn, const torch::Tensor & vIn)
{
  const auto separate = [&](const torch::Tensor & x) {
    return x.reshape({ x.size(0), x.size(1), heads, x.size(2) / heads }).transpose(1, 2);
  };
  const torch::Tensor q = separate(q_proj(qIn)), k = separate(k_proj(kIn)), v = separate(v_proj(vIn));
  const int64_t       cPerHead = q.size(3);
  torch::Tensor       attention = torch::matmul(q, k.permute({ 0, 1, 3, 2 }));
  attention = attention / std::sqrt(static_cast<double>(cPerHead));
  attention = torch::softmax(attention, -1);
  torch::Tensor out = torch::matmul(attention, v);
  out = out.transpose(1, 2).reshape({ out.size(0), out.size(2), out.size(1) * out.size(3) });
  return out_proj(out);
}

TwoWayAttentionBlockImpl::TwoWayAttentionBlockImpl(const SamConfig::MaskDecoder & c, bool skip)
  : skipFirstLayerPE(skip)
{
  const int64_t dim = c.transformerEmbeddingDim;
  const auto    norm = [&]() { return torch::nn::LayerNorm(torch::nn::LayerNormOptions({ dim }).eps(c.transformerLayerNormEps)); };
  self_attn = register_module("self_attn", DecoderAttention(dim, c.transformerNumHeads, 1));
  norm1 = register_module("norm1", norm());
  cross_attn_token_to_image =
    register_module("cross_attn_token_to_image", DecoderAttention(dim, c.transformerNumHeads, c.attentionDownsampleRate));
  norm2 = register_module("norm2", norm());
  mlp = register_module("mlp", MLPBlock(dim, c.transformerMlpDim, false));
  norm3 = register_module("norm3", norm());
  norm4 = register_module("norm4", norm());
  cross_attn_image_to_token =
    register_module("cross_attn_image_to_token", DecoderAttention(dim, c.transformerNumHeads, c.attentionDownsampleRate));
}

std::pair<torch::Tensor, torch::Tensor>
TwoWayAttentionBlockImpl::forward(torch::Tensor queries, torch::Tensor keys, const torch::Tensor & queryPE,
                                  const torch::Tensor & keyPE)
{
  if (skipFirstLayerPE)
  {
    queries = self_attn(queries, queries, queries);
  }
  else
  {
    const torch::Tensor q = queries + queryPE;
    queries = queries + self_attn(q, q, queries);
  }
  queries = norm1(queries);
  torch::Tensor q = queries + queryPE, k = keys + keyPE;
  queries = norm2(queries + cross_attn_token_to_image(q, k, keys));
  queries = norm3(queries + mlp(queries));
  q = queries + queryPE;
  k = keys + keyPE;
  keys = norm4(keys + cross_attn_image_to_token(k, q, queries));
  return { queries, keys };
}

TwoWayTransformerImpl::TwoWayTransformerImpl(const SamConfig::MaskDecoder & c)
{
  layers = register_module("layers", torch::nn::ModuleList());
  for (int64_t i = 0; i < c.transformerDepth; ++i)
    layers->push_back(TwoWayAttentionBlock(c, i == 0));
  final_attn_token_to_image = register_module(
    "final_attn_token_to_image",
    DecoderAttention(c.transformerEmbeddingDim, c.transformerNumHeads, c.attentionDownsampleRate));
  norm_final_attn = register_module(
    "norm_final_attn",
    torch::nn::LayerNorm(torch::nn::LayerNormOptions({ c.transformerEmbeddingDim }).eps(c.transformerLayerNormEps)));
}

std::pair<torch::Tensor, torch::Tensor>
TwoWayTransformerImpl::forward(const torch::Tensor & image, const torch::Tensor & imagePE, const torch::Tensor & points)
{
  const torch::Tensor imageTokens = image.flatten(2).permute({ 0, 2, 1 });
  const torch::Tensor imagePETokens = imagePE.flatten(2).permute({ 0, 2, 1 });
  torch::Tensor       queries = points, keys = imageTokens;
  for (size_t i = 0; i < layers->size(); ++i)
  {
    std::tie(queries, keys) = layers[i]->as<TwoWayAttentionBlock>()->forward(queries, keys, points, imagePETokens);
  }
  const torch::Tensor q = queries + points, k = keys + imagePETokens;
  queries = norm_final_attn(queries + final_attn_token_to_image(q, k, keys));
  return { queries, keys };
}

PositionEmbeddingRandomImpl::PositionEmbeddingRandomImpl(int64_t numPosFeats)
{
  positional_encoding_gaussian_matrix = register_buffer("positional_encoding_gaussian_matrix", torch::randn({ 2, numPosFeats }));
}

torch::Tensor
PositionEmbeddingRandomImpl::Encode(torch::Tensor coords)
{
  coords = 2 * coords - 1;
  coords = torch::matmul(coords, positional_encoding_gaussian_matrix);
  coords = 2 * M_PI * coords;
  return torch::cat({ torch::sin(coords), torch::cos(coords) }, -1);
}

// ------------------------------------------------------------------------------------------------
// The three parts
// ------------------------------------------------------------------------------------------------
ImageEncoderViTImpl::ImageEncoderViTImpl(const SamConfig::ImageEncoder & c)
  : config(c)
{
  if (c.imgSize % c.patchSize != 0 || c.embedDim % c.numHeads != 0)
    throw std::invalid_argument("image encoder: img_size must be a multiple of patch_size and embed_dim of num_heads");
  const int64_t grid = c.imgSize / c.patchSize;
  if (c.useAbsPos)
    pos_embed = register_parameter("pos_embed", torch::zeros({ 1, grid, grid, c.embedDim }));
  patch_embed = std::make_shared<torch::nn::Module>();
  patch_embed_proj = patch_embed->register_module(
    "proj", torch::nn::Conv2d(torch::nn::Conv2dOptions(c.inChans, c.embedDim, c.patchSize).stride(c.patchSize)));
  register_module("patch_embed", patch_embed);
  blocks = register_module("blocks", torch::nn::ModuleList());
  const std::set<int64_t> global(c.globalAttnIndexes.begin(), c.globalAttnIndexes.end());
  for (int64_t i = 0; i < c.depth; ++i)
    blocks->push_back(EncoderBlock(c, global.count(i) ? 0 : c.windowSize));
  neck = register_module(
    "neck", torch::nn::Sequential(torch::nn::Conv2d(torch::nn::Conv2dOptions(c.embedDim, c.outChans, 1).bias(false)),
                                  LayerNorm2d(c.outChans, c.neckLayerNorm2dEps),
                                  torch::nn::Conv2d(torch::nn::Conv2dOptions(c.outChans, c.outChans, 3).padding(1).bias(false)),
                                  LayerNorm2d(c.outChans, c.neckLayerNorm2dEps)));
}

torch::Tensor
ImageEncoderViTImpl::forward(const torch::Tensor & image, SamTrace * trace)
{
  torch::Tensor x = patch_embed_proj(image).permute({ 0, 2, 3, 1 });
  if (trace)
    (*trace)["enc_patch_embed"] = x;
  if (pos_embed.defined())
    x = x + pos_embed;
  if (trace)
    (*trace)["enc_pos_added"] = x;
  for (size_t i = 0; i < blocks->size(); ++i)
  {
    torch::Tensor attention;
    x = blocks[i]->as<EncoderBlock>()->forward(x, trace ? &attention : nullptr);
    if (trace)
    {
      (*trace)["enc_block" + std::to_string(i) + "_attn"] = attention;
      (*trace)["enc_block" + std::to_string(i)] = x;
    }
  }
  if (trace && !blocks->is_empty())
  {
    (*trace)["enc_block_last_attn"] = (*trace)["enc_block" + std::to_string(blocks->size() - 1) + "_attn"];
    (*trace)["enc_block_last"] = x;
  }
  x = x.permute({ 0, 3, 1, 2 });
  const char * names[] = { "enc_neck_conv1", "enc_neck_ln1", "enc_neck_conv2", "image_embeddings" };
  for (size_t i = 0; i < neck->size(); ++i)
  {
    x = neck[i]->as<torch::nn::Conv2d>() ? neck[i]->as<torch::nn::Conv2d>()->forward(x) : neck[i]->as<LayerNorm2d>()->forward(x);
    if (trace)
      (*trace)[names[i]] = x;
  }
  return x;
}

PromptEncoderImpl::PromptEncoderImpl(const SamConfig::PromptEncoder & c)
  : config(c)
{
  if (c.embedDim % 2 != 0 || c.maskInChans % 4 != 0)
    throw std::invalid_argument("prompt encoder: embed_dim must be even and mask_in_chans a multiple of 4");
  pe_layer = register_module("pe_layer", PositionEmbeddingRandom(c.embedDim / 2));
  point_embeddings = register_module("point_embeddings", torch::nn::ModuleList());
  for (int i = 0; i < 4; ++i) // positive point, negative point, 2 box corners
    point_embeddings->push_back(torch::nn::Embedding(1, c.embedDim));
  not_a_point_embed = register_module("not_a_point_embed", torch::nn::Embedding(1, c.embedDim));
  mask_downscaling = register_module(
    "mask_downscaling",
    torch::nn::Sequential(torch::nn::Conv2d(torch::nn::Conv2dOptions(1, c.maskInChans / 4, 2).stride(2)),
                          LayerNorm2d(c.maskInChans / 4, c.layerNorm2dEps), torch::nn::GELU(),
                          torch::nn::Conv2d(torch::nn::Conv2dOptions(c.maskInChans / 4, c.maskInChans, 2).stride(2)),
                          LayerNorm2d(c.maskInChans, c.layerNorm2dEps), torch::nn::GELU(),
                          torch::nn::Conv2d(torch::nn::Conv2dOptions(c.maskInChans, c.embedDim, 1))));
  no_mask_embed = register_module("no_mask_embed", torch::nn::Embedding(1, c.embedDim));
}

torch::Tensor
PromptEncoderImpl::DenseImagePositionalEncoding()
{
  const int64_t       h = config.imageEmbeddingHeight, w = config.imageEmbeddingWidth;
  const auto          options = pe_layer->positional_encoding_gaussian_matrix.options();
  const torch::Tensor grid = torch::ones({ h, w }, options);
  torch::Tensor       yEmbed = grid.cumsum(0) - 0.5;
  torch::Tensor       xEmbed = grid.cumsum(1) - 0.5;
  yEmbed = yEmbed / h;
  xEmbed = xEmbed / w;
  return pe_layer->Encode(torch::stack({ xEmbed, yEmbed }, -1)).permute({ 2, 0, 1 }).unsqueeze(0);
}

std::pair<torch::Tensor, torch::Tensor>
PromptEncoderImpl::forward(const torch::Tensor & pointsIn, const torch::Tensor & labelsIn, const torch::Tensor & boxesIn,
                           const torch::Tensor & masks)
{
  const auto    options = pe_layer->positional_encoding_gaussian_matrix.options();
  const int64_t batch = pointsIn.defined() ? pointsIn.size(0) : boxesIn.defined() ? boxesIn.size(0) : masks.defined() ? masks.size(0) : 1;
  const auto    weightOf = [&](int i) { return point_embeddings[static_cast<size_t>(i)]->as<torch::nn::Embedding>()->weight; };
  const auto    toModelFrame = [&](torch::Tensor coords) {
    coords = coords.clone();
    coords.index_put_({ "...", 0 }, coords.index({ "...", 0 }) / static_cast<double>(config.inputImageWidth));
    coords.index_put_({ "...", 1 }, coords.index({ "...", 1 }) / static_cast<double>(config.inputImageHeight));
    return pe_layer->Encode(coords.to(torch::kFloat32));
  };
  torch::Tensor sparse = torch::empty({ batch, 0, config.embedDim }, options);
  if (pointsIn.defined())
  {
    torch::Tensor points = pointsIn + 0.5; // shift to the pixel centre
    torch::Tensor labels = labelsIn;
    if (!boxesIn.defined())
    {
      points = torch::cat({ points, torch::zeros({ batch, 1, 2 }, points.options()) }, 1);
      labels = torch::cat({ labels, -torch::ones({ batch, 1 }, labels.options()) }, 1);
    }
    torch::Tensor embedding = toModelFrame(points);
    embedding.index_put_({ labels == -1 }, 0.0);
    embedding.index_put_({ labels == -1 }, embedding.index({ labels == -1 }) + not_a_point_embed->weight);
    embedding.index_put_({ labels == 0 }, embedding.index({ labels == 0 }) + weightOf(0));
    embedding.index_put_({ labels == 1 }, embedding.index({ labels == 1 }) + weightOf(1));
    sparse = torch::cat({ sparse, embedding }, 1);
  }
  if (boxesIn.defined())
  {
    const torch::Tensor boxes = boxesIn + 0.5;
    torch::Tensor       corners = toModelFrame(boxes.reshape({ -1, 2, 2 }));
    corners.index_put_({ Slice(), 0, Slice() }, corners.index({ Slice(), 0, Slice() }) + weightOf(2));
    corners.index_put_({ Slice(), 1, Slice() }, corners.index({ Slice(), 1, Slice() }) + weightOf(3));
    sparse = torch::cat({ sparse, corners }, 1);
  }
  torch::Tensor dense;
  if (masks.defined())
    dense = mask_downscaling->forward(masks);
  else
    dense = no_mask_embed->weight.reshape({ 1, -1, 1, 1 }).expand(
      { batch, -1, config.imageEmbeddingHeight, config.imageEmbeddingWidth });
  return { sparse, dense };
}

MaskDecoderImpl::MaskDecoderImpl(const SamConfig::MaskDecoder & c)
  : config(c)
{
  const int64_t dim = c.transformerDim, tokens = c.numMultimaskOutputs + 1;
  transformer = register_module("transformer", TwoWayTransformer(c));
  iou_token = register_module("iou_token", torch::nn::Embedding(1, dim));
  mask_tokens = register_module("mask_tokens", torch::nn::Embedding(tokens, dim));
  output_upscaling = register_module(
    "output_upscaling",
    torch::nn::Sequential(torch::nn::ConvTranspose2d(torch::nn::ConvTranspose2dOptions(dim, dim / 4, 2).stride(2)),
                          LayerNorm2d(dim / 4, c.layerNorm2dEps), torch::nn::GELU(),
                          torch::nn::ConvTranspose2d(torch::nn::ConvTranspose2dOptions(dim / 4, dim / 8, 2).stride(2)),
                          torch::nn::GELU()));
  output_hypernetworks_mlps = register_module("output_hypernetworks_mlps", torch::nn::ModuleList());
  for (int64_t i = 0; i < tokens; ++i)
    output_hypernetworks_mlps->push_back(MLP(dim, dim, dim / 8, 3));
  iou_prediction_head = register_module("iou_prediction_head", MLP(dim, c.iouHeadHiddenDim, tokens, c.iouHeadDepth));
}

std::pair<torch::Tensor, torch::Tensor>
MaskDecoderImpl::forward(const torch::Tensor & imageEmbeddings, const torch::Tensor & imagePE, const torch::Tensor & sparse,
                         const torch::Tensor & dense, SamTrace * trace)
{
  const int64_t tokens = config.numMultimaskOutputs + 1;
  torch::Tensor outputTokens = torch::cat({ iou_token->weight, mask_tokens->weight }, 0);
  outputTokens = outputTokens.unsqueeze(0).expand({ sparse.size(0), -1, -1 });
  const torch::Tensor allTokens = torch::cat({ outputTokens, sparse }, 1);
  // One image with several prompts repeats the image (segment-anything); as many images as prompts
  // pairs them one to one (MedSAM's batched training).
  const bool          paired = imageEmbeddings.size(0) == allTokens.size(0) && imageEmbeddings.size(0) > 1;
  torch::Tensor       src = (paired ? imageEmbeddings : torch::repeat_interleave(imageEmbeddings, allTokens.size(0), 0)) + dense;
  const torch::Tensor posSrc = torch::repeat_interleave(imagePE, allTokens.size(0), 0);
  const int64_t       b = src.size(0), c = src.size(1), h = src.size(2), w = src.size(3);
  auto [hs, srcOut] = transformer->forward(src, posSrc, allTokens);
  if (trace)
  {
    (*trace)["dec_transformer_hs"] = hs;
    (*trace)["dec_transformer_src"] = srcOut;
  }
  const torch::Tensor iouTokenOut = hs.index({ Slice(), 0, Slice() });
  const torch::Tensor maskTokensOut = hs.index({ Slice(), Slice(1, 1 + tokens), Slice() });
  const torch::Tensor upscaled = output_upscaling->forward(srcOut.transpose(1, 2).view({ b, c, h, w }));
  std::vector<torch::Tensor> hyper;
  for (int64_t i = 0; i < tokens; ++i)
    hyper.push_back(output_hypernetworks_mlps[static_cast<size_t>(i)]->as<MLP>()->forward(maskTokensOut.index({ Slice(), i, Slice() })));
  const torch::Tensor hyperIn = torch::stack(hyper, 1);
  const int64_t       ub = upscaled.size(0), uc = upscaled.size(1), uh = upscaled.size(2), uw = upscaled.size(3);
  const torch::Tensor masks = torch::matmul(hyperIn, upscaled.view({ ub, uc, uh * uw })).view({ ub, -1, uh, uw });
  const torch::Tensor iou = iou_prediction_head->forward(iouTokenOut);
  if (trace)
  {
    (*trace)["dec_upscaled_embedding"] = upscaled;
    (*trace)["dec_hyper_in"] = hyperIn;
    (*trace)["all_low_res_logits"] = masks;
    (*trace)["all_iou_predictions"] = iou;
  }
  return { masks, iou };
}

SamImpl::SamImpl(const SamConfig & c)
  : config(c)
{
  image_encoder = register_module("image_encoder", ImageEncoderViT(c.imageEncoder));
  prompt_encoder = register_module("prompt_encoder", PromptEncoder(c.promptEncoder));
  mask_decoder = register_module("mask_decoder", MaskDecoder(c.maskDecoder));
}

std::pair<torch::Tensor, torch::Tensor>
SamImpl::DecodeBoxes(const torch::Tensor & imageEmbeddings, const torch::Tensor & boxes, SamTrace * trace)
{
  auto [sparse, dense] = prompt_encoder->forward({}, {}, boxes, {});
  if (trace)
  {
    (*trace)["sparse_embeddings"] = sparse;
    (*trace)["dense_embeddings"] = dense;
  }
  auto [masks, iou] = mask_decoder->forward(imageEmbeddings, prompt_encoder->DenseImagePositionalEncoding(), sparse, dense, trace);
  return { masks.index({ Slice(), Slice(0, 1) }), iou.index({ Slice(), Slice(0, 1) }) };
}

torch::Tensor
SamImpl::Logits(const torch::Tensor & images, const SegmenterPrompts & prompts)
{
  const torch::Tensor embeddings = image_encoder->forward(images);
  if (prompts.points.defined())
  {
    auto [sparse, dense] = prompt_encoder->forward(prompts.points, prompts.pointLabels, {}, {});
    auto [masks, iou] = mask_decoder->forward(embeddings, prompt_encoder->DenseImagePositionalEncoding(), sparse, dense);
    return masks.index({ Slice(), Slice(0, 1) });
  }
  torch::Tensor boxes = prompts.boxes;
  if (!boxes.defined())
  {
    // MedSAM's automatic prompt: the whole input, (0, 0, S, S), for every image of the batch.
    const double size = static_cast<double>(config.imageEncoder.imgSize);
    boxes = torch::tensor({ 0.0, 0.0, size, size }, torch::TensorOptions().dtype(torch::kFloat32).device(images.device()))
              .view({ 1, 4 })
              .expand({ images.size(0), 4 })
              .contiguous();
  }
  return DecodeBoxes(embeddings, boxes).first;
}

// ------------------------------------------------------------------------------------------------
// State dicts
// ------------------------------------------------------------------------------------------------
namespace
{
void
CollectState(torch::nn::Module & module, const std::string & prefix, StateDict & out)
{
  for (const auto & p : module.named_parameters(false))
    out.emplace_back(prefix + p.key(), p.value());
  for (const auto & b : module.named_buffers(false))
    out.emplace_back(prefix + b.key(), b.value());
  for (const auto & child : module.named_children())
    CollectState(*child.value(), prefix + child.key() + ".", out);
}
} // namespace

StateDict
ModelStateDict(torch::nn::Module & module)
{
  StateDict out;
  CollectState(module, "", out);
  return out;
}

namespace
{
using ExpectedShapes = std::vector<std::pair<std::string, std::vector<int64_t>>>;

ExpectedShapes
ShapesOf(const StateDict & own)
{
  ExpectedShapes shapes;
  for (const auto & [name, tensor] : own)
    shapes.emplace_back(name, tensor.sizes().vec());
  return shapes;
}

/** Every missing key, unexpected key and shape mismatch of `given` against `expected`, in one
 *  error; without any, the position of each name in `given`. */
std::map<std::string, size_t>
RequireMatchingStateDict(const ExpectedShapes & expected, const StateDict & given, const std::string & source)
{
  std::map<std::string, size_t> byName;
  for (size_t i = 0; i < given.size(); ++i)
    byName[given[i].first] = i;
  std::vector<std::string> missing, mismatched, unexpected;
  std::set<std::string>    known;
  for (const auto & [name, shape] : expected)
  {
    known.insert(name);
    const auto it = byName.find(name);
    if (it == byName.end())
      missing.push_back(name);
    else if (given[it->second].second.sizes() != c10::IntArrayRef(shape))
    {
      std::ostringstream s;
      s << name << " (checkpoint " << given[it->second].second.sizes() << ", model " << c10::IntArrayRef(shape) << ")";
      mismatched.push_back(s.str());
    }
  }
  for (const auto & [name, tensor] : given)
    if (!known.count(name))
      unexpected.push_back(name);
  if (missing.empty() && mismatched.empty() && unexpected.empty())
    return byName;
  std::string message = source + ": checkpoint does not match the model architecture";
  const auto  list = [&](const char * title, const std::vector<std::string> & items) {
    if (items.empty())
      return;
    message += std::string("\n  ") + title + " (" + std::to_string(items.size()) + "):";
    for (const auto & item : items)
      message += "\n    " + item;
  };
  list("missing keys", missing);
  list("unexpected keys", unexpected);
  list("shape mismatches", mismatched);
  throw CheckpointError(message);
}

} // namespace

void
LoadStateDictStrict(torch::nn::Module & module, const StateDict & stateDict, const std::string & source)
{
  const StateDict                     own = ModelStateDict(module);
  const std::map<std::string, size_t> position = RequireMatchingStateDict(ShapesOf(own), stateDict, source);
  torch::NoGradGuard                  noGrad;
  for (const auto & [name, tensor] : own)
  {
    torch::Tensor target = tensor;
    target.copy_(stateDict[position.at(name)].second);
  }
}

void
AdoptStateDictStrict(torch::nn::Module & module, const std::function<StateDict()> & load, const std::string & source)
{
  const StateDict      own = ModelStateDict(module);
  const ExpectedShapes shapes = ShapesOf(own);
  // The module's initial values go before the file's are read: never both in memory at once.
  for (const auto & [name, tensor] : own)
  {
    torch::Tensor released = tensor;
    released.set_data(torch::empty({ 0 }, tensor.options()));
  }
  StateDict                           loaded = load();
  const std::map<std::string, size_t> position = RequireMatchingStateDict(shapes, loaded, source);
  std::set<const void *>              taken;
  torch::NoGradGuard                  noGrad;
  for (const auto & [name, tensor] : own)
  {
    torch::Tensor & value = loaded[position.at(name)].second;
    // Taken over as they are when they own their memory in the module's type; a view into a
    // larger storage, memory already taken by another entry (tied in the file, separate here, as
    // PyTorch's load_state_dict makes them) or another type is copied.
    const bool sameType = value.scalar_type() == tensor.scalar_type() && value.device() == tensor.device();
    const bool firstOwner = OwnsWholeStorage(value) && taken.insert(value.storage().data()).second;
    torch::Tensor target = tensor;
    target.set_data(sameType && firstOwner ? value : value.to(tensor.options(), /*non_blocking=*/false, /*copy=*/true).contiguous());
    value = torch::Tensor(); // a copied entry's original goes now, not after the last
  }
}
} // namespace sinus
