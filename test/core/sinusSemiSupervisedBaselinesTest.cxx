// SPDX-License-Identifier: Apache-2.0
// The objectives of the semi-supervised methods users compare with (Mean Teacher, CPS, UniMatch)
// against values worked out by hand.
#include "sinus/ConsistencyRampUp.h"
#include "sinus/CrossPseudoSupervision.h"
#include "sinus/Losses.h"
#include "sinus/MeanTeacher.h"
#include "sinus/SegmenterRegistry.h"
#include "sinus/StrongPerturbation.h"
#include "sinus/UniMatchObjective.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace sinus;

TEST(SemiSupervisedBaselines, SigmoidRampUpAndConsistencyWeight)
{
  EXPECT_NEAR(SigmoidRampUp(0, 200), std::exp(-5.0), 1e-12);
  EXPECT_NEAR(SigmoidRampUp(100, 200), std::exp(-1.25), 1e-12); // phase 1/2: exp(-5/4)
  EXPECT_EQ(SigmoidRampUp(200, 200), 1.0);
  EXPECT_EQ(SigmoidRampUp(500, 200), 1.0);
  EXPECT_EQ(SigmoidRampUp(-3, 200), std::exp(-5.0));
  EXPECT_EQ(SigmoidRampUp(7, 0), 1.0);
  // 300 steps, warm-up 1/30 (10 steps), ramp over the whole run, maximum 0.1.
  EXPECT_EQ(ConsistencyWeight(0.1, 9, 300, 1.0, 1.0 / 30), 0.0);
  EXPECT_NEAR(ConsistencyWeight(0.1, 10, 300, 1.0, 1.0 / 30), 0.1 * std::exp(-5.0 * (290.0 / 300) * (290.0 / 300)), 1e-15);
  EXPECT_NEAR(ConsistencyWeight(0.1, 150, 300, 1.0, 1.0 / 30), 0.1 * std::exp(-1.25), 1e-15);
  EXPECT_NEAR(ConsistencyWeight(0.1, 299, 300, 1.0, 0), 0.1 * std::exp(-5.0 / 300 / 300), 1e-15);
}

TEST(SemiSupervisedBaselines, MeanTeacherUpdateRule)
{
  // The true average first (decay 0, 1/2, 2/3, ...), then the fixed decay.
  EXPECT_EQ(MeanTeacherDecay(0.99, 0), 0.0);
  EXPECT_EQ(MeanTeacherDecay(0.99, 1), 0.5);
  EXPECT_NEAR(MeanTeacherDecay(0.99, 2), 2.0 / 3, 1e-15);
  EXPECT_EQ(MeanTeacherDecay(0.99, 99), 0.99);
  EXPECT_EQ(MeanTeacherDecay(0.99, 5000), 0.99);

  torch::nn::Sequential teacher(torch::nn::Linear(2, 1), torch::nn::BatchNorm1d(1));
  torch::nn::Sequential student(torch::nn::Linear(2, 1), torch::nn::BatchNorm1d(1));
  {
    torch::NoGradGuard noGrad;
    auto t = teacher->named_parameters(), s = student->named_parameters();
    t["0.weight"].copy_(torch::tensor({ { 1.0f, 2.0f } }));
    t["0.bias"].fill_(0.0f);
    s["0.weight"].copy_(torch::tensor({ { 3.0f, 6.0f } }));
    s["0.bias"].fill_(1.0f);
    student->named_buffers()["1.running_mean"].fill_(0.25f);
  }
  UpdateMeanTeacher(*teacher, *student, 0.5); // 0.5 * teacher + 0.5 * student
  auto t = teacher->named_parameters();
  EXPECT_TRUE(torch::allclose(t["0.weight"], torch::tensor({ { 2.0f, 4.0f } })));
  EXPECT_FLOAT_EQ(t["0.bias"].item<float>(), 0.5f);
  // BatchNorm's affine parameters: both 1 and 0 from construction, so unchanged; its running mean copied.
  EXPECT_FLOAT_EQ(teacher->named_buffers()["1.running_mean"].item<float>(), 0.25f);
  UpdateMeanTeacher(*teacher, *student, 0.75); // 0.75 * 2 + 0.25 * 3
  EXPECT_FLOAT_EQ(teacher->named_parameters()["0.weight"][0][0].item<float>(), 2.25f);
  EXPECT_FALSE(teacher->named_parameters()["0.weight"].requires_grad() && teacher->named_parameters()["0.weight"].grad().defined());

  torch::nn::Sequential other(torch::nn::Linear(3, 1), torch::nn::BatchNorm1d(1));
  EXPECT_THROW(UpdateMeanTeacher(*teacher, *other, 0.5), std::invalid_argument);
}

TEST(SemiSupervisedBaselines, MeanTeacherConsistencyAndNoise)
{
  // Student p = 1/2 on two pixels, teacher 3/4 and 1/4: squared differences 1/16 each.
  const torch::Tensor student = torch::zeros({ 1, 1, 1, 2 }).requires_grad_(true);
  const torch::Tensor teacher = torch::tensor({ std::log(3.0f), -std::log(3.0f) }).reshape({ 1, 1, 1, 2 }).requires_grad_(true);
  const torch::Tensor loss = ProbabilityConsistencyLoss(student, teacher);
  EXPECT_NEAR(loss.item<double>(), 0.0625, 1e-7);
  loss.backward();
  // d/dz of mean (p - q)^2 = 2 (p - q) p (1 - p) / 2 = (p - q) / 4 at p = 1/2.
  EXPECT_TRUE(torch::allclose(student.grad(), torch::tensor({ -0.0625f, 0.0625f }).reshape({ 1, 1, 1, 2 }), 1e-6, 1e-7));
  EXPECT_FALSE(teacher.grad().defined()); // the teacher is not taught

  const torch::Tensor images = torch::full({ 4, 1, 64, 64 }, 0.5f);
  const torch::Tensor a = AddClampedGaussianNoise(images, 0.1, 0.2, 7), b = AddClampedGaussianNoise(images, 0.1, 0.2, 7);
  EXPECT_TRUE(torch::equal(a, b));
  EXPECT_FALSE(torch::equal(a, AddClampedGaussianNoise(images, 0.1, 0.2, 8)));
  const torch::Tensor noise = a - images;
  EXPECT_LE(noise.abs().max().item<double>(), 0.2 + 1e-6);
  EXPECT_NEAR(noise.mean().item<double>(), 0.0, 0.01);
  // A normal of sd 0.1 clipped at 2 sd (the tails set to +-0.2) has a standard deviation of 0.0959.
  EXPECT_NEAR(noise.std().item<double>(), 0.0959, 0.002);
}

TEST(SemiSupervisedBaselines, CrossPseudoSupervisionTargetsAreTheOtherNetworksArgMax)
{
  const torch::Tensor first = torch::tensor({ 2.0f, -1.0f, 0.5f, -3.0f }).reshape({ 1, 1, 2, 2 }).requires_grad_(true);
  const torch::Tensor second = torch::tensor({ 1.0f, 1.0f, -2.0f, -1.0f }).reshape({ 1, 1, 2, 2 }).requires_grad_(true);
  const CrossPseudoSupervisionTerms terms = CrossPseudoSupervisionLoss(first, second);
  // first learns (1, 1, 0, 0): softplus(-2), softplus(1), softplus(0.5), softplus(-3);
  // second learns (1, 0, 1, 0): softplus(-1), softplus(1), softplus(2), softplus(-1).
  const auto sp = [](double x) { return std::log1p(std::exp(x)); };
  EXPECT_NEAR(terms.first.item<double>(), (sp(-2) + sp(1) + sp(0.5) + sp(-3)) / 4, 1e-6);
  EXPECT_NEAR(terms.second.item<double>(), (sp(-1) + sp(1) + sp(2) + sp(-1)) / 4, 1e-6);
  EXPECT_NEAR(terms.first.item<double>(), 0.6157135085787611, 1e-6);
  // Each term teaches only its own network: the pseudo-labels carry no gradient.
  terms.first.backward();
  EXPECT_TRUE(first.grad().defined());
  EXPECT_FALSE(second.grad().defined());
  EXPECT_THROW(CrossPseudoSupervisionLoss(first, torch::zeros({ 1, 1, 2, 3 })), std::invalid_argument);
}

TEST(SemiSupervisedBaselines, CutMixBoxesMasksAndPaste)
{
  PortableRandom never(1), always(1);
  EXPECT_TRUE(DrawCutMixBox(256, never, 0.0).Empty());
  for (int i = 0; i < 200; ++i)
  {
    const CutMixBox box = DrawCutMixBox(256, always, 1.0);
    ASSERT_FALSE(box.Empty());
    EXPECT_LE(box.left + box.width, 256);
    EXPECT_LE(box.top + box.height, 256);
    // Area at most 0.4 of the input (floors only shrink it), aspect within [0.3, 1 / 0.3] up to the floors.
    EXPECT_LE(box.width * box.height, 0.4 * 256 * 256);
    EXPECT_GE(box.width * box.height, 0.02 * 256 * 256 * 0.8);
    const double aspect = static_cast<double>(box.height) / static_cast<double>(box.width);
    EXPECT_GT(aspect, 0.3 * 0.8);
    EXPECT_LT(aspect, 1 / 0.3 / 0.8);
  }
  PortableRandom a(5), b(5);
  const CutMixBox first = DrawCutMixBox(256, a), second = DrawCutMixBox(256, b);
  EXPECT_EQ(first.top, second.top);
  EXPECT_EQ(first.width, second.width);

  // Rows 2..5, columns 4..5 of an 8 x 8 input; on a 4 x 4 grid (centres at 1, 3, 5, 7) rows 1..2, column 2.
  const CutMixBox box{ 2, 4, 4, 2 };
  const torch::Tensor fine = CutMixMasks({ box, CutMixBox{} }, 8, 8), coarse = CutMixMasks({ box }, 8, 4);
  EXPECT_EQ(fine.sum().item<double>(), 8.0);
  EXPECT_EQ(fine[1].sum().item<double>(), 0.0);
  EXPECT_EQ(fine.index({ 0, 0, 2, 4 }).item<double>(), 1.0);
  EXPECT_EQ(fine.index({ 0, 0, 6, 4 }).item<double>(), 0.0);
  EXPECT_EQ(coarse.sum().item<double>(), 2.0);
  EXPECT_EQ(coarse.index({ 0, 0, 1, 2 }).item<double>(), 1.0);
  EXPECT_EQ(coarse.index({ 0, 0, 2, 2 }).item<double>(), 1.0);
  const torch::Tensor mixed = PasteCutMix(torch::zeros({ 2, 3, 8, 8 }), torch::ones({ 2, 3, 8, 8 }), fine);
  EXPECT_EQ(mixed.sum().item<double>(), 8.0 * 3);
  EXPECT_THROW(PasteCutMix(torch::zeros({ 2, 3, 8, 8 }), torch::ones({ 2, 3, 8, 8 }), coarse), std::invalid_argument);
}

TEST(SemiSupervisedBaselines, StrongIntensityPerturbationByHand)
{
  // Two pixels 0.2 and 0.8. Brightness 1.5 then contrast 0.5: (0.3, 1.2 -> 1), mean 0.65, so
  // (0.475, 0.825). Contrast first: mean 0.5 gives (0.35, 0.65), then (0.525, 0.975).
  const torch::Tensor image = torch::tensor({ 0.2f, 0.8f }).reshape({ 1, 1, 2 });
  StrongIntensityDraw draw;
  draw.jitter = true;
  draw.brightness = 1.5;
  draw.contrast = 0.5;
  EXPECT_TRUE(torch::allclose(ApplyStrongIntensity(image, draw), torch::tensor({ 0.475f, 0.825f }).reshape({ 1, 1, 2 })));
  draw.brightnessFirst = false;
  EXPECT_TRUE(torch::allclose(ApplyStrongIntensity(image, draw), torch::tensor({ 0.525f, 0.975f }).reshape({ 1, 1, 2 })));

  // Blur of sd 1: a constant image stays constant (border repeated); an impulse keeps its sum and
  // its centre becomes k0^2, k0 = 1 / sum_{-3..3} exp(-i^2 / 2).
  StrongIntensityDraw blur;
  blur.blurSigma = 1.0;
  const torch::Tensor flat = torch::full({ 3, 9, 9 }, 0.3f);
  EXPECT_TRUE(torch::allclose(ApplyStrongIntensity(flat, blur), flat));
  torch::Tensor impulse = torch::zeros({ 1, 15, 15 });
  impulse.index_put_({ 0, 7, 7 }, 1.0f);
  const torch::Tensor blurred = ApplyStrongIntensity(impulse, blur);
  EXPECT_NEAR(blurred.sum().item<double>(), 1.0, 1e-5);
  EXPECT_NEAR(blurred.index({ 0, 7, 7 }).item<double>(), 0.15924112569070245, 1e-6);

  // Drawn as UniMatch does: jitter 80 %, blur 50 % of the time.
  PortableRandom random(3);
  int jitters = 0, blurs = 0;
  for (int i = 0; i < 10000; ++i)
  {
    const StrongIntensityDraw d = DrawStrongIntensity(random);
    jitters += d.jitter;
    blurs += d.blurSigma > 0;
    ASSERT_TRUE(d.blurSigma == 0 || (d.blurSigma >= 0.1 && d.blurSigma < 2.0));
    ASSERT_TRUE(!d.jitter || (d.brightness >= 0.5 && d.brightness < 1.5 && d.contrast >= 0.5 && d.contrast < 1.5));
  }
  EXPECT_NEAR(jitters / 10000.0, 0.8, 0.02);
  EXPECT_NEAR(blurs / 10000.0, 0.5, 0.02);
}

TEST(SemiSupervisedBaselines, UniMatchConfidentDiceAndTotal)
{
  // p = 0.953, 0.047, 0.525, 0.018: labels (1, 0, 1, 0); the third pixel is under 0.95 confident.
  const torch::Tensor weak = torch::tensor({ 3.0f, -3.0f, 0.1f, -4.0f }).reshape({ 1, 1, 2, 2 });
  const WeakViewPseudoLabels pseudo = PseudoLabelsOfWeakView(weak, 0.95);
  EXPECT_TRUE(torch::equal(pseudo.labels, torch::tensor({ 1.0f, 0.0f, 1.0f, 0.0f }).reshape({ 1, 1, 2, 2 })));
  EXPECT_TRUE(torch::equal(pseudo.confident, torch::tensor({ 1.0f, 1.0f, 0.0f, 1.0f }).reshape({ 1, 1, 2, 2 })));
  // A prediction of 1/2 everywhere on the three confident pixels: foreground 1 - (2 * 0.5 + s) / (0.75 + 1 + s),
  // background 1 - (2 * 1 + s) / (0.75 + 2 + s); their mean.
  const torch::Tensor logits = torch::zeros({ 1, 1, 2, 2 }).requires_grad_(true);
  const torch::Tensor loss = ConfidentDiceLoss(logits, pseudo);
  EXPECT_NEAR(loss.item<double>(), 0.3506476303005863, 1e-6);
  loss.backward();
  EXPECT_EQ(logits.grad().index({ 0, 0, 1, 0 }).item<double>(), 0.0); // the ignored pixel teaches nothing
  EXPECT_NE(logits.grad().index({ 0, 0, 0, 0 }).item<double>(), 0.0);
  // A confident and right prediction costs (almost) nothing.
  EXPECT_NEAR(ConfidentDiceLoss((pseudo.labels * 2 - 1) * 20, pseudo).item<double>(), 0.0, 1e-6);
  // (L_x + 0.25 L_s1 + 0.25 L_s2 + 0.5 L_fp) / 2.
  const auto scalar = [](double v) { return torch::tensor(v); };
  EXPECT_NEAR(UniMatchObjective(scalar(1), scalar(2), scalar(3), scalar(4), UniMatchSettings{}).item<double>(), 2.125, 1e-12);
}

TEST(SemiSupervisedBaselines, UniMatchFeaturePerturbationStream)
{
  // One encoder pass, two decodes: the clean logits are Logits' own, the perturbed ones differ, and
  // without dropout they are the same. Networks without an encoder-decoder split refuse.
  for (const std::string name : { "unet", "nnunet" })
  {
    torch::manual_seed(1);
    Segmenter net = BuildSegmenter(SegmenterSpec::ForArchitecture(name, "cpu", 64));
    ASSERT_TRUE(net->PerturbsFeatures()) << name;
    net->eval();
    torch::NoGradGuard  noGrad;
    const torch::Tensor images = torch::rand({ 2, 3, 64, 64 });
    const torch::Tensor plain = net->Logits(images);
    const auto [clean, perturbed] = net->LogitsWithPerturbedFeatures(images, 0.5);
    EXPECT_TRUE(torch::allclose(clean, plain, 1e-5, 1e-6)) << name;
    EXPECT_EQ(perturbed.sizes(), plain.sizes()) << name;
    EXPECT_GT((perturbed - plain).abs().max().item<double>(), 1e-3) << name;
    EXPECT_TRUE(torch::allclose(net->LogitsWithPerturbedFeatures(images, 0.0).second, plain, 1e-5, 1e-6)) << name;
  }
  // Deep supervision stays the clean pass's: nnU-Net in training mode.
  torch::manual_seed(2);
  Segmenter nnunet = BuildSegmenter(SegmenterSpec::ForArchitecture("nnunet", "cpu", 64));
  nnunet->train();
  const torch::Tensor images = torch::rand({ 1, 3, 64, 64 });
  nnunet->LogitsWithPerturbedFeatures(images, 0.5);
  const std::vector<torch::Tensor> withPerturbation = nnunet->AuxiliaryLogits();
  nnunet->Logits(images);
  const std::vector<torch::Tensor> plainAuxiliary = nnunet->AuxiliaryLogits();
  ASSERT_EQ(withPerturbation.size(), plainAuxiliary.size());
  ASSERT_FALSE(plainAuxiliary.empty());
  for (size_t i = 0; i < plainAuxiliary.size(); ++i)
    EXPECT_TRUE(torch::allclose(withPerturbation[i], plainAuxiliary[i], 1e-5, 1e-6));
  Segmenter transunet = BuildSegmenter(SegmenterSpec::ForArchitecture("transunet", "cpu", 64));
  EXPECT_FALSE(transunet->PerturbsFeatures());
  EXPECT_THROW(transunet->LogitsWithPerturbedFeatures(torch::rand({ 1, 3, 64, 64 }), 0.5), std::logic_error);
}

TEST(SemiSupervisedBaselines, EveryLossComputesInFloat32FromBFloat16Logits)
{
  // A network trained under a bf16 PrecisionScope hands its losses bf16 logits. Each loss must give
  // exactly what it gives for the same values in float32, as a float32 tensor, with the gradient
  // flowing back to the bf16 logits.
  torch::manual_seed(3);
  const torch::Tensor logits = (torch::randn({ 2, 1, 6, 6 }) * 3).to(torch::kBFloat16).requires_grad_(true);
  const torch::Tensor other = (torch::randn({ 2, 1, 6, 6 }) * 3).to(torch::kBFloat16);
  const torch::Tensor target = (torch::rand({ 2, 1, 6, 6 }) > 0.5).to(torch::kFloat32);
  const torch::Tensor asFloat = logits.detach().to(torch::kFloat32), otherFloat = other.to(torch::kFloat32);
  const WeakViewPseudoLabels pseudo = PseudoLabelsOfWeakView(other, 0.9);
  const WeakViewPseudoLabels pseudoFloat = PseudoLabelsOfWeakView(otherFloat, 0.9);
  EXPECT_TRUE(torch::equal(pseudo.labels, pseudoFloat.labels) && torch::equal(pseudo.confident, pseudoFloat.confident));
  const std::vector<std::pair<const char *, std::pair<torch::Tensor, torch::Tensor>>> pairs{
    { "supervised", { SupervisedLoss(logits, target), SupervisedLoss(asFloat, target) } },
    { "dice", { DiceLoss(logits, target), DiceLoss(asFloat, target) } },
    { "distillation", { KnowledgeDistillationPerImage(other, logits, 2.0), KnowledgeDistillationPerImage(otherFloat, asFloat, 2.0) } },
    { "unsupervised", { UnsupervisedLoss(logits, target), UnsupervisedLoss(asFloat, target) } },
    { "mean teacher", { ProbabilityConsistencyLoss(logits, other), ProbabilityConsistencyLoss(asFloat, otherFloat) } },
    { "cps", { CrossPseudoSupervisionLoss(logits, other).first, CrossPseudoSupervisionLoss(asFloat, otherFloat).first } },
    { "unimatch", { ConfidentDiceLoss(logits, pseudo), ConfidentDiceLoss(asFloat, pseudoFloat) } },
  };
  for (const auto & [name, values] : pairs)
  {
    SCOPED_TRACE(name);
    EXPECT_EQ(values.first.scalar_type(), torch::kFloat32);
    EXPECT_TRUE(torch::equal(values.first, values.second)) << values.first << " vs " << values.second;
  }
  SupervisedLoss(logits, target).backward();
  ASSERT_TRUE(logits.grad().defined());
  EXPECT_EQ(logits.grad().scalar_type(), torch::kBFloat16);
  EXPECT_GT(logits.grad().abs().sum().item<double>(), 0.0);
  EXPECT_TRUE(Float32Logits(asFloat).is_same(asFloat)); // float32 logits are not copied
}
