// SPDX-License-Identifier: Apache-2.0
#ifndef sinus_SamModel_h
#define sinus_SamModel_h

#include "sinus/Json.h"
#include "sinus/Segmenter.h"
#include "sinus/StateDict.h"

#include <torch/torch.h>

#include <functional>

#include <map>
#include <string>
#include <vector>

namespace sinus
{

/** Every constructor hyper-parameter of the official segment-anything classes. */
struct SamConfig
{
  struct ImageEncoder
  {
    int64_t              imgSize = 1024, patchSize = 16, inChans = 3, embedDim = 768, depth = 12, numHeads = 12;
    double               mlpRatio = 4.0;
    int64_t              outChans = 256;
    bool                 qkvBias = true, useAbsPos = true, useRelPos = true;
    double               layerNormEps = 1e-6, neckLayerNorm2dEps = 1e-6;
    int64_t              windowSize = 14;
    std::vector<int64_t> globalAttnIndexes{ 2, 5, 8, 11 };
  } imageEncoder;
  struct PromptEncoder
  {
    int64_t embedDim = 256, imageEmbeddingHeight = 64, imageEmbeddingWidth = 64, inputImageHeight = 1024,
            inputImageWidth = 1024, maskInChans = 16;
    double  layerNorm2dEps = 1e-6;
  } promptEncoder;
  struct MaskDecoder
  {
    int64_t transformerDim = 256, numMultimaskOutputs = 3, iouHeadDepth = 3, iouHeadHiddenDim = 256;
    double  layerNorm2dEps = 1e-6;
    int64_t transformerDepth = 2, transformerEmbeddingDim = 256, transformerNumHeads = 8, transformerMlpDim = 2048,
            attentionDownsampleRate = 2;
    double  transformerLayerNormEps = 1e-5;
  } maskDecoder;

  /** The official SAM / MedSAM ViT-B. */
  static SamConfig VitB();
  /** The JSON format of ../shared/reference/golden/tiny_sam_config.json (unknown keys ignored,
   *  missing keys keep the ViT-B value, wrong types are errors naming the key). */
  static SamConfig FromJson(const Json & json);
  Json             ToJson() const;
};

/** LayerNorm over the channel axis of N x C x H x W (segment-anything's LayerNorm2d). */
struct LayerNorm2dImpl : torch::nn::Module
{
  LayerNorm2dImpl(int64_t channels, double eps);
  torch::Tensor forward(const torch::Tensor & x);
  torch::Tensor weight, bias;
  double        eps;
};
TORCH_MODULE(LayerNorm2d);

/** Intermediate tensors of one forward pass, for the golden comparison and debugging. */
using SamTrace = std::map<std::string, torch::Tensor>;

/** Linear -> activation -> Linear (segment-anything's MLPBlock: lin1, lin2). */
struct MLPBlockImpl : torch::nn::Module
{
  MLPBlockImpl(int64_t dim, int64_t hidden, bool gelu);
  torch::Tensor     forward(const torch::Tensor & x);
  torch::nn::Linear lin1{ nullptr }, lin2{ nullptr };
  bool              gelu;
};
TORCH_MODULE(MLPBlock);

/** n Linear layers with ReLU between them (the decoder's MLP: layers.0 .. layers.n-1). */
struct MLPImpl : torch::nn::Module
{
  MLPImpl(int64_t input, int64_t hidden, int64_t output, int64_t layers);
  torch::Tensor         forward(torch::Tensor x);
  torch::nn::ModuleList layers;
};
TORCH_MODULE(MLP);

/** Multi-head self-attention of the image encoder with decomposed relative positions. */
struct EncoderAttentionImpl : torch::nn::Module
{
  EncoderAttentionImpl(int64_t dim, int64_t heads, bool qkvBias, bool useRelPos, int64_t inputSize);
  torch::Tensor     forward(const torch::Tensor & x); ///< B x H x W x C
  int64_t           heads;
  bool              useRelPos;
  torch::Tensor     rel_pos_h, rel_pos_w;
  torch::nn::Linear qkv{ nullptr }, proj{ nullptr };
};
TORCH_MODULE(EncoderAttention);

/** Transformer block of the image encoder; windowSize 0 = global attention. */
struct EncoderBlockImpl : torch::nn::Module
{
  EncoderBlockImpl(const SamConfig::ImageEncoder & config, int64_t windowSize);
  torch::Tensor        forward(const torch::Tensor & x, torch::Tensor * attentionOutput = nullptr);
  int64_t              windowSize;
  torch::nn::LayerNorm norm1{ nullptr }, norm2{ nullptr };
  EncoderAttention     attn{ nullptr };
  MLPBlock             mlp{ nullptr };
};
TORCH_MODULE(EncoderBlock);

/** The decoder's attention with optional down-projection of the embedding (q/k/v/out_proj). */
struct DecoderAttentionImpl : torch::nn::Module
{
  DecoderAttentionImpl(int64_t dim, int64_t heads, int64_t downsampleRate);
  torch::Tensor     forward(const torch::Tensor & q, const torch::Tensor & k, const torch::Tensor & v);
  int64_t           heads;
  torch::nn::Linear q_proj{ nullptr }, k_proj{ nullptr }, v_proj{ nullptr }, out_proj{ nullptr };
};
TORCH_MODULE(DecoderAttention);

struct TwoWayAttentionBlockImpl : torch::nn::Module
{
  TwoWayAttentionBlockImpl(const SamConfig::MaskDecoder & config, bool skipFirstLayerPE);
  std::pair<torch::Tensor, torch::Tensor> forward(torch::Tensor queries, torch::Tensor keys, const torch::Tensor & queryPE,
                                                  const torch::Tensor & keyPE);
  bool                 skipFirstLayerPE;
  DecoderAttention     self_attn{ nullptr }, cross_attn_token_to_image{ nullptr }, cross_attn_image_to_token{ nullptr };
  torch::nn::LayerNorm norm1{ nullptr }, norm2{ nullptr }, norm3{ nullptr }, norm4{ nullptr };
  MLPBlock             mlp{ nullptr };
};
TORCH_MODULE(TwoWayAttentionBlock);

struct TwoWayTransformerImpl : torch::nn::Module
{
  explicit TwoWayTransformerImpl(const SamConfig::MaskDecoder & config);
  /** Returns (token outputs B x T x C, image-token outputs B x HW x C). */
  std::pair<torch::Tensor, torch::Tensor> forward(const torch::Tensor & image, const torch::Tensor & imagePE,
                                                  const torch::Tensor & points);
  torch::nn::ModuleList layers;
  DecoderAttention      final_attn_token_to_image{ nullptr };
  torch::nn::LayerNorm  norm_final_attn{ nullptr };
};
TORCH_MODULE(TwoWayTransformer);

/** Random-Fourier positional encoding (its Gaussian matrix is a buffer of the state dict). */
struct PositionEmbeddingRandomImpl : torch::nn::Module
{
  explicit PositionEmbeddingRandomImpl(int64_t numPosFeats);
  torch::Tensor Encode(torch::Tensor normalizedCoordinates); ///< ... x 2 in [0,1] -> ... x 2F
  torch::Tensor positional_encoding_gaussian_matrix;
};
TORCH_MODULE(PositionEmbeddingRandom);

/** ViT image encoder: patch embedding, absolute positions, windowed and global attention blocks
 *  with decomposed relative positions, and the convolutional neck. */
struct ImageEncoderViTImpl : torch::nn::Module
{
  explicit ImageEncoderViTImpl(const SamConfig::ImageEncoder & config);
  torch::Tensor forward(const torch::Tensor & image, SamTrace * trace = nullptr);
  SamConfig::ImageEncoder config;
  torch::Tensor           pos_embed;
  std::shared_ptr<torch::nn::Module> patch_embed; ///< holds "proj" (Conv2d), as the official PatchEmbed
  torch::nn::Conv2d       patch_embed_proj{ nullptr };
  torch::nn::ModuleList   blocks;
  torch::nn::Sequential   neck;
};
TORCH_MODULE(ImageEncoderViT);

/** Prompt encoder: random-Fourier positional encoding, point/box tokens, mask downscaling. */
struct PromptEncoderImpl : torch::nn::Module
{
  explicit PromptEncoderImpl(const SamConfig::PromptEncoder & config);
  /** points: B x N x 2 (x, y in the model input frame) with labels B x N (1 fg, 0 bg, -1 pad);
   *  boxes: B x 4 or B x 1 x 4 (x0, y0, x1, y1); masks: B x 1 x 4h x 4w. Any may be undefined.
   *  Returns (sparse B x T x C, dense B x C x h x w). */
  std::pair<torch::Tensor, torch::Tensor> forward(const torch::Tensor & points, const torch::Tensor & labels,
                                                  const torch::Tensor & boxes, const torch::Tensor & masks);
  torch::Tensor DenseImagePositionalEncoding(); ///< get_dense_pe(): 1 x C x h x w
  SamConfig::PromptEncoder config;
  torch::nn::ModuleList    point_embeddings;
  torch::nn::Embedding     not_a_point_embed{ nullptr }, no_mask_embed{ nullptr };
  torch::nn::Sequential    mask_downscaling;
  PositionEmbeddingRandom  pe_layer{ nullptr };
};
TORCH_MODULE(PromptEncoder);

/** Mask decoder: two-way transformer, output upscaling, hypernetwork MLPs and IoU head. */
struct MaskDecoderImpl : torch::nn::Module
{
  explicit MaskDecoderImpl(const SamConfig::MaskDecoder & config);
  /** Returns (masks B x M x 4h x 4w, iou B x M) for all M = multimask + 1 outputs. */
  std::pair<torch::Tensor, torch::Tensor> forward(const torch::Tensor & imageEmbeddings, const torch::Tensor & imagePE,
                                                  const torch::Tensor & sparse, const torch::Tensor & dense,
                                                  SamTrace * trace = nullptr);
  SamConfig::MaskDecoder config;
  TwoWayTransformer      transformer{ nullptr };
  torch::nn::Embedding   iou_token{ nullptr }, mask_tokens{ nullptr };
  torch::nn::Sequential  output_upscaling;
  torch::nn::ModuleList  output_hypernetworks_mlps;
  MLP                    iou_prediction_head{ nullptr };
};
TORCH_MODULE(MaskDecoder);

/** SAM: the three parts under their official names, so state dicts load by name. As a Segmenter
 *  it is MedSAM: prompted with a box (the whole input when none is given) or points. */
struct SamImpl : SegmenterImpl
{
  explicit SamImpl(const SamConfig & config);

  std::string              Architecture() const override { return "sam"; }
  Json                     ConfigJson() const override { return config.ToJson(); }
  int64_t                  InputSize() const override { return config.imageEncoder.imgSize; }
  int64_t                  OutputStride() const override { return 4; } ///< the decoder's low-resolution masks
  bool                     UsesPrompts() const override { return true; }
  std::vector<std::string> DefaultTrainableGroups() const override { return { "image_encoder", "mask_decoder" }; }
  torch::Tensor            Logits(const torch::Tensor & images, const SegmenterPrompts & prompts = {}) override;
  torch::Tensor            EncoderFeatures(const torch::Tensor & images) override { return image_encoder->forward(images); }

  SamConfig       config;
  ImageEncoderViT image_encoder{ nullptr };
  PromptEncoder   prompt_encoder{ nullptr };
  MaskDecoder     mask_decoder{ nullptr };

  /** MedSAM's decoding: multimask_output=False keeps mask/IoU 0. */
  std::pair<torch::Tensor, torch::Tensor> DecodeBoxes(const torch::Tensor & imageEmbeddings, const torch::Tensor & boxes,
                                                      SamTrace * trace = nullptr);
};
TORCH_MODULE(Sam);

/** SAM architectures by name. "vit_b": the official MedSAM ViT-B (1024 input, the paper's
 *  setting, for GPUs). "small": the same architecture shrunk for a 2-core CPU -- input 256, patch
 *  16, embedding 192, depth 4 (windowed blocks of 8 tokens, global attention in blocks 1 and 3),
 *  3 heads, neck/prompt/decoder width 128 with 4 decoder heads. `inputSize` > 0 replaces the
 *  preset's input size (a multiple of the patch size). Unknown names throw std::invalid_argument. */
SamConfig
SamPreset(const std::string & name, int64_t inputSize = 0);

/** The module's tensors in PyTorch state_dict order (own parameters, own buffers, then children
 *  in registration order), with their dotted names. */
StateDict
ModelStateDict(torch::nn::Module & module);

/** Strict loading: every missing key, unexpected key and shape mismatch is listed in the error. */
void
LoadStateDictStrict(torch::nn::Module & module, const StateDict & stateDict, const std::string & source);

/** LoadStateDictStrict for a module that is being loaded from a file, at the memory of one copy of
 *  its weights: the module's own initial values are released first (their names and shapes kept
 *  for the strict check), then `load` reads the state dict, whose tensors become the module's
 *  (copied only when another type or a view). For ViT-B, 360 MB less at the peak. On an error the
 *  module is left without weights; callers discard it. */
void
AdoptStateDictStrict(torch::nn::Module & module, const std::function<StateDict()> & load, const std::string & source);

} // namespace sinus

#endif
