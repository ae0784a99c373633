// SPDX-License-Identifier: Apache-2.0
// The c10d process group under Debian's torchrun: two processes on this CPU agree on sums,
// maxima, broadcasts and averaged gradients; two processes with batch B train the paper's student
// to the weights one process reaches with batch 2B; a rank that dies ends the job with a clear
// error instead of a hang.
#include "sinus/DataParallelGroup.h"
#include "sinusTestSupport.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <chrono>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

namespace
{
/** torchrun --no_python --redirects 1 --tee 1: Debian's torchrun (1.13 on Python 3.11) fails at
 *  start with its default output options; the rendezvous takes a free port (TorchrunOnThisMachine). */
CommandResult
RunTwoRanks(const std::string & environment, const std::string & arguments)
{
  return RunCommand("env", environment + " timeout 300 " + TorchrunOnThisMachine(2) +
                             std::string(SINUSSEG_DATA_PARALLEL_WORKER) + " " + arguments);
}

/** The columns of a training log CSV by name, one value per epoch. */
std::map<std::string, std::vector<double>>
ReadLog(const std::string & path)
{
  std::ifstream                              in(path);
  std::string                                line, cell;
  std::vector<std::string>                   names;
  std::map<std::string, std::vector<double>> columns;
  for (bool header = true; std::getline(in, line); header = false)
  {
    std::istringstream cells(line);
    for (size_t i = 0; std::getline(cells, cell, ','); ++i)
      if (header)
        names.push_back(cell);
      else
        columns[names.at(i)].push_back(std::stod(cell));
  }
  return columns;
}

std::vector<torch::Tensor>
LoadWeights(const std::string & path)
{
  std::vector<torch::Tensor> weights;
  torch::load(weights, path);
  return weights;
}
} // namespace

TEST(DataParallelGroup, TwoRanksAgreeOnCollectivesAndAveragedGradients)
{
  if (const std::string why = sinus::DataParallelGroup::MultiProcessUnavailable(); !why.empty())
    GTEST_SKIP() << why;
  const CommandResult result = RunTwoRanks("SINUSSEG_TEST_DIE_RANK=-1", "collectives");
  EXPECT_EQ(result.status, 0) << result.output;
  EXPECT_NE(result.output.find("OK rank 0 of 2"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("OK rank 1 of 2"), std::string::npos) << result.output;
}

TEST(DataParallelGroup, ADeadRankEndsTheJobWithAClearErrorInTime)
{
  if (const std::string why = sinus::DataParallelGroup::MultiProcessUnavailable(); !why.empty())
    GTEST_SKIP() << why;
  const auto          start = std::chrono::steady_clock::now();
  const CommandResult result = RunTwoRanks("SINUSSEG_TEST_DIE_RANK=1", "collectives");
  const double        seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_NE(result.status, 0) << result.output;
  EXPECT_NE(result.status, 124) << "the job hung until the test's time limit:\n" << result.output;
  EXPECT_NE(result.output.find("rank 0 of 2: test barrier failed"), std::string::npos) << result.output;
  EXPECT_EQ(result.output.find("OK rank 0"), std::string::npos) << result.output;
  EXPECT_LT(seconds, 100.0);
}

TEST(DataParallelTraining, TwoRanksWithBatchBReachOneProcessWithBatch2B)
{
  if (const std::string why = sinus::DataParallelGroup::MultiProcessUnavailable(); !why.empty())
    GTEST_SKIP() << why;
  // Two epochs of 5 + 5 images at 4 per step: steps of 4 and of 1 image, so one rank has no image
  // in every second step. Both runs use one thread per process, as torchrun sets it.
  const std::string   dir = ScratchDirectory("data_parallel_training");
  const CommandResult two = RunTwoRanks("OMP_NUM_THREADS=1", "train 2 " + dir + "/two.pt");
  ASSERT_EQ(two.status, 0) << two.output;
  const CommandResult one = RunCommand("env", "OMP_NUM_THREADS=1 " + std::string(SINUSSEG_DATA_PARALLEL_WORKER) + " train 4 " + dir + "/one.pt");
  ASSERT_EQ(one.status, 0) << one.output;
  const std::vector<torch::Tensor> a = LoadWeights(dir + "/two.pt"), b = LoadWeights(dir + "/one.pt");
  ASSERT_EQ(a.size(), b.size());
  const std::vector<torch::Tensor> initial = LoadWeights(dir + "/one.pt.initial");
  ASSERT_EQ(initial.size(), a.size());
  std::vector<torch::Tensor> difference, movement;
  for (size_t i = 0; i < a.size(); ++i)
  {
    difference.push_back((a[i] - b[i]).abs().flatten());
    movement.push_back((b[i] - initial[i]).abs().flatten());
  }
  const torch::Tensor d = torch::cat(difference), moved = torch::cat(movement);
  // The four AdamW steps (learning rate 1e-3) moved the weights by 2.4e-3 on average. The runs
  // differ only by the order of float sums (1e-7 relative in every gradient), which AdamW's
  // normalisation g / (sqrt(v) + eps) turns into up to a full step of 1e-3 for the rare weights
  // whose true gradient is as small as that noise: on average the weights agree within 1e-6, all
  // but 0.1 % of them within 1e-5, and none differs by a whole step.
  EXPECT_GT(moved.mean().item<double>(), 1e-3);
  EXPECT_LT(d.mean().item<double>(), 1e-6);
  EXPECT_LT(d.gt(1e-5).to(torch::kFloat64).mean().item<double>(), 1e-3);
  EXPECT_LT(d.max().item<double>(), 1e-3);
  // The logged losses (summed over the ranks) and the validation Dice (images shared among them):
  // within 1e-5 (relative) in the first epoch, 1e-4 in the second, which starts from the weights
  // above.
  auto logTwo = ReadLog(dir + "/two.pt.csv"), logOne = ReadLog(dir + "/one.pt.csv");
  for (const char * column : { "total", "supervised", "unsupervised", "distillation_weighted", "mean_weight", "validation_dice" })
  {
    ASSERT_EQ(logTwo[column].size(), 2u) << column;
    ASSERT_EQ(logOne[column].size(), 2u) << column;
    for (size_t epoch = 0; epoch < 2; ++epoch)
      EXPECT_NEAR(logTwo[column][epoch], logOne[column][epoch],
                  (epoch == 0 ? 1e-5 : 1e-4) * std::max(1.0, std::abs(logOne[column][epoch])))
        << column << ", epoch " << epoch + 1;
  }
}
