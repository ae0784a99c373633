// SPDX-License-Identifier: Apache-2.0
// The paper's Table 1 segmenters: shapes, model files, sizes against the paper, the operation
// counter against hand counts, nnU-Net's plan, deep supervision and the poly schedule.
#include "sinus/ComputePrecision.h"
#include "sinus/NnUNetPlan.h"
#include "sinus/OperationCounter.h"
#include "sinus/PaperTableOne.h"
#include "sinus/PipelineConfig.h"
#include "sinus/SegmenterInference.h"
#include "sinus/SegmenterRegistry.h"
#include "sinus/TableOnePlan.h"
#include "sinus/UNetSegmenter.h"
#include "sinusBFloat16Availability.h"
#include "sinusTestSupport.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace sinus;

namespace
{
/** An architecture's CPU preset at a small input, so that every test stays fast. */
Segmenter
SmallNetwork(const std::string & name, int64_t inputSize = 64)
{
  torch::manual_seed(3);
  return BuildSegmenter(SegmenterSpec::ForArchitecture(name, "cpu", inputSize));
}
} // namespace

TEST(Architectures, EveryTableOneNetworkSegmentsAtItsDeclaredGrid)
{
  for (const std::string & name : TableOneArchitectures())
  {
    Segmenter net = SmallNetwork(name);
    net->eval();
    torch::NoGradGuard  noGrad;
    const torch::Tensor logits = net->Logits(torch::rand({ 2, 3, 64, 64 }));
    EXPECT_EQ(logits.sizes(), (std::vector<int64_t>{ 2, 1, net->LogitSize(), net->LogitSize() })) << name;
    EXPECT_TRUE(torch::isfinite(logits).all().item<bool>()) << name;
    // Full-resolution logits, except SAM/MedSAM, whose mask decoder works at stride 4.
    EXPECT_EQ(net->OutputStride(), name == "medsam" ? 4 : 1) << name;
  }
}

TEST(Architectures, EveryTableOneNetworkPredictsInBFloat16CloseToFloat32)
{
  if (const std::string why = BFloat16Unavailable(); !why.empty())
    GTEST_SKIP() << why;
  // LibTorch's CPU autocast in every network (its norms in float32, ComputePrecision.cxx):
  // float32 logits of the same shape, probabilities near the float32 ones.
  for (const std::string & name : TableOneArchitectures())
  {
    Segmenter net = SmallNetwork(name);
    net->eval();
    torch::NoGradGuard  noGrad;
    const torch::Tensor x = torch::rand({ 1, 3, 64, 64 });
    const torch::Tensor reference = torch::sigmoid(NetworkLogits(*net, x, false));
    torch::Tensor       bf16;
    {
      const PrecisionScope scope(ComputePrecision::BFloat16);
      bf16 = NetworkLogits(*net, x, true);
    }
    ASSERT_EQ(bf16.scalar_type(), torch::kFloat32) << name;
    ASSERT_EQ(bf16.sizes(), reference.sizes()) << name;
    const torch::Tensor mirrored = torch::sigmoid(NetworkLogits(*net, x, true));
    const double        worst = (torch::sigmoid(bf16) - mirrored).abs().max().item<double>();
    std::cout << name << ": bf16 against fp32, max |probability difference| " << worst << std::endl;
    EXPECT_LE(worst, 0.02) << name; // measured on the AMD EPYC (avx512_bf16): 4e-4 to 5.6e-3
  }
}

TEST(Architectures, EveryNetworkRoundTripsThroughAModelFile)
{
  const std::string dir = ScratchDirectory("architectures_files");
  for (const std::string & name : TableOneArchitectures())
  {
    Segmenter net = SmallNetwork(name);
    net->eval();
    SaveSegmenterModel(dir + "/" + name + ".sinusseg", *net);
    Segmenter           loaded = LoadSegmenterModel(dir + "/" + name + ".sinusseg");
    torch::NoGradGuard  noGrad;
    const torch::Tensor x = torch::rand({ 1, 3, 64, 64 });
    EXPECT_TRUE(torch::equal(net->Logits(x), loaded->Logits(x))) << name;
  }
}

TEST(Architectures, PaperPresetsHaveThePapersParameterCounts)
{
  // Built at 256 (parameters do not depend on the input, except the ViTs' position embeddings,
  // which are counted at 1024 by model-info; here they are compared at their own size).
  const auto millions = [](const std::string & name, int64_t input) {
    Segmenter net = BuildSegmenter(SegmenterSpec::ForArchitecture(name, "paper", input));
    return static_cast<double>(CountParameters(*net)) / 1e6;
  };
  EXPECT_NEAR(millions("unet", 256), FindPaperTableOneRow("unet")->parametersMillions, 0.005);
  EXPECT_NEAR(millions("deeplabv3plus", 256), FindPaperTableOneRow("deeplabv3plus")->parametersMillions, 0.005);
}

TEST(Architectures, CounterMatchesAHandCountOfAUNet)
{
  // depth 1, base 2, input 8, bilinear: encoder 3->2, 2->2 at 8x8; 2->4, 4->4 at 4x4;
  // decoder (4+2)->2, 2->2 at 8x8; head 2->1 (1x1) at 8x8. Multiply-adds = pixels x Cout x Cin x 9.
  UNetConfig c;
  c.inputSize = 8;
  c.baseChannels = 2;
  c.depth = 1;
  Segmenter            net = BuildSegmenter(SegmenterSpec{ "unet", c.ToJson() });
  const OperationCount count = CountSegmenterOperations(*net);
  const int64_t        expected = 64 * (2 * 3 * 9 + 2 * 2 * 9) + 16 * (4 * 2 * 9 + 4 * 4 * 9) + 64 * (2 * 6 * 9 + 2 * 2 * 9) + 64 * 2;
  EXPECT_EQ(count.convolutions, expected);
  EXPECT_EQ(count.matrixProducts, 0);
}

TEST(Architectures, CounterSeesAttentionProducts)
{
  // UNETR's ViT at 64 pixels: 16 tokens; per block qkv (16 x 192 x 576), attention scores and
  // values (3 heads x 16 x 16 x 64, twice), projection (16 x 192 x 192), MLP (16 x 192 x 768, twice).
  Segmenter            net = SmallNetwork("unetr");
  const OperationCount count = CountSegmenterOperations(*net);
  const int64_t        perBlock = 16 * 192 * 576 + 2 * 3 * 16 * 16 * 64 + 16 * 192 * 192 + 2 * 16 * 192 * 768;
  EXPECT_EQ(count.matrixProducts, 4 * perBlock);
  EXPECT_GT(count.convolutions, 0);
}

TEST(Architectures, NnUNetPlanFollowsTheFingerprint)
{
  // UFBA-425's 30 labelled 512 x 512 radiographs under the CPU budget.
  const NnUNetPlan cpu = PlanNnUNet(DatasetFingerprint{ 30, 512, 512 }, NnUNetPlanLimits::Cpu());
  EXPECT_EQ(cpu.network.inputSize, 256);
  EXPECT_EQ(cpu.network.stageChannels, (std::vector<int64_t>{ 16, 32, 64, 128, 256, 256, 256 })); // down to 4 pixels
  EXPECT_EQ(cpu.training.batchSize, 6); // 5 % of 30 images of 512^2 = 6 inputs of 256^2 (the budget allows 48)
  EXPECT_EQ(cpu.training.learningRateSchedule, "poly");
  EXPECT_TRUE(cpu.training.augmentation.horizontalFlip);
  // The paper budget on large images: 1024 input, 8 stages capped at 512 channels.
  const NnUNetPlan paper = PlanNnUNet(DatasetFingerprint{ 1000, 1435, 2943 }, NnUNetPlanLimits::Paper());
  EXPECT_EQ(paper.network.inputSize, 1024);
  EXPECT_EQ(paper.network.stageChannels, (std::vector<int64_t>{ 32, 64, 128, 256, 512, 512, 512, 512 }));
  EXPECT_EQ(paper.training.batchSize, 3); // 12 x 512^2 / 1024^2
  EXPECT_THROW(PlanNnUNet(DatasetFingerprint{}, NnUNetPlanLimits::Cpu()), std::invalid_argument);
}

TEST(Architectures, NnUNetDeeplySupervisesOnlyWhileTraining)
{
  Segmenter net = SmallNetwork("nnunet");
  net->train();
  net->Logits(torch::rand({ 1, 3, 64, 64 }));
  const std::vector<torch::Tensor> auxiliary = net->AuxiliaryLogits();
  ASSERT_FALSE(auxiliary.empty());
  EXPECT_EQ(auxiliary.front().size(-1), 32); // finest first, half the input
  net->eval();
  net->Logits(torch::rand({ 1, 3, 64, 64 }));
  EXPECT_TRUE(net->AuxiliaryLogits().empty());
}

TEST(Architectures, PolyScheduleDecaysToNearZero)
{
  SegmenterTrainingOptions o;
  o.learningRate = 1e-2;
  o.epochs = 10;
  EXPECT_DOUBLE_EQ(o.LearningRateAt(1), 1e-2); // constant by default
  o.learningRateSchedule = "poly";
  EXPECT_DOUBLE_EQ(o.LearningRateAt(1), 1e-2);
  EXPECT_NEAR(o.LearningRateAt(10), 1e-2 * std::pow(0.1, 0.9), 1e-12);
  EXPECT_LT(o.LearningRateAt(6), o.LearningRateAt(5));
  o.learningRateSchedule = "cosine";
  EXPECT_THROW(o.Validate(), std::invalid_argument);
}

TEST(Architectures, TableOnePlanSharesTheMethodsTeacher)
{
  SemiSupervisedConfig base = SemiSupervisedConfig::Preset("radiograph");
  base.refinement = RefinementMode::Postprocessing;
  base.testTimeMirror = !base.testTimeMirror;
  const DatasetFingerprint   fingerprint{ 30, 512, 512 };
  const TableOnePlan         plan = PlanTableOne(base, { "ours", "nnunet", "unet" }, "cpu", &fingerprint);
  ASSERT_EQ(plan.rows.size(), 3u);
  EXPECT_EQ(plan.rows[0].name, "unet"); // the paper's order, whatever the order asked
  EXPECT_EQ(plan.rows[1].name, "nnunet");
  EXPECT_EQ(plan.rows[1].run.config.teacherModel.architecture, "nnunet");
  EXPECT_EQ(plan.rows[1].run.config.teacher.learningRateSchedule, "poly");
  EXPECT_EQ(plan.rows[1].run.config.teacher.epochs, base.teacher.epochs); // the same budget for every row
  EXPECT_TRUE(plan.rows[1].run.teacherOnly);
  // The method's refinement is the method's; a supervised baseline refines nothing.
  EXPECT_EQ(plan.rows[1].run.config.refinement, RefinementMode::Off);
  EXPECT_EQ(plan.rows[2].run.config.refinement, RefinementMode::Postprocessing);
  EXPECT_TRUE(plan.rows[2].method);
  EXPECT_EQ(plan.rows[2].run.teacherFrom, "unet"); // the method's own supervised baseline
  // Every row is evaluated the same way: test-time mirroring as the base configuration says.
  for (const auto & row : plan.rows)
    EXPECT_EQ(row.run.config.testTimeMirror, base.testTimeMirror) << row.name;
  EXPECT_THROW(PlanTableOne(base, { "resnet" }, "cpu", &fingerprint), std::invalid_argument);
  EXPECT_THROW(PlanTableOne(base, { "nnunet" }, "cpu", nullptr), std::invalid_argument);
}

TEST(Architectures, TableOnePlanAddsTheSemiSupervisedMethodsWithTheMethodsTeacher)
{
  const SemiSupervisedConfig base = SemiSupervisedConfig::Preset("radiograph");
  const DatasetFingerprint   fingerprint{ 30, 512, 512 };
  const TableOnePlan plan = PlanTableOne(base, { "unimatch", "cps", "mean_teacher", "self_training", "ours", "unet" }, "cpu", &fingerprint);
  ASSERT_EQ(plan.rows.size(), 6u);
  const std::vector<std::string> order{ "unet", "ours", "self_training", "mean_teacher", "cps", "unimatch" };
  for (size_t i = 0; i < order.size(); ++i)
    EXPECT_EQ(plan.rows[i].name, order[i]);
  for (size_t i = 1; i < plan.rows.size(); ++i)
  {
    const TableOneRow & row = plan.rows[i];
    EXPECT_TRUE(row.method) << row.name;
    EXPECT_EQ(row.run.teacherFrom, "unet") << row.name; // one teacher for every method row
    // Same student network and budget as the paper's method.
    EXPECT_EQ(row.run.config.student.epochs, base.student.epochs) << row.name;
    EXPECT_EQ(row.run.config.studentModel.ToJson(), base.studentModel.ToJson()) << row.name;
    EXPECT_EQ(row.reported.ToJson(), base.studentModel.ToJson()) << row.name;
  }
  EXPECT_EQ(plan.rows[1].run.config.student.semiSupervised, "paper");
  EXPECT_EQ(plan.rows[2].run.config.student.semiSupervised, "paper");
  EXPECT_EQ(plan.rows[2].run.config.student.distillation, DistillationMode::Off);
  EXPECT_EQ(plan.rows[2].run.config.refinement, RefinementMode::Off);
  EXPECT_EQ(plan.rows[3].run.config.student.semiSupervised, "mean_teacher");
  EXPECT_EQ(plan.rows[4].run.config.student.semiSupervised, "cps");
  EXPECT_EQ(plan.rows[5].run.config.student.semiSupervised, "unimatch");
  EXPECT_EQ(plan.rows[5].label, "UniMatch (unet teacher, unet student)");
  // Without the supervised row, the methods share the paper's method's teacher; alone, a method trains its own.
  const TableOnePlan methods = PlanTableOne(base, { "ours", "cps" }, "cpu", &fingerprint);
  EXPECT_EQ(methods.rows[0].run.teacherFrom, "");
  EXPECT_EQ(methods.rows[1].run.teacherFrom, "ours");
  EXPECT_EQ(PlanTableOne(base, { "cps" }, "cpu", &fingerprint).rows[0].run.teacherFrom, "");
  // The setting itself: written only when not the paper's, and checked.
  Json student = base.student.ToJson();
  EXPECT_FALSE(student.contains("semi_supervised"));
  student["semi_supervised"] = "cps";
  EXPECT_EQ(SegmenterTrainingOptions::FromJson(student, base.student).semiSupervised, "cps");
  EXPECT_EQ(SegmenterTrainingOptions::FromJson(student, base.student).ToJson().at("semi_supervised"), "cps");
  student["semi_supervised"] = "fixmatch";
  EXPECT_THROW(SegmenterTrainingOptions::FromJson(student, base.student), std::invalid_argument);
}

TEST(Architectures, UnknownNamesAndBadConfigurationsAreClearErrors)
{
  EXPECT_THROW(SegmenterSpec::ForArchitecture("resnet"), std::invalid_argument);
  EXPECT_THROW(SegmenterSpec::ForArchitecture("unet", "huge"), std::invalid_argument);
  EXPECT_THROW(SegmenterSpec::ForArchitecture("unetr", "cpu", 40), std::invalid_argument); // not a multiple of 16
  Json bad = SegmenterSpec::ForArchitecture("transunet").config;
  bad["heads"] = 5; // 192 is not a multiple of 5
  EXPECT_THROW(BuildSegmenter(SegmenterSpec{ "transunet", bad }), std::invalid_argument);
}
