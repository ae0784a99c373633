// SPDX-License-Identifier: Apache-2.0
#ifndef sinus_SinusCycleGAN_h
#define sinus_SinusCycleGAN_h

#include "sinus/Json.h"
#include "sinus/Raster.h"

#include <torch/torch.h>

namespace sinus
{

/** Every hyper-parameter of SinusCycle-GAN (Park et al. 2026, section "pseudo-label refinement").
 *  Domain A = teacher masks, domain B = ground-truth masks, both one channel in [-1, 1]. */
struct RefinerConfig
{
  int64_t workingHeight = 256; ///< masks are resized to this grid and back; multiple of 16
  int64_t workingWidth = 256;
  int64_t generatorFilters = 64;     ///< ngf of CycleGAN's ResNet generator
  int64_t generatorBlocks = 9;       ///< residual blocks between down- and upsampling
  int64_t discriminatorFilters = 64; ///< ndf of the 70x70 PatchGAN
  int64_t discriminatorLayers = 3;   ///< 3 = the 70x70 receptive field
  int64_t correctionFilters = 32;    ///< channels of the correction network's first stage (doubles per stage)
  bool    correctionCbam = true;     ///< false = the paper's "w.o. CBAM" ablation
  int64_t cbamReduction = 16;        ///< channel-attention MLP reduction
  int64_t cbamKernel = 7;            ///< spatial-attention kernel

  /** The paper's setting (256 x 256, ngf 64, 9 blocks): for GPUs. */
  static RefinerConfig Paper();
  /** A CPU-sized setting: 64 high x 128 wide (panoramic 1:2), ngf 16, 4 blocks, ndf 16, 16 correction
   *  filters. */
  static RefinerConfig Small();
  static RefinerConfig FromJson(const Json & json, const RefinerConfig & defaults = Paper());
  Json                 ToJson() const;
  void                 Validate() const; ///< throws std::invalid_argument naming the setting
};

/** Residual block of CycleGAN's generator: reflection pad, 3x3 conv, instance norm, ReLU, twice
 *  (no ReLU after the second norm), plus the input. */
struct GeneratorResidualBlockImpl : torch::nn::Module
{
  explicit GeneratorResidualBlockImpl(int64_t channels);
  torch::Tensor          forward(const torch::Tensor & x);
  torch::nn::Sequential  body{ nullptr };
};
TORCH_MODULE(GeneratorResidualBlock);

/** CycleGAN's ResNet generator: 7x7 stem with reflection padding, two stride-2 3x3 downsamplings,
 *  residual blocks, two transposed-conv upsamplings, 7x7 head, tanh. Instance norm without affine
 *  parameters (CycleGAN's default), so the generator holds only convolution weights. */
struct ResnetGeneratorImpl : torch::nn::Module
{
  ResnetGeneratorImpl(int64_t filters, int64_t blocks);
  torch::Tensor         forward(const torch::Tensor & x); ///< N x 1 x H x W in [-1, 1] -> same
  torch::nn::Sequential model{ nullptr };
};
TORCH_MODULE(ResnetGenerator);

/** The 70x70 PatchGAN discriminator: 4x4 convs, stride 2 for `layers` stages then stride 1, leaky
 *  ReLU 0.2, instance norm after all but the first conv; one raw score per patch (LSGAN). */
struct PatchDiscriminatorImpl : torch::nn::Module
{
  PatchDiscriminatorImpl(int64_t filters, int64_t layers);
  torch::Tensor         forward(const torch::Tensor & x);
  torch::nn::Sequential model{ nullptr };
};
TORCH_MODULE(PatchDiscriminator);

/** CBAM channel attention: a shared two-layer MLP (reduction r) on the average- and max-pooled
 *  features, summed, sigmoid, times the input. */
struct ChannelAttentionImpl : torch::nn::Module
{
  ChannelAttentionImpl(int64_t channels, int64_t reduction);
  torch::Tensor         forward(const torch::Tensor & x);
  torch::nn::Sequential mlp{ nullptr };
};
TORCH_MODULE(ChannelAttention);

/** CBAM spatial attention: channel-wise mean and max, a k x k conv to one map, sigmoid, times the
 *  input. */
struct SpatialAttentionImpl : torch::nn::Module
{
  explicit SpatialAttentionImpl(int64_t kernel);
  torch::Tensor     forward(const torch::Tensor & x);
  torch::nn::Conv2d conv{ nullptr };
};
TORCH_MODULE(SpatialAttention);

/** Convolutional block attention module (Woo et al. 2018): channel, then spatial attention. */
struct CbamImpl : torch::nn::Module
{
  CbamImpl(int64_t channels, int64_t reduction, int64_t kernel);
  torch::Tensor    forward(const torch::Tensor & x);
  ChannelAttention channel{ nullptr };
  SpatialAttention spatial{ nullptr };
};
TORCH_MODULE(Cbam);

/** Residual unit of the correction network: two 3x3 conv + batch-free (instance) norm + ReLU, with
 *  a 1x1 projection on the shortcut when the channel count changes. */
struct CorrectionResidualUnitImpl : torch::nn::Module
{
  CorrectionResidualUnitImpl(int64_t in, int64_t out);
  torch::Tensor         forward(const torch::Tensor & x);
  torch::nn::Sequential body{ nullptr };
  torch::nn::Conv2d     shortcut{ nullptr }; ///< null when in == out
};
TORCH_MODULE(CorrectionResidualUnit);

/** Correction network C_B / C_A: a residual encoder-decoder with 4 downsampling and 4 upsampling
 *  stages and skip connections. The input layer (stem) and the bottleneck carry no attention; every
 *  intermediate down and up stage ends in CBAM (unless disabled). Outputs logits. */
struct CorrectionNetworkImpl : torch::nn::Module
{
  CorrectionNetworkImpl(int64_t filters, bool cbam, int64_t reduction, int64_t kernel);
  torch::Tensor forward(const torch::Tensor & x); ///< N x 1 x H x W (H, W multiples of 16) -> logits

  static constexpr int  kStages = 4;
  CorrectionResidualUnit stem{ nullptr };
  torch::nn::ModuleList  down, downAttention, up, upAttention, upProject;
  CorrectionResidualUnit bottleneck{ nullptr };
  torch::nn::Conv2d      head{ nullptr };
  bool                   useCbam;
};
TORCH_MODULE(CorrectionNetwork);

/** The six networks of SinusCycle-GAN under their paper names. */
struct SinusCycleGANImpl : torch::nn::Module
{
  explicit SinusCycleGANImpl(const RefinerConfig & config);
  RefinerConfig      config;
  ResnetGenerator    G_AB{ nullptr }, G_BA{ nullptr };
  PatchDiscriminator D_A{ nullptr }, D_B{ nullptr };
  CorrectionNetwork  C_B{ nullptr }, C_A{ nullptr };

  /** The refined pseudo-label's logits, C_B(G_AB(y_hat)); input in [-1, 1] at the working grid. */
  torch::Tensor RefineLogits(const torch::Tensor & teacherMasks);
  std::vector<torch::Tensor> GeneratorAndCorrectionParameters();
  std::vector<torch::Tensor> DiscriminatorParameters();
};
TORCH_MODULE(SinusCycleGAN);

/** Masks (probabilities or 0/1 labels, in [0, 1]) to the working grid: area averaging when
 *  shrinking, bilinear (align_corners=False) when enlarging. N x 1 x h x w in, N x 1 x H x W out. */
torch::Tensor
ResizeMasksToWorkingGrid(const torch::Tensor & masks, int64_t height, int64_t width);

/** [0, 1] -> [-1, 1], the generators' range. */
torch::Tensor
MaskToGeneratorRange(const torch::Tensor & masks);

struct RefinedMask
{
  Raster<float>   probability; ///< on the input's grid
  Raster<uint8_t> mask;        ///< probability > 0.5, 0/1
};

/** Refines one teacher mask (values in [0, 1]: a probability map or a 0/1 label) on its own grid:
 *  to the working grid, C_B(G_AB(.)), sigmoid, bilinear back, > 0.5. Throws std::invalid_argument
 *  for values outside [0, 1] or NaN. */
RefinedMask
RefineMask(SinusCycleGANImpl & model, const Raster<float> & teacherMask);

} // namespace sinus

#endif
