// SPDX-License-Identifier: Apache-2.0
// The loss terms of the paper against values worked out by hand.
#include "sinus/Losses.h"
#include "sinus/SegmentationMetrics.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace sinus;

TEST(Losses, DiceLossSquaredDenominatorByHand)
{
  // p = sigmoid(0) = 0.5 on 4 pixels, g = (1, 1, 0, 0): sum pg = 1, sum p^2 = 1, sum g^2 = 2,
  // so 1 - (2 + s) / (3 + s) with s = 1e-5.
  const torch::Tensor logits = torch::zeros({ 1, 1, 2, 2 });
  const torch::Tensor target = torch::tensor({ 1.0f, 1.0f, 0.0f, 0.0f }).reshape({ 1, 1, 2, 2 });
  EXPECT_NEAR(DiceLoss(logits, target).item<double>(), 0.33333222222592596, 1e-7);
  // Confident and right: ~0; confident and wrong: p and g disjoint, sum p^2 + sum g^2 = 4, so 1 - s / (4 + s);
  // the batch mean of both.
  const torch::Tensor right = (target * 2 - 1) * 30, wrong = -right;
  EXPECT_NEAR(DiceLoss(right, target).item<double>(), 0.0, 1e-6);
  EXPECT_NEAR(DiceLoss(wrong, target).item<double>(), 1.0 - 1e-5 / (4.0 + 1e-5), 1e-6);
  EXPECT_NEAR(DiceLoss(torch::cat({ right, wrong }), torch::cat({ target, target })).item<double>(), (1.0 - 1e-5 / (4.0 + 1e-5)) / 2,
              1e-6);
  // L_sup adds the mean BCE: for p = 0.5 that is ln 2.
  EXPECT_NEAR(SupervisedLoss(logits, target).item<double>(), 0.33333222222592596 + std::log(2.0), 1e-6);
}

TEST(Losses, SeparationWeightsMarkNarrowGapsOnly)
{
  // Two blocks with a one-pixel gap (column 4) on an 8 x 10 grid, the right block touching the
  // image's edge: only the gap's pixels between the blocks get 1 + w; the outside, the edge and
  // the corners of the blocks stay 1.
  torch::Tensor target = torch::zeros({ 1, 1, 8, 10 });
  using torch::indexing::Slice;
  target.index_put_({ 0, 0, Slice(2, 6), Slice(1, 4) }, 1.0);
  target.index_put_({ 0, 0, Slice(2, 6), Slice(5, 10) }, 1.0);
  const torch::Tensor weights = SeparationWeights(target, 3, 10.0);
  torch::Tensor       expected = torch::ones({ 1, 1, 8, 10 });
  expected.index_put_({ 0, 0, Slice(2, 6), 4 }, 11.0);
  EXPECT_TRUE(torch::equal(weights, expected)) << weights;
  // A 3-pixel gap is wider than a 3 x 3 closing closes, not than a 5 x 5 one.
  torch::Tensor wide = torch::zeros({ 1, 1, 8, 12 });
  wide.index_put_({ 0, 0, Slice(2, 6), Slice(1, 4) }, 1.0);
  wide.index_put_({ 0, 0, Slice(2, 6), Slice(7, 11) }, 1.0);
  EXPECT_EQ(SeparationWeights(wide, 3, 10.0).max().item<double>(), 1.0);
  EXPECT_EQ(SeparationWeights(wide, 5, 10.0).index({ 0, 0, 3, 5 }).item<double>(), 11.0);
  EXPECT_THROW(SeparationWeights(wide, 4, 10.0), std::invalid_argument);
  // Weighted L_sup: Dice plus the weighted mean of the BCE; all-ones weights give plain L_sup.
  const torch::Tensor logits = torch::zeros({ 1, 1, 8, 10 });
  EXPECT_NEAR(SupervisedLoss(logits, target, torch::ones_like(target)).item<double>(), SupervisedLoss(logits, target).item<double>(), 1e-6);
  const double dice = DiceLoss(logits, target).item<double>();
  EXPECT_NEAR(SupervisedLoss(logits, target, weights).item<double>(), dice + std::log(2.0) * (80 + 4 * 10) / 80.0, 1e-5);
}

TEST(Losses, KnowledgeDistillationByHand)
{
  // One pixel, teacher logit 2, student 0, T = 2: q_t = sigmoid(1), q_s = 1/2;
  // KL = q ln(2q) + (1 - q) ln(2(1 - q)) = 0.110944..., times T^2 = 4.
  const torch::Tensor teacher = torch::full({ 1, 1, 1, 1 }, 2.0f);
  const torch::Tensor student = torch::zeros({ 1, 1, 1, 1 }, torch::requires_grad());
  const torch::Tensor kd = KnowledgeDistillationPerImage(teacher, student, 2.0);
  EXPECT_NEAR(kd[0].item<double>(), 0.4437762866869094, 1e-6);
  // Summed over pixels, one value per image, zero when the student equals the teacher.
  const torch::Tensor two = torch::randn({ 2, 1, 3, 4 });
  const torch::Tensor perImage = KnowledgeDistillationPerImage(two, two, 2.0);
  EXPECT_EQ(perImage.sizes(), (std::vector<int64_t>{ 2 }));
  EXPECT_NEAR(perImage.abs().max().item<double>(), 0.0, 1e-6);
  // Gradient reaches the student only.
  kd.sum().backward();
  EXPECT_LT(student.grad().item<double>(), 0.0); // raising the student's logit lowers the KL
}

TEST(Losses, HD95WeightsAreNormalisedToTheBestImageAndNeverOverflow)
{
  const auto w = HD95DistillationWeights({ 0.0, 2.0, 4.0 }, 2.0);
  EXPECT_DOUBLE_EQ(w[0], 1.0);
  EXPECT_NEAR(w[1], std::exp(-1.0), 1e-15);
  EXPECT_NEAR(w[2], std::exp(-2.0), 1e-15);
  // exp(-1000 / 0.1) underflows to 0 in the textbook form (0 / 0 = NaN); the shifted form does not.
  const auto far = HD95DistillationWeights({ 1000.0, 1001.0 }, 0.1);
  EXPECT_DOUBLE_EQ(far[0], 1.0);
  EXPECT_NEAR(far[1], std::exp(-10.0), 1e-15);
  EXPECT_THROW(HD95DistillationWeights({ 1.0, INFINITY }, 1.0), std::invalid_argument);
  EXPECT_THROW(HD95DistillationWeights({ 1.0 }, 0.0), std::invalid_argument);
}

TEST(Losses, DistillationHD95DefinesTheEmptyCases)
{
  const torch::Tensor empty = torch::full({ 1, 6, 8 }, -5.0f);
  torch::Tensor       square = empty.clone();
  square.index_put_({ 0, torch::indexing::Slice(1, 4), torch::indexing::Slice(2, 6) }, 5.0f);
  EXPECT_EQ(DistillationHD95(empty, empty), 0.0);
  EXPECT_DOUBLE_EQ(DistillationHD95(square, empty), 10.0); // the 6 x 8 diagonal
  EXPECT_DOUBLE_EQ(DistillationHD95(empty, square), 10.0);
  EXPECT_EQ(DistillationHD95(square, square), 0.0);
  torch::Tensor shifted = empty.clone();
  shifted.index_put_({ 0, torch::indexing::Slice(1, 4), torch::indexing::Slice(4, 8) }, 5.0f);
  // Against the project's metric on the same binarised masks.
  std::vector<uint8_t> a(48, 0), b(48, 0);
  for (int y = 1; y < 4; ++y)
    for (int x = 0; x < 8; ++x)
    {
      a[y * 8 + x] = x >= 4;          // the student (shifted)
      b[y * 8 + x] = x >= 2 && x < 6; // the teacher (square)
    }
  const double expected = ComputeSegmentationMetrics(a.data(), b.data(), MaskGrid{ { 8, 6 }, { 1.0, 1.0 } }).hd95.pixels;
  EXPECT_DOUBLE_EQ(DistillationHD95(square, shifted), expected);
  EXPECT_GT(expected, 0.0);
}

TEST(Losses, WeightedDistillationWeighsEachImageByItsAgreement)
{
  // Image 0: student agrees with the teacher's mask (HD95 0, weight 1); image 1: the student
  // predicts nothing (HD95 = diagonal, weight exp(-10 / tau)).
  torch::Tensor teacher = torch::full({ 2, 1, 6, 8 }, -3.0f);
  teacher.index_put_({ torch::indexing::Slice(), 0, torch::indexing::Slice(1, 4), torch::indexing::Slice(2, 6) }, 3.0f);
  torch::Tensor student = teacher.clone() * 0.5;
  student[1].fill_(-3.0f);
  student.set_requires_grad(true);
  const WeightedDistillation w = WeightedKnowledgeDistillationLoss(teacher, student, 2.0, 5.0);
  EXPECT_EQ(w.hd95[0], 0.0);
  EXPECT_DOUBLE_EQ(w.hd95[1], 10.0);
  EXPECT_DOUBLE_EQ(w.weights[0], 1.0);
  EXPECT_NEAR(w.weights[1], std::exp(-2.0), 1e-12);
  const torch::Tensor raw = KnowledgeDistillationPerImage(teacher, student, 2.0);
  EXPECT_NEAR(w.loss.item<double>(), (raw[0].item<double>() + std::exp(-2.0) * raw[1].item<double>()) / 2, 1e-5);
  EXPECT_NEAR(w.rawKD[1], raw[1].item<double>(), 1e-6);
  w.loss.backward();
  EXPECT_TRUE(torch::isfinite(student.grad()).all().item<bool>());
}

TEST(Losses, UnsupervisedLossCountsPseudoForegroundOnly)
{
  // Pseudo-label: 2 foreground pixels out of 4. The student's background pixels are badly wrong
  // and must not count; on the foreground: BCE(logit 0, 1) = ln 2, BCE(logit 1, 1) = ln(1 + e^-1).
  const torch::Tensor pseudo = torch::tensor({ 1.0f, 1.0f, 0.0f, 0.0f }).reshape({ 1, 1, 2, 2 });
  const torch::Tensor logits = torch::tensor({ 0.0f, 1.0f, 9.0f, 9.0f }).reshape({ 1, 1, 2, 2 });
  EXPECT_NEAR(UnsupervisedLoss(logits, pseudo).item<double>(), (std::log(2.0) + std::log(1 + std::exp(-1.0))) / 2, 1e-6);
  // No pseudo-foreground: 0, with a finite (zero) gradient.
  const torch::Tensor student = torch::randn({ 1, 1, 2, 2 }, torch::requires_grad());
  const torch::Tensor none = UnsupervisedLoss(student, torch::zeros({ 1, 1, 2, 2 }));
  EXPECT_EQ(none.item<double>(), 0.0);
  none.backward();
  EXPECT_EQ(student.grad().abs().sum().item<double>(), 0.0);
}

TEST(Losses, StudentObjectiveCombinesTheThreeTerms)
{
  const torch::Tensor sup = torch::tensor(2.0), wkd = torch::tensor(1000.0), unsup = torch::tensor(4.0);
  EXPECT_NEAR(StudentObjective(sup, wkd, unsup, 0.5, 1e-6).item<double>(), 0.5 * 2 + 1e-6 * 1000 + 0.5 * 4, 1e-6); // float32
  EXPECT_NEAR(StudentObjective(sup, wkd, unsup, 1.0, 0.0).item<double>(), 2.0, 1e-6);
}
