// SPDX-License-Identifier: Apache-2.0
// SinusCycle-GAN: architecture, CBAM, history pool, training with checkpoints and resume, NaN
// handling, model files, the noise model, and the evidence that refinement helps.
#include "sinus/MaskNoise.h"
#include "sinus/ModelFile.h"
#include "sinus/PanoramicPhantom.h"
#include "sinus/RefinerExperiment.h"
#include "sinus/RefinerTraining.h"
#include "sinus/SegmentationMetrics.h"
#include "sinus/StateDict.h"
#include "sinus/TensorDictionary.h"
#include "sinusTestSupport.h"

#include <gtest/gtest.h>

#include <filesystem>

using namespace sinus;
namespace fs = std::filesystem;

namespace
{
RefinerConfig
TinyConfig(bool cbam = true)
{
  RefinerConfig c;
  c.workingHeight = 16;
  c.workingWidth = 32;
  c.generatorFilters = 2;
  c.generatorBlocks = 1;
  c.discriminatorFilters = 2;
  c.discriminatorLayers = 1;
  c.correctionFilters = 2;
  c.correctionCbam = cbam;
  c.cbamReduction = 2;
  c.cbamKernel = 3;
  return c;
}

RefinerTrainingData
RandomBlobs(const RefinerConfig & c, int64_t n, uint64_t seed)
{
  torch::manual_seed(seed);
  const auto smooth = [&] {
    torch::Tensor noise = torch::rand({ n, 1, c.workingHeight / 4, c.workingWidth / 4 });
    return torch::nn::functional::interpolate(noise, torch::nn::functional::InterpolateFuncOptions()
                                                       .size(std::vector<int64_t>{ c.workingHeight, c.workingWidth })
                                                       .mode(torch::kBilinear)
                                                       .align_corners(false))
      .gt(0.5)
      .to(torch::kFloat32);
  };
  RefinerTrainingData d;
  d.pairedTruth = smooth();
  d.pairedTeacher = torch::clamp(d.pairedTruth + smooth() * 0.5, 0, 1);
  d.unpairedTeacher = smooth();
  return d;
}

int64_t
ParameterCount(torch::nn::Module & m)
{
  int64_t n = 0;
  for (const auto & p : m.parameters())
    n += p.numel();
  return n;
}

double
MaxDifference(torch::nn::Module & a, torch::nn::Module & b)
{
  const StateDict sa = ModelStateDict(a), sb = ModelStateDict(b);
  double          worst = 0;
  for (size_t i = 0; i < sa.size(); ++i)
    worst = std::max(worst, (sa[i].second - sb[i].second).abs().max().item<double>());
  return worst;
}
} // namespace

TEST(SinusCycleGAN, ConfigurationRoundTripAndValidation)
{
  const RefinerConfig small = RefinerConfig::Small();
  EXPECT_EQ(RefinerConfig::FromJson(small.ToJson()).ToJson(), small.ToJson());
  EXPECT_EQ(RefinerConfig::Paper().workingHeight, 256);
  EXPECT_EQ(RefinerConfig::Paper().generatorBlocks, 9);
  Json bad = small.ToJson();
  bad["working_hieght"] = 64;
  EXPECT_THROW(
    {
      try
      {
        RefinerConfig::FromJson(bad);
      }
      catch (const std::runtime_error & e)
      {
        EXPECT_NE(std::string(e.what()).find("unknown setting 'working_hieght'"), std::string::npos) << e.what();
        throw;
      }
    },
    std::runtime_error);
  Json odd = small.ToJson();
  odd["working_width"] = 100; // not a multiple of 16
  EXPECT_THROW(RefinerConfig::FromJson(odd), std::invalid_argument);
}

TEST(SinusCycleGAN, NetworkShapesAndCbamPlacement)
{
  torch::NoGradGuard  noGrad;
  RefinerConfig       c = RefinerConfig::Small();
  SinusCycleGAN       model(c);
  const torch::Tensor x = torch::rand({ 2, 1, c.workingHeight, c.workingWidth }) * 2 - 1;
  const torch::Tensor translated = model->G_AB->forward(x);
  EXPECT_EQ(translated.sizes(), x.sizes());
  EXPECT_LE(translated.abs().max().item<double>(), 1.0); // tanh
  // 70x70 PatchGAN on 64 x 128: three stride-2 4x4 convs (8 x 16), then two stride-1 4x4 convs.
  EXPECT_EQ(model->D_B->forward(x).sizes(), (std::vector<int64_t>{ 2, 1, 6, 14 }));
  EXPECT_EQ(model->C_B->forward(x).sizes(), x.sizes());
  // CBAM after the intermediate stages: 3 down (the 4th feeds the bottleneck) and 4 up.
  EXPECT_EQ(model->C_B->downAttention->size(), 3u);
  EXPECT_EQ(model->C_B->upAttention->size(), 4u);
  for (const auto & p : model->C_B->named_parameters())
  {
    EXPECT_EQ(p.key().find("stem") == 0 && p.key().find("attention") != std::string::npos, false) << p.key();
    EXPECT_EQ(p.key().find("bottleneck") == 0 && p.key().find("attention") != std::string::npos, false) << p.key();
  }
  c.correctionCbam = false;
  SinusCycleGAN plain(c);
  EXPECT_EQ(plain->C_B->downAttention->size(), 0u);
  EXPECT_LT(ParameterCount(*plain->C_B), ParameterCount(*model->C_B));
  EXPECT_EQ(plain->C_B->forward(x).sizes(), x.sizes());
}

TEST(SinusCycleGAN, CbamGatesAreSigmoidsOfSharedMlpAndSpatialConv)
{
  // With zero weights both gates are sigmoid(0) = 1/2, so CBAM multiplies by exactly 1/4.
  torch::NoGradGuard noGrad;
  Cbam               cbam(8, 2, 3);
  for (auto & p : cbam->parameters())
    p.zero_();
  const torch::Tensor x = torch::randn({ 1, 8, 5, 6 });
  EXPECT_TRUE(torch::allclose(cbam->forward(x), x * 0.25));
  // Channel attention sends the average- and the max-pooled vector through the same MLP and adds
  // the two outputs before the sigmoid.
  ChannelAttention channel(2, 2); // one hidden unit
  channel->mlp[0]->as<torch::nn::Conv2d>()->weight.copy_(torch::eye(1, 2).reshape({ 1, 2, 1, 1 }));
  channel->mlp[2]->as<torch::nn::Conv2d>()->weight.copy_(torch::ones({ 2, 1, 1, 1 }));
  torch::Tensor in = torch::zeros({ 1, 2, 2, 2 });
  in[0][0][0][0] = 4; // channel 0: average 1, maximum 4; the gate is sigmoid(relu(1) + relu(4))
  const torch::Tensor out = channel->forward(in);
  const double        gate = 1.0 / (1.0 + std::exp(-(1.0 + 4.0)));
  EXPECT_NEAR(out[0][0][0][0].item<double>(), 4 * gate, 1e-6);
}

TEST(SinusCycleGAN, HistoryPoolStoresUntilFullThenMixes)
{
  MaskHistoryPool pool(3);
  PortableRandom  random(5);
  const torch::Tensor first = torch::full({ 2, 1, 2, 2 }, 1.0f);
  EXPECT_TRUE(torch::equal(pool.Query(first, random), first));
  EXPECT_EQ(pool.Contents().size(0), 2);
  int fromHistory = 0;
  for (int round = 0; round < 20; ++round)
  {
    const torch::Tensor fresh = torch::full({ 2, 1, 2, 2 }, 2.0f + round);
    const torch::Tensor answer = pool.Query(fresh, random);
    for (int64_t i = 0; i < 2; ++i)
      fromHistory += answer[i][0][0][0].item<float>() != 2.0f + round;
    EXPECT_EQ(pool.Contents().size(0), 3);
  }
  EXPECT_GT(fromHistory, 5);  // about half of 39 after the pool filled
  EXPECT_LT(fromHistory, 34);
  MaskHistoryPool none(0);
  EXPECT_TRUE(torch::equal(none.Query(first, random), first));
}

TEST(SinusCycleGAN, ResumedTrainingEqualsUninterruptedTraining)
{
  const RefinerConfig    c = TinyConfig();
  RefinerTrainingData    data = RandomBlobs(c, 6, 1);
  RefinerTrainingOptions options;
  options.epochs = 3;
  options.batchSize = 4;
  options.learningRate = 1e-3;
  options.historyPoolSize = 3;
  const fs::path dir(ScratchDirectory("refiner-resume"));
  torch::manual_seed(0);
  SinusCycleGAN straight(c);
  const auto    log = TrainRefiner(straight, data, options, (dir / "straight.ckpt").string());
  ASSERT_EQ(log.size(), 3u);

  torch::manual_seed(0);
  SinusCycleGAN interrupted(c);
  options.epochs = 1; // "killed" after the first epoch
  TrainRefiner(interrupted, data, options, (dir / "resumed.ckpt").string());
  torch::manual_seed(123); // a fresh process: different initial weights, all replaced by the checkpoint
  SinusCycleGAN resumed(c);
  options.epochs = 3;
  const auto resumedLog = TrainRefiner(resumed, data, options, (dir / "resumed.ckpt").string(), true);
  ASSERT_EQ(resumedLog.size(), 3u);
  EXPECT_EQ(MaxDifference(*straight, *resumed), 0.0);
  EXPECT_EQ(resumedLog[2].total, log[2].total);
  // A checkpoint of other settings is refused, not silently mixed.
  options.cycleWeight = 5;
  EXPECT_THROW(TrainRefiner(resumed, data, options, (dir / "resumed.ckpt").string(), true), RefinerTrainingError);
}

TEST(SinusCycleGAN, NonFiniteLossStopsAndKeepsTheLastGoodCheckpoint)
{
  const RefinerConfig    c = TinyConfig();
  RefinerTrainingData    data = RandomBlobs(c, 4, 2);
  RefinerTrainingOptions options;
  options.epochs = 3;
  options.batchSize = 4;
  const fs::path checkpoint = fs::path(ScratchDirectory("refiner-nan")) / "run.ckpt";
  SinusCycleGAN  model(c);
  RefinerTrainingCallbacks callbacks;
  callbacks.onEpoch = [&](const std::vector<RefinerEpochRecord> & log) {
    if (log.size() == 1)
    {
      torch::NoGradGuard noGrad;
      model->C_B->head->bias.fill_(std::numeric_limits<float>::quiet_NaN());
    }
  };
  try
  {
    TrainRefiner(model, data, options, checkpoint.string(), false, callbacks);
    FAIL() << "a NaN loss must stop training";
  }
  catch (const RefinerTrainingError & e)
  {
    EXPECT_NE(std::string(e.what()).find("generator loss is nan at epoch 2, batch 1"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(checkpoint.string()), std::string::npos) << e.what();
  }
  SinusCycleGAN restored(c);
  options.epochs = 1; // the checkpoint holds epoch 1, so nothing is left to train
  const auto log = TrainRefiner(restored, data, options, checkpoint.string(), true);
  ASSERT_EQ(log.size(), 1u);
  for (const auto & p : restored->parameters())
    EXPECT_TRUE(torch::isfinite(p).all().item<bool>());
}

TEST(SinusCycleGAN, ModelFileRoundTripAndArchitectureCheck)
{
  const fs::path dir(ScratchDirectory("refiner-file"));
  SinusCycleGAN  model(TinyConfig(false));
  SaveRefinerModel((dir / "refiner.sinusseg").string(), *model);
  Json          metadata;
  SinusCycleGAN loaded = LoadRefinerModel((dir / "refiner.sinusseg").string(), &metadata);
  EXPECT_FALSE(loaded->config.correctionCbam);
  EXPECT_EQ(MaxDifference(*model, *loaded), 0.0);
  try
  {
    LoadSamModel((dir / "refiner.sinusseg").string());
    FAIL() << "a refiner file is not a MedSAM model";
  }
  catch (const CheckpointError & e)
  {
    EXPECT_NE(std::string(e.what()).find("holds a 'sinus-cyclegan' model, but a 'sam' model is needed"), std::string::npos) << e.what();
  }
}

TEST(SinusCycleGAN, RefineMaskKeepsTheGridAndRefusesValuesOutsideTheUnitInterval)
{
  SinusCycleGAN model(TinyConfig());
  Raster<float> mask(40, 70, 1, 0.0f);
  for (int64_t y = 10; y < 30; ++y)
    for (int64_t x = 20; x < 50; ++x)
      mask(y, x) = 1.0f;
  const RefinedMask refined = RefineMask(*model, mask);
  EXPECT_EQ(refined.probability.height, 40);
  EXPECT_EQ(refined.probability.width, 70);
  for (size_t i = 0; i < refined.mask.data.size(); ++i)
    ASSERT_EQ(refined.mask.data[i], refined.probability.data[i] > 0.5f ? 1 : 0);
  mask(0, 0) = 1.5f;
  EXPECT_THROW(RefineMask(*model, mask), std::invalid_argument);
  mask(0, 0) = std::numeric_limits<float>::quiet_NaN();
  EXPECT_THROW(RefineMask(*model, mask), std::invalid_argument);
}

TEST(MaskNoise, DeterministicAndProducesEachDocumentedError)
{
  PanoramicPhantomOptions o;
  o.width = 512;
  o.height = 256;
  o.seed = 3;
  Raster<uint8_t> clean = GeneratePanoramicPhantom(o).mask;
  for (auto & v : clean.data)
    v = v ? 1 : 0;
  const MaskNoiseOptions defaults;
  const Raster<uint8_t>  a = CorruptMask(clean, defaults, 11), b = CorruptMask(clean, defaults, 11), c = CorruptMask(clean, defaults, 12);
  EXPECT_EQ(a.data, b.data);
  EXPECT_NE(a.data, c.data);
  const MaskGrid grid{ { 512, 256 }, { 1.0, 1.0 } };
  const auto     metrics = ComputeSegmentationMetrics(a.data.data(), clean.data.data(), grid);
  EXPECT_GT(metrics.dice, 0.7);
  EXPECT_LT(metrics.dice, 0.995);
  const auto count = [](const Raster<uint8_t> & m) {
    int64_t n = 0;
    for (auto v : m.data)
      n += v;
    return n;
  };
  // Each error alone: dilation grows the mask, erosion shrinks it, specks add pixels outside,
  // holes remove pixels inside, a missed part removes pixels.
  MaskNoiseOptions none;
  none.boundaryJitter = 0, none.offsetMin = none.offsetMax = 0, none.holesMax = 0, none.specksMax = 0;
  none.missedPartProbability = 0, none.bulgeProbability = 0;
  EXPECT_EQ(CorruptMask(clean, none, 1).data, clean.data);
  MaskNoiseOptions grow = none;
  grow.offsetMin = grow.offsetMax = 0.01;
  EXPECT_GT(count(CorruptMask(clean, grow, 1)), count(clean));
  MaskNoiseOptions shrink = none;
  shrink.offsetMin = shrink.offsetMax = -0.01;
  EXPECT_LT(count(CorruptMask(clean, shrink, 1)), count(clean));
  MaskNoiseOptions cut = none;
  cut.missedPartProbability = 1;
  EXPECT_LT(count(CorruptMask(clean, cut, 1)), count(clean));
  MaskNoiseOptions holes = none;
  holes.holesMax = 8;
  MaskNoiseOptions specks = none;
  specks.specksMax = 8;
  int64_t holeSeeds = 0, speckSeeds = 0;
  for (uint64_t s = 0; s < 5; ++s)
  {
    holeSeeds += count(CorruptMask(clean, holes, s)) < count(clean);
    speckSeeds += count(CorruptMask(clean, specks, s)) > count(clean);
  }
  EXPECT_GE(holeSeeds, 3);
  EXPECT_GE(speckSeeds, 3);
  EXPECT_EQ(MaskNoiseOptions::FromJson(defaults.ToJson()).ToJson(), defaults.ToJson());
}

TEST(SinusCycleGAN, RefinementImprovesHeldOutCorruptedMasks)
{
  // The small fixed run of Documentation/Refinement.md (`RefinerBenchmark`, CBAM row): 24 labelled
  // pairs and 24 unlabelled corrupted phantom masks at 256 x 128, working grid 128 x 64, 20 epochs;
  // 16 held-out corrupted masks must improve in mean Dice and mean HD95.
  const RefinerExperimentResult r = RunRefinerExperiment(RefinerExperimentOptions::CpuEvidenceRun());
  std::cout << "Dice " << r.diceBefore << " -> " << r.diceAfter << ", HD95 " << r.hd95Before << " -> " << r.hd95After << " px, "
            << r.trainingSeconds << " s" << std::endl;
  ASSERT_EQ(r.cases, 16);
  EXPECT_GT(r.diceAfter, r.diceBefore);
  EXPECT_LT(r.hd95After, r.hd95Before);
}
