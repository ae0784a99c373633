// SPDX-License-Identifier: Apache-2.0
// The Segmenter interface: any network can teach or learn. SAM and the U-Net side by side.
#include "sinus/ComputePrecision.h"
#include "sinus/ModelFile.h"
#include "sinus/SamModel.h"
#include "sinus/SegmenterRegistry.h"
#include "sinus/SegmenterTraining.h"
#include "sinus/SemiSupervisedPipeline.h"
#include "sinus/UNetSegmenter.h"
#include "sinusBFloat16Availability.h"
#include "sinusTestSupport.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

using namespace sinus;

namespace
{
SegmenterSpec
TinyUNet(int64_t inputSize, int64_t stride)
{
  UNetConfig c;
  c.inputSize = inputSize;
  c.baseChannels = 4;
  c.depth = 2;
  c.outputStride = stride;
  return SegmenterSpec{ "unet", c.ToJson() };
}

SegmentationSample
DiskSample(int index, bool labelled)
{
  Raster<double>  grey(40, 80);
  Raster<uint8_t> mask(40, 80);
  for (int64_t y = 0; y < 40; ++y)
    for (int64_t x = 0; x < 80; ++x)
    {
      const bool inside = std::hypot(x - 30.0 - 3 * index, y - 20.0) < 10 + index % 3;
      mask(y, x) = inside ? 1 : 0;
      grey(y, x) = (inside ? 200.0 : 50.0) + 10.0 * std::sin(x + index);
    }
  return MakeSegmentationSample("disk" + std::to_string(index), grey, labelled ? mask : Raster<uint8_t>(), 64, { 16, 64 });
}

/** Three labelled and three unlabelled disks with a small SAM teacher's logits (16 x 16) and
 *  pseudo-labels, for a student of 64 x 64 logits. */
struct DiskStudentData
{
  std::vector<SegmentationSample> labelled, unlabelled;
  StudentTargets                  targets;

  explicit DiskStudentData(uint64_t seed)
  {
    for (int i = 0; i < 3; ++i)
      labelled.push_back(DiskSample(i, true));
    for (int i = 3; i < 6; ++i)
      unlabelled.push_back(DiskSample(i, false));
    torch::manual_seed(seed);
    Segmenter teacher = BuildSegmenter(SegmenterSpec::Preset("small", 64));
    targets.labelledTeacherLogits = PredictSampleLogits(*teacher, labelled, 4, torch::kCPU);
    targets.unlabelledTeacherLogits = PredictSampleLogits(*teacher, unlabelled, 4, torch::kCPU);
    targets.pseudoLabels = (targets.unlabelledTeacherLogits > 0).to(torch::kFloat32);
  }
  SegmenterTrainingData Data() const { return { labelled, unlabelled, labelled, &targets }; }
};
} // namespace

TEST(Segmenter, UNetDeclaresItsGridAndGroups)
{
  torch::manual_seed(0);
  for (int64_t stride : { 1, 2, 4 })
  {
    Segmenter unet = BuildSegmenter(TinyUNet(64, stride));
    EXPECT_EQ(unet->Architecture(), "unet");
    EXPECT_EQ(unet->InputSize(), 64);
    EXPECT_EQ(unet->LogitSize(), 64 / stride);
    EXPECT_FALSE(unet->UsesPrompts());
    const torch::Tensor logits = unet->Logits(torch::rand({ 2, 3, 64, 64 }));
    EXPECT_EQ(logits.sizes(), (std::vector<int64_t>{ 2, 1, 64 / stride, 64 / stride })) << stride;
  }
  Segmenter unet = BuildSegmenter(TinyUNet(64, 1));
  EXPECT_EQ(unet->ParameterGroups(), (std::vector<std::string>{ "encoder", "decoder", "head" }));
  EXPECT_THROW(BuildSegmenter(TinyUNet(62, 1)), std::invalid_argument); // not a multiple of 2^depth
  EXPECT_THROW(BuildSegmenter(TinyUNet(64, 3)), std::invalid_argument); // not a power of two
  EXPECT_THROW(UNetConfig::FromJson(ParseJson(R"({"depthh": 3})")), std::exception);
}

TEST(Segmenter, SamIsOneImplementation)
{
  torch::manual_seed(0);
  Segmenter sam = BuildSegmenter(SegmenterSpec::Preset("small", 64));
  EXPECT_EQ(sam->Architecture(), "sam");
  EXPECT_EQ(sam->LogitSize(), 16);
  EXPECT_TRUE(sam->UsesPrompts());
  EXPECT_EQ(sam->ParameterGroups(), (std::vector<std::string>{ "image_encoder", "prompt_encoder", "mask_decoder" }));
  // The default trainable groups are the paper's; the prompt encoder stays frozen.
  const auto trainable = SelectTrainableGroups(*sam, {});
  int64_t    frozen = 0;
  for (const auto & p : sam->named_parameters())
    frozen += (p.key().rfind("prompt_encoder.", 0) == 0 && !p.value().requires_grad()) ? 1 : 0;
  EXPECT_GT(frozen, 0);
  EXPECT_FALSE(trainable.empty());
  try
  {
    SelectTrainableGroups(*sam, { "encoder" });
    FAIL() << "a U-Net group name accepted for SAM";
  }
  catch (const std::invalid_argument & e)
  {
    EXPECT_NE(std::string(e.what()).find("(known: image_encoder, prompt_encoder, mask_decoder)"), std::string::npos) << e.what();
  }
  // A bare SAM configuration (the format of older config files) is read as "sam".
  const SegmenterSpec bare = SegmenterSpec::FromJson(SamPreset("small", 64).ToJson());
  EXPECT_EQ(bare.architecture, "sam");
  EXPECT_EQ(bare.InputSize(), 64);
  EXPECT_EQ(SegmenterSpec::FromJson(bare.ToJson()).ToJson(), bare.ToJson());
  EXPECT_THROW(SegmenterSpec::Preset("resnet"), std::invalid_argument);
  EXPECT_THROW(SegmenterSpec::FromJson(ParseJson(R"({"architecture": "vgg", "config": {}})")), std::invalid_argument);
}

TEST(Segmenter, ModelFilesHoldAnyArchitecture)
{
  const std::string dir = ScratchDirectory("segmenter_files");
  torch::manual_seed(4);
  Segmenter unet = BuildSegmenter(TinyUNet(32, 2));
  unet->eval();
  Json metadata = Json::object();
  metadata["stage"] = "student";
  SaveSegmenterModel(dir + "/unet.sinusseg", *unet, metadata);
  Json            readMetadata;
  Segmenter       loaded = LoadSegmenterModel(dir + "/unet.sinusseg", &readMetadata);
  EXPECT_EQ(loaded->Architecture(), "unet");
  EXPECT_EQ(loaded->LogitSize(), 16);
  EXPECT_EQ(readMetadata.at("stage").get<std::string>(), "student");
  torch::NoGradGuard  noGrad;
  const torch::Tensor x = torch::rand({ 1, 3, 32, 32 });
  EXPECT_TRUE(torch::equal(unet->Logits(x), loaded->Logits(x)));
  // A SAM-only reader names what the file holds.
  try
  {
    LoadSamModel(dir + "/unet.sinusseg");
    FAIL() << "a U-Net read as SAM";
  }
  catch (const std::exception & e)
  {
    EXPECT_NE(std::string(e.what()).find("holds a 'unet' model"), std::string::npos) << e.what();
  }
}

TEST(Segmenter, ResampleSquareKeepsOrResizes)
{
  const torch::Tensor x = torch::rand({ 2, 1, 16, 16 });
  EXPECT_TRUE(ResampleSquare(x, 16).is_same(x));
  const torch::Tensor up = ResampleSquare(x, 64);
  EXPECT_EQ(up.sizes(), (std::vector<int64_t>{ 2, 1, 64, 64 }));
  EXPECT_NEAR(up.mean().item<double>(), x.mean().item<double>(), 1e-3);
}

TEST(Segmenter, UNetStudentLearnsFromSamTeacherOnAnotherGrid)
{
  // The teacher's logits are 16 x 16, the student's 64 x 64: KD resamples them to the student's grid.
  const DiskStudentData disks(1);
  ASSERT_EQ(disks.targets.labelledTeacherLogits.size(-1), 16);
  Segmenter                student = BuildSegmenter(TinyUNet(64, 1));
  SegmenterTrainingOptions options;
  options.epochs = 2;
  options.batchSize = 2;
  options.learningRate = 1e-3;
  const std::vector<SegmentationSample> none;
  const auto log = TrainSegmenter(*student, disks.Data(), options, { "student", "", "" }, false, torch::kCPU);
  ASSERT_EQ(log.size(), 2u);
  EXPECT_GT(log[0].distillationRaw, 0.0);
  EXPECT_GT(log[0].meanWeight, 0.0);
  EXPECT_TRUE(std::isfinite(log[1].total));
  EXPECT_GE(log[1].validationDice, 0.0);
  // Labels on the student's grid are required: samples prepared for the teacher alone are refused.
  std::vector<SegmentationSample> teacherOnly{ MakeSegmentationSample("x", Raster<double>(40, 80, 1), Raster<uint8_t>(40, 80, 1), 64, { 16 }) };
  EXPECT_THROW(TrainSegmenter(*student, { teacherOnly, none, none }, options, { "student", "", "" }, false, torch::kCPU), SegmenterTrainingError);
}

/** The message of the SegmenterTrainingError that `train` throws, or "" when it throws none. */
template <typename Train>
std::string
TrainingErrorOf(Train train)
{
  try
  {
    train();
  }
  catch (const SegmenterTrainingError & e)
  {
    return e.what();
  }
  return "";
}

TEST(Segmenter, UNetStudentTrainsOnPatchesAndPredictsWholeInputs)
{
  const DiskStudentData    disks(2);
  Segmenter                student = BuildSegmenter(TinyUNet(64, 1));
  SegmenterTrainingOptions options;
  options.epochs = 2;
  options.batchSize = 2;
  options.learningRate = 1e-3;
  options.patchSize = 32;
  const SegmenterTrainingData data = disks.Data();
  const auto                  log = TrainSegmenter(*student, data, options, { "student", "", "" }, false, torch::kCPU);
  ASSERT_EQ(log.size(), 2u);
  EXPECT_TRUE(std::isfinite(log[1].total));
  EXPECT_GT(log[0].distillationRaw, 0.0); // teacher and student logits were cut from the same windows
  EXPECT_GE(log[1].validationDice, 0.0);  // validated on whole inputs
  EXPECT_EQ(PredictSampleLogits(*student, disks.labelled, 4, torch::kCPU).sizes(), (std::vector<int64_t>{ 3, 1, 64, 64 }));
  EXPECT_EQ(SegmenterTrainingOptions::FromJson(options.ToJson(), {}).patchSize, 32);

  // Patches as large as the input, off the network's side multiple (4 for two poolings), or for a
  // network that takes one input size only are refused, naming patch_size.
  const auto errorWithPatch = [&](SegmenterImpl & network, int64_t patch) {
    SegmenterTrainingOptions o = options;
    o.patchSize = patch;
    return TrainingErrorOf([&] { TrainSegmenter(network, data, o, { "student", "", "" }, false, torch::kCPU); });
  };
  EXPECT_NE(errorWithPatch(*student, 64).find("patch_size 64"), std::string::npos);
  EXPECT_NE(errorWithPatch(*student, 30).find("multiple of 4"), std::string::npos);
  Segmenter sam = BuildSegmenter(SegmenterSpec::Preset("small", 64));
  EXPECT_NE(errorWithPatch(*sam, 32).find("takes only its 64-pixel input"), std::string::npos);
}

TEST(Segmenter, TrainsInBFloat16AsAnOptionCloseToFloat32)
{
  if (const std::string why = BFloat16Unavailable(); !why.empty())
    GTEST_SKIP() << why;
  // The same student, the same data and draws, trained in fp32 and under bf16 autocast: bf16 really
  // computes (the weights end up different), the losses stay within a few per cent, the weights
  // and AdamW's state stay float32, and autocast is off again afterwards.
  const DiskStudentData disks(4);
  const auto            train = [&](ComputePrecision precision, const std::string & method) {
    torch::manual_seed(7);
    Segmenter                student = BuildSegmenter(TinyUNet(64, 1));
    SegmenterTrainingOptions options;
    options.epochs = 2;
    options.batchSize = 2;
    options.learningRate = 1e-3;
    options.precision = precision;
    options.semiSupervised = method;
    const auto log = TrainSegmenter(*student, disks.Data(), options, { "student", "", "" }, false, torch::kCPU);
    return std::make_pair(student, log);
  };
  const auto [fp32, fp32Log] = train(ComputePrecision::Float32, "paper");
  const auto [bf16, bf16Log] = train(ComputePrecision::BFloat16, "paper");
  EXPECT_FALSE(CpuAutocastEnabled());
  ASSERT_EQ(bf16Log.size(), 2u);
  double apart = 0;
  const auto reference = fp32->named_parameters();
  for (const auto & item : bf16->named_parameters())
  {
    EXPECT_EQ(item.value().scalar_type(), torch::kFloat32) << item.key();
    apart = std::max(apart, (item.value() - reference[item.key()]).abs().max().item<double>());
  }
  EXPECT_GT(apart, 0.0); // bf16 was used
  for (size_t e = 0; e < 2; ++e)
  {
    EXPECT_NEAR(bf16Log[e].supervised, fp32Log[e].supervised, 0.05 * fp32Log[e].supervised) << "epoch " << e + 1;
    EXPECT_NEAR(bf16Log[e].validationDice, fp32Log[e].validationDice, 0.05) << "epoch " << e + 1;
  }
  // An online method's forward passes (here Mean Teacher's two networks) run in bf16 too.
  const auto [meanTeacher, meanTeacherLog] = train(ComputePrecision::BFloat16, "mean_teacher");
  EXPECT_TRUE(std::isfinite(meanTeacherLog.back().total));
  EXPECT_FALSE(CpuAutocastEnabled());

  // The option travels through the training JSON; unknown names and bf16 on a GPU are refused.
  SegmenterTrainingOptions options;
  EXPECT_FALSE(options.ToJson().contains("precision")); // fp32 runs keep their earlier settings
  options.precision = ComputePrecision::BFloat16;
  EXPECT_EQ(SegmenterTrainingOptions::FromJson(options.ToJson(), {}).precision, ComputePrecision::BFloat16);
  try
  {
    SegmenterTrainingOptions::FromJson(Json{ { "precision", "fp16" } }, {});
    ADD_FAILURE() << "fp16 accepted";
  }
  catch (const std::invalid_argument & e)
  {
    EXPECT_NE(std::string(e.what()).find("'precision': unknown precision 'fp16'"), std::string::npos) << e.what();
  }
  Segmenter  network = BuildSegmenter(TinyUNet(64, 1));
  const auto onGpu = TrainingErrorOf([&] { TrainSegmenter(*network, disks.Data(), options, { "student", "", "" }, false, torch::Device("cuda")); });
  EXPECT_NE(onGpu.find("precision bf16 trains through the CPU's autocast"), std::string::npos) << onGpu;
}

TEST(Segmenter, PipelineWithAUNetStudent)
{
  SemiSupervisedData data;
  for (int i = 0; i < 3; ++i)
    data.labelled.push_back(DiskSample(i, true));
  for (int i = 3; i < 5; ++i)
    data.unlabelled.push_back(DiskSample(i, false));
  data.test.push_back(DiskSample(6, true));
  Json json = ParseJson(R"({"preset": "small", "input_size": 64, "refinement": "off",
                            "teacher": {"epochs": 1, "batch_size": 2}, "student": {"epochs": 1, "batch_size": 2}})");
  json["student_model"] = TinyUNet(64, 1).ToJson();
  const SemiSupervisedConfig config = SemiSupervisedConfig::FromJson(json);
  EXPECT_TRUE(config.student.trainableParts.empty()); // SAM's part names do not apply to the U-Net
  EXPECT_EQ(config.LabelGrids(), (std::vector<int64_t>{ 16, 64 }));
  PipelineRunOptions options;
  options.outputDirectory = ScratchDirectory("unet_student") + "/run";
  const PipelineResult result = RunSemiSupervisedPipeline(data, config, options);
  ASSERT_EQ(result.summaries.size(), 2u);
  EXPECT_EQ(result.summaries[1].model, "student");
  EXPECT_EQ(LoadSegmenterModel(options.outputDirectory + "/student.sinusseg")->Architecture(), "unet");
  EXPECT_EQ(LoadSegmenterModel(options.outputDirectory + "/teacher.sinusseg")->Architecture(), "sam");
}
