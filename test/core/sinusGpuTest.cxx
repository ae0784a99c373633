// SPDX-License-Identifier: Apache-2.0
// The core on a GPU: every Table-1 network predicts there as on the CPU; a segmenter trains there
// as on the CPU (augmentation draws its randomness on the CPU, so both runs see the same batches);
// masked pretraining lowers its loss there; the whole pipeline runs there and leaves model files
// that the CPU reads. Skipped where LibTorch sees no CUDA device (Debian's LibTorch, CI); run on a
// GPU machine against a CUDA LibTorch (Documentation/GPU.md).
#include "sinus/MaskedPretraining.h"
#include "sinus/ModelFile.h"
#include "sinus/SegmenterInference.h"
#include "sinus/SegmenterRegistry.h"
#include "sinus/SegmenterTraining.h"
#include "sinus/SemiSupervisedPipeline.h"
#include "sinusTestSupport.h"
#include "sinusTinyPipelineRun.h"

#include <gtest/gtest.h>
#include <torch/version.h>

#include <cmath>
#include <filesystem>

using namespace sinus;

namespace
{
const torch::Device gpu("cuda:0");

/** Probabilities of the same network on the CPU and on the GPU may differ by the GPU's TF32
 *  convolutions (a 10-bit mantissa, cuDNN's default) and its order of summation: this much. */
constexpr double probabilityTolerance = 0.02;

double
LargestProbabilityGap(const torch::Tensor & logitsA, const torch::Tensor & logitsB)
{
  return (torch::sigmoid(logitsA.to(torch::kCPU)) - torch::sigmoid(logitsB.to(torch::kCPU))).abs().max().item<double>();
}
} // namespace

/** Every test of this suite needs a GPU: skipped, saying why, where LibTorch sees none. */
class Gpu : public ::testing::Test
{
protected:
  void
  SetUp() override
  {
    if (!torch::cuda::is_available())
      GTEST_SKIP() << "no CUDA device visible to LibTorch " << TORCH_VERSION;
  }
};

TEST_F(Gpu, TrainingDeviceNamesTheGpusThereAre)
{
  EXPECT_TRUE(ParseTrainingDevice("cuda").is_cuda());
  EXPECT_EQ(ParseTrainingDevice("cuda:0"), gpu);
  const std::string missing = "cuda:" + std::to_string(torch::cuda::device_count());
  try
  {
    ParseTrainingDevice(missing);
    ADD_FAILURE() << missing << " accepted";
  }
  catch (const std::invalid_argument & e)
  {
    EXPECT_NE(std::string(e.what()).find(missing), std::string::npos) << e.what();
  }
}

TEST_F(Gpu, EveryTableOneNetworkPredictsOnTheGpuAsOnTheCpu)
{
  for (const std::string & name : TableOneArchitectures())
  {
    torch::manual_seed(3);
    Segmenter net = BuildSegmenter(SegmenterSpec::ForArchitecture(name, "cpu", 64));
    net->eval();
    torch::NoGradGuard  noGrad;
    const torch::Tensor x = torch::rand({ 2, 3, 64, 64 });
    const torch::Tensor onCpu = NetworkLogits(*net, x, /*mirrorAveraged=*/true);
    net->to(gpu);
    const torch::Tensor onGpu = NetworkLogits(*net, x.to(gpu), /*mirrorAveraged=*/true);
    EXPECT_TRUE(onGpu.is_cuda()) << name;
    EXPECT_LT(LargestProbabilityGap(onGpu, onCpu), probabilityTolerance) << name;
  }
}

TEST_F(Gpu, SegmenterTrainsOnTheGpuAsOnTheCpu)
{
  const SemiSupervisedData              data = TinyPipelineData();
  const std::vector<SegmentationSample> noUnlabelled;
  SegmenterTrainingOptions              options;
  options.epochs = 8;
  options.batchSize = 2;
  options.learningRate = 1e-3;
  const auto trainOn = [&](const torch::Device & device) {
    torch::manual_seed(5);
    Segmenter unet = BuildSegmenter(SegmenterSpec::ForArchitecture("unet", "cpu", 64));
    return TrainSegmenter(*unet, { data.labelled, noUnlabelled, data.validation }, options, { "teacher", "", "" }, false, device);
  };
  const auto onCpu = trainOn(torch::kCPU), onGpu = trainOn(gpu);
  ASSERT_EQ(onGpu.size(), 8u);
  // The first epoch starts from the same weights on the same batches: the same loss up to rounding.
  EXPECT_NEAR(onGpu.front().total, onCpu.front().total, 0.02 * onCpu.front().total);
  EXPECT_NEAR(onGpu.back().total, onCpu.back().total, 0.1 * onCpu.back().total);
  EXPECT_LT(onGpu.back().total, onGpu.front().total);
  EXPECT_NEAR(onGpu.back().validationDice, onCpu.back().validationDice, 0.05);
}

TEST_F(Gpu, MaskedPretrainingLowersItsLossOnTheGpu)
{
  std::vector<torch::Tensor> images;
  for (const SegmentationSample & sample : TinyPipelineData().unlabelled)
    images.push_back(sample.image);
  for (const std::string & name : { std::string("unet"), std::string("unetr") })
  {
    torch::manual_seed(3);
    Segmenter                network = BuildSegmenter(SegmenterSpec::ForArchitecture(name, "cpu", 64));
    MaskedPretrainingOptions options;
    options.epochs = 40;
    options.batchSize = 4;
    options.learningRate = 3e-3;
    MaskedPretrainer pretrainer(*network, options, gpu);
    const auto       log = pretrainer.Train(images, "", false);
    ASSERT_EQ(log.size(), 40u) << name;
    EXPECT_TRUE(std::isfinite(log.back().loss)) << name;
    EXPECT_LT(log.back().loss, 0.9 * log.front().loss) << name << ": " << log.front().loss << " -> " << log.back().loss;
  }
}

TEST_F(Gpu, WholePipelineRunsOnTheGpuAndItsModelFilesLoadOnTheCpu)
{
  const SemiSupervisedData   data = TinyPipelineData();
  const SemiSupervisedConfig config = TinyPipelineConfig();
  PipelineRunOptions         options;
  options.outputDirectory = ScratchDirectory("gpu_pipeline") + "/run";
  options.device = "cuda";
  const PipelineResult result = RunSemiSupervisedPipeline(data, config, options);
  ASSERT_EQ(result.summaries.size(), 2u);
  for (const EvaluatedCase & c : result.cases)
    EXPECT_TRUE(std::isfinite(c.metrics.dice)) << c.model << " " << c.name;

  // Every model file the GPU wrote loads on the CPU and predicts there as on the GPU.
  for (const char * model : { "teacher", "student" })
  {
    const std::string   path = options.outputDirectory + "/" + model + ".sinusseg";
    Segmenter           network = LoadSegmenterModel(path);
    const torch::Tensor onCpu = PredictSampleLogits(*network, data.test, 2, torch::kCPU);
    network->to(gpu);
    const torch::Tensor onGpu = PredictSampleLogits(*network, data.test, 2, gpu);
    EXPECT_LT(LargestProbabilityGap(onGpu, onCpu), probabilityTolerance) << path;
  }
  EXPECT_TRUE(std::filesystem::exists(options.outputDirectory + "/refiner.sinusseg"));

  // Resumed on the GPU, the finished run trains nothing again.
  PipelineRunOptions resume = options;
  resume.resume = true;
  bool trainedAgain = false;
  PipelineCallbacks callbacks;
  callbacks.onStageMessage = [&](PipelineStage, const std::string & m) { trainedAgain = trainedAgain || m.find("epoch") != std::string::npos; };
  RunSemiSupervisedPipeline(data, config, resume, callbacks);
  EXPECT_FALSE(trainedAgain);
}
