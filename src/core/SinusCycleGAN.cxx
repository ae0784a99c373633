// SPDX-License-Identifier: Apache-2.0
// SinusCycle-GAN (Park et al. 2026): CycleGAN's ResNet generators and 70x70 PatchGAN
// discriminators, plus two CBAM residual encoder-decoders that turn translated masks into
// corrected logits.
#include "sinus/SinusCycleGAN.h"

#include "sinus/ConfigurationCheck.h"
#include "sinus/TensorDictionary.h"

#include <cmath>
#include <cstring>

namespace sinus
{
namespace F = torch::nn::functional;
namespace nn = torch::nn;

// ------------------------------------------------------------------------------------------------
// Configuration
// ------------------------------------------------------------------------------------------------
RefinerConfig
RefinerConfig::Paper()
{
  return RefinerConfig{};
}

RefinerConfig
RefinerConfig::Small()
{
  RefinerConfig c;
  c.workingHeight = 64;
  c.workingWidth = 128;
  c.generatorFilters = 16;
  c.generatorBlocks = 4;
  c.discriminatorFilters = 16;
  c.correctionFilters = 16;
  return c;
}

RefinerConfig
RefinerConfig::FromJson(const Json & json, const RefinerConfig & defaults)
{
  RequireKnownKeys(json,
                   { "working_height", "working_width", "generator_filters", "generator_blocks", "discriminator_filters",
                     "discriminator_layers", "correction_filters", "correction_cbam", "cbam_reduction", "cbam_kernel" },
                   "refiner configuration");
  RefinerConfig c = defaults;
  const std::string where = "refiner configuration";
  ReadJsonField(json, "working_height", c.workingHeight, where);
  ReadJsonField(json, "working_width", c.workingWidth, where);
  ReadJsonField(json, "generator_filters", c.generatorFilters, where);
  ReadJsonField(json, "generator_blocks", c.generatorBlocks, where);
  ReadJsonField(json, "discriminator_filters", c.discriminatorFilters, where);
  ReadJsonField(json, "discriminator_layers", c.discriminatorLayers, where);
  ReadJsonField(json, "correction_filters", c.correctionFilters, where);
  ReadJsonField(json, "correction_cbam", c.correctionCbam, where);
  ReadJsonField(json, "cbam_reduction", c.cbamReduction, where);
  ReadJsonField(json, "cbam_kernel", c.cbamKernel, where);
  c.Validate();
  return c;
}

Json
RefinerConfig::ToJson() const
{
  Json j = Json::object();
  j["working_height"] = workingHeight;
  j["working_width"] = workingWidth;
  j["generator_filters"] = generatorFilters;
  j["generator_blocks"] = generatorBlocks;
  j["discriminator_filters"] = discriminatorFilters;
  j["discriminator_layers"] = discriminatorLayers;
  j["correction_filters"] = correctionFilters;
  j["correction_cbam"] = correctionCbam;
  j["cbam_reduction"] = cbamReduction;
  j["cbam_kernel"] = cbamKernel;
  return j;
}

void
RefinerConfig::Validate() const
{
  const ConfigurationCheck require("refiner configuration");
  // The correction network halves the grid four times and must come back to the same size.
  require(workingHeight >= 16 && workingHeight % 16 == 0, "working_height must be a positive multiple of 16");
  require(workingWidth >= 16 && workingWidth % 16 == 0, "working_width must be a positive multiple of 16");
  require(generatorFilters >= 1 && generatorBlocks >= 0, "generator_filters >= 1 and generator_blocks >= 0");
  require(discriminatorFilters >= 1 && discriminatorLayers >= 1, "discriminator_filters and discriminator_layers >= 1");
  require(correctionFilters >= 1, "correction_filters >= 1");
  require(cbamReduction >= 1 && cbamKernel >= 1 && cbamKernel % 2 == 1, "cbam_reduction >= 1 and an odd cbam_kernel");
  // PatchGAN: stride-2 stages, then two stride-1 4x4 convs; the grid must survive them.
  const int64_t smallest = std::min(workingHeight, workingWidth) >> discriminatorLayers;
  require(smallest >= 4, "the working grid is too small for " + std::to_string(discriminatorLayers) + " discriminator layers");
}

// ------------------------------------------------------------------------------------------------
// Generator and discriminator (CycleGAN, Zhu et al. 2017)
// ------------------------------------------------------------------------------------------------
namespace
{
nn::InstanceNorm2d
InstanceNorm(int64_t channels)
{
  return nn::InstanceNorm2d(nn::InstanceNorm2dOptions(channels).affine(false).track_running_stats(false));
}
} // namespace

GeneratorResidualBlockImpl::GeneratorResidualBlockImpl(int64_t channels)
{
  body = register_module("body", nn::Sequential(nn::ReflectionPad2d(1), nn::Conv2d(nn::Conv2dOptions(channels, channels, 3)),
                                                InstanceNorm(channels), nn::ReLU(true), nn::ReflectionPad2d(1),
                                                nn::Conv2d(nn::Conv2dOptions(channels, channels, 3)), InstanceNorm(channels)));
}

torch::Tensor
GeneratorResidualBlockImpl::forward(const torch::Tensor & x)
{
  return x + body->forward(x);
}

ResnetGeneratorImpl::ResnetGeneratorImpl(int64_t filters, int64_t blocks)
{
  nn::Sequential s;
  s->push_back(nn::ReflectionPad2d(3));
  s->push_back(nn::Conv2d(nn::Conv2dOptions(1, filters, 7)));
  s->push_back(InstanceNorm(filters));
  s->push_back(nn::ReLU(true));
  int64_t channels = filters;
  for (int i = 0; i < 2; ++i)
  {
    s->push_back(nn::Conv2d(nn::Conv2dOptions(channels, channels * 2, 3).stride(2).padding(1)));
    s->push_back(InstanceNorm(channels * 2));
    s->push_back(nn::ReLU(true));
    channels *= 2;
  }
  for (int64_t b = 0; b < blocks; ++b)
    s->push_back(GeneratorResidualBlock(channels));
  for (int i = 0; i < 2; ++i)
  {
    s->push_back(nn::ConvTranspose2d(nn::ConvTranspose2dOptions(channels, channels / 2, 3).stride(2).padding(1).output_padding(1)));
    s->push_back(InstanceNorm(channels / 2));
    s->push_back(nn::ReLU(true));
    channels /= 2;
  }
  s->push_back(nn::ReflectionPad2d(3));
  s->push_back(nn::Conv2d(nn::Conv2dOptions(channels, 1, 7)));
  s->push_back(nn::Tanh());
  model = register_module("model", s);
}

torch::Tensor
ResnetGeneratorImpl::forward(const torch::Tensor & x)
{
  return model->forward(x);
}

PatchDiscriminatorImpl::PatchDiscriminatorImpl(int64_t filters, int64_t layers)
{
  nn::Sequential s;
  const auto     leaky = [] { return nn::LeakyReLU(nn::LeakyReLUOptions().negative_slope(0.2).inplace(true)); };
  s->push_back(nn::Conv2d(nn::Conv2dOptions(1, filters, 4).stride(2).padding(1)));
  s->push_back(leaky());
  int64_t multiplier = 1;
  for (int64_t n = 1; n <= layers; ++n)
  {
    const int64_t previous = multiplier;
    multiplier = std::min<int64_t>(int64_t{ 1 } << n, 8);
    const int64_t stride = n < layers ? 2 : 1; // the last stage keeps the grid, as pix2pix's NLayerDiscriminator
    s->push_back(nn::Conv2d(nn::Conv2dOptions(filters * previous, filters * multiplier, 4).stride(stride).padding(1)));
    s->push_back(InstanceNorm(filters * multiplier));
    s->push_back(leaky());
  }
  s->push_back(nn::Conv2d(nn::Conv2dOptions(filters * multiplier, 1, 4).stride(1).padding(1)));
  model = register_module("model", s);
}

torch::Tensor
PatchDiscriminatorImpl::forward(const torch::Tensor & x)
{
  return model->forward(x);
}

// ------------------------------------------------------------------------------------------------
// CBAM (Woo et al. 2018) and the correction network
// ------------------------------------------------------------------------------------------------
ChannelAttentionImpl::ChannelAttentionImpl(int64_t channels, int64_t reduction)
{
  const int64_t hidden = std::max<int64_t>(1, channels / reduction);
  mlp = register_module("mlp", nn::Sequential(nn::Conv2d(nn::Conv2dOptions(channels, hidden, 1).bias(false)), nn::ReLU(true),
                                              nn::Conv2d(nn::Conv2dOptions(hidden, channels, 1).bias(false))));
}

torch::Tensor
ChannelAttentionImpl::forward(const torch::Tensor & x)
{
  const torch::Tensor average = mlp->forward(F::adaptive_avg_pool2d(x, F::AdaptiveAvgPool2dFuncOptions(1)));
  const torch::Tensor maximum = mlp->forward(F::adaptive_max_pool2d(x, F::AdaptiveMaxPool2dFuncOptions(1)));
  return x * torch::sigmoid(average + maximum);
}

SpatialAttentionImpl::SpatialAttentionImpl(int64_t kernel)
{
  conv = register_module("conv", nn::Conv2d(nn::Conv2dOptions(2, 1, kernel).padding(kernel / 2).bias(false)));
}

torch::Tensor
SpatialAttentionImpl::forward(const torch::Tensor & x)
{
  const torch::Tensor pooled = torch::cat({ x.mean(1, true), std::get<0>(x.max(1, true)) }, 1);
  return x * torch::sigmoid(conv->forward(pooled));
}

CbamImpl::CbamImpl(int64_t channels, int64_t reduction, int64_t kernel)
{
  channel = register_module("channel", ChannelAttention(channels, reduction));
  spatial = register_module("spatial", SpatialAttention(kernel));
}

torch::Tensor
CbamImpl::forward(const torch::Tensor & x)
{
  return spatial->forward(channel->forward(x));
}

CorrectionResidualUnitImpl::CorrectionResidualUnitImpl(int64_t in, int64_t out)
{
  body = register_module("body", nn::Sequential(nn::Conv2d(nn::Conv2dOptions(in, out, 3).padding(1)), InstanceNorm(out), nn::ReLU(true),
                                                nn::Conv2d(nn::Conv2dOptions(out, out, 3).padding(1)), InstanceNorm(out)));
  if (in != out)
    shortcut = register_module("shortcut", nn::Conv2d(nn::Conv2dOptions(in, out, 1)));
}

torch::Tensor
CorrectionResidualUnitImpl::forward(const torch::Tensor & x)
{
  return torch::relu(body->forward(x) + (shortcut ? shortcut->forward(x) : x));
}

CorrectionNetworkImpl::CorrectionNetworkImpl(int64_t filters, bool cbam, int64_t reduction, int64_t kernel)
  : useCbam(cbam)
{
  stem = register_module("stem", CorrectionResidualUnit(1, filters));
  // Channels per level: filters at full resolution, doubling at each of the 4 downsamplings.
  std::vector<int64_t> channels{ filters };
  for (int s = 0; s < kStages; ++s)
    channels.push_back(channels.back() * 2);
  for (int s = 0; s < kStages; ++s)
  {
    // Down stage s: stride-2 conv from level s to level s+1, then a residual unit.
    down->push_back(nn::Sequential(nn::Conv2d(nn::Conv2dOptions(channels[s], channels[s + 1], 3).stride(2).padding(1)),
                                   CorrectionResidualUnit(channels[s + 1], channels[s + 1])));
    if (useCbam && s + 1 < kStages) // the last down stage feeds the bottleneck, which has none
      downAttention->push_back(Cbam(channels[s + 1], reduction, kernel));
  }
  bottleneck = register_module("bottleneck", CorrectionResidualUnit(channels[kStages], channels[kStages]));
  for (int s = kStages; s > 0; --s)
  {
    // Up stage: transposed conv from level s to s-1, concatenate the skip, residual unit.
    upProject->push_back(nn::ConvTranspose2d(nn::ConvTranspose2dOptions(channels[s], channels[s - 1], 2).stride(2)));
    up->push_back(CorrectionResidualUnit(2 * channels[s - 1], channels[s - 1]));
    if (useCbam)
      upAttention->push_back(Cbam(channels[s - 1], reduction, kernel));
  }
  register_module("down", down);
  register_module("up_project", upProject);
  register_module("up", up);
  if (useCbam)
  {
    register_module("down_attention", downAttention);
    register_module("up_attention", upAttention);
  }
  head = register_module("head", nn::Conv2d(nn::Conv2dOptions(filters, 1, 1)));
}

torch::Tensor
CorrectionNetworkImpl::forward(const torch::Tensor & x)
{
  std::vector<torch::Tensor> skips;
  torch::Tensor              h = stem->forward(x);
  for (int s = 0; s < kStages; ++s)
  {
    skips.push_back(h);
    h = down[s]->as<nn::Sequential>()->forward(h);
    if (useCbam && s + 1 < kStages)
      h = downAttention[s]->as<Cbam>()->forward(h);
  }
  h = bottleneck->forward(h);
  for (int s = 0; s < kStages; ++s)
  {
    h = upProject[s]->as<nn::ConvTranspose2d>()->forward(h);
    h = up[s]->as<CorrectionResidualUnit>()->forward(torch::cat({ h, skips[kStages - 1 - s] }, 1));
    if (useCbam)
      h = upAttention[s]->as<Cbam>()->forward(h);
  }
  return head->forward(h);
}

SinusCycleGANImpl::SinusCycleGANImpl(const RefinerConfig & c)
  : config(c)
{
  config.Validate();
  G_AB = register_module("G_AB", ResnetGenerator(c.generatorFilters, c.generatorBlocks));
  G_BA = register_module("G_BA", ResnetGenerator(c.generatorFilters, c.generatorBlocks));
  D_A = register_module("D_A", PatchDiscriminator(c.discriminatorFilters, c.discriminatorLayers));
  D_B = register_module("D_B", PatchDiscriminator(c.discriminatorFilters, c.discriminatorLayers));
  C_B = register_module("C_B", CorrectionNetwork(c.correctionFilters, c.correctionCbam, c.cbamReduction, c.cbamKernel));
  C_A = register_module("C_A", CorrectionNetwork(c.correctionFilters, c.correctionCbam, c.cbamReduction, c.cbamKernel));
  // CycleGAN's initialisation for its own networks: conv weights ~ N(0, 0.02), biases 0. The
  // correction networks keep LibTorch's default (Kaiming-uniform) initialisation: with N(0, 0.02)
  // their deep residual/CBAM stack passed almost no signal, and L_corr stalled near ln 2.
  torch::NoGradGuard noGrad;
  for (torch::nn::Module * m : std::initializer_list<torch::nn::Module *>{ G_AB.get(), G_BA.get(), D_A.get(), D_B.get() })
  {
    for (auto & p : m->named_parameters())
    {
      if (p.key().find("weight") != std::string::npos)
        p.value().normal_(0.0, 0.02);
      else
        p.value().zero_();
    }
  }
}

torch::Tensor
SinusCycleGANImpl::RefineLogits(const torch::Tensor & teacherMasks)
{
  return C_B->forward(G_AB->forward(teacherMasks));
}

std::vector<torch::Tensor>
SinusCycleGANImpl::GeneratorAndCorrectionParameters()
{
  std::vector<torch::Tensor> p;
  for (nn::Module * m : std::initializer_list<nn::Module *>{ G_AB.get(), G_BA.get(), C_B.get(), C_A.get() })
    for (const auto & t : m->parameters())
      p.push_back(t);
  return p;
}

std::vector<torch::Tensor>
SinusCycleGANImpl::DiscriminatorParameters()
{
  std::vector<torch::Tensor> p = D_A->parameters();
  for (const auto & t : D_B->parameters())
    p.push_back(t);
  return p;
}

// ------------------------------------------------------------------------------------------------
// Inference
// ------------------------------------------------------------------------------------------------
torch::Tensor
ResizeMasksToWorkingGrid(const torch::Tensor & masks, int64_t height, int64_t width)
{
  if (masks.size(2) == height && masks.size(3) == width)
    return masks;
  if (masks.size(2) >= height && masks.size(3) >= width)
    return F::adaptive_avg_pool2d(masks, F::AdaptiveAvgPool2dFuncOptions({ height, width }));
  return F::interpolate(masks, F::InterpolateFuncOptions()
                                 .size(std::vector<int64_t>{ height, width })
                                 .mode(torch::kBilinear)
                                 .align_corners(false));
}

torch::Tensor
MaskToGeneratorRange(const torch::Tensor & masks)
{
  return masks * 2.0 - 1.0;
}

RefinedMask
RefineMask(SinusCycleGANImpl & model, const Raster<float> & teacherMask)
{
  if (teacherMask.channels != 1 || teacherMask.Empty())
    throw std::invalid_argument("refinement: expected a non-empty one-channel mask");
  for (float v : teacherMask.data)
  {
    if (!(v >= 0.0f && v <= 1.0f))
      throw std::invalid_argument("refinement: mask values must lie in [0, 1] (a probability map or a 0/1 label), found " +
                                  std::to_string(v));
  }
  torch::NoGradGuard  noGrad;
  const bool          wasTraining = model.is_training();
  model.eval();
  const torch::Tensor input = RasterToNCHW(teacherMask);
  const torch::Tensor working = ResizeMasksToWorkingGrid(input, model.config.workingHeight, model.config.workingWidth);
  torch::Tensor       probability = torch::sigmoid(model.RefineLogits(MaskToGeneratorRange(working)));
  model.train(wasTraining);
  probability = F::interpolate(probability, F::InterpolateFuncOptions()
                                              .size(std::vector<int64_t>{ teacherMask.height, teacherMask.width })
                                              .mode(torch::kBilinear)
                                              .align_corners(false))
                  .contiguous();
  RefinedMask result;
  result.probability = Raster<float>(teacherMask.height, teacherMask.width, 1);
  std::memcpy(result.probability.data.data(), probability.data_ptr<float>(), result.probability.data.size() * sizeof(float));
  result.mask = Raster<uint8_t>(teacherMask.height, teacherMask.width, 1);
  for (size_t i = 0; i < result.mask.data.size(); ++i)
    result.mask.data[i] = result.probability.data[i] > 0.5f ? 1 : 0;
  return result;
}

} // namespace sinus
