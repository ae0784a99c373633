// SPDX-License-Identifier: Apache-2.0
// One rank of the data-parallel test jobs, started by torchrun (sinusDataParallelTest.cxx).
//   sinusDataParallelWorker collectives
//     checks the collectives and the gradient averaging against numbers every rank can compute
//     alone, prints "OK rank R" and exits 0; exits 1 with the failure otherwise. With
//     SINUSSEG_TEST_DIE_RANK=K, rank K leaves before the barrier and the others must fail with a
//     DistributedError in time.
//   sinusDataParallelWorker train BATCH OUT
//     trains the paper's student (weighted KD, Dice+BCE on pseudo-labels, augmentation with noise)
//     on fixed synthetic images with BATCH images per rank; rank 0 saves the final weights to OUT.
#include "sinus/DataParallelGroup.h"
#include "sinus/GradientAveraging.h"
#include "sinus/RankShare.h"
#include "sinus/SegmenterInference.h"
#include "sinus/SegmenterRegistry.h"
#include "sinus/SegmenterTraining.h"

#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>

namespace
{
void
Require(bool condition, const std::string & what)
{
  if (!condition)
    throw std::runtime_error("check failed: " + what);
}

void
CheckCollectives(const sinus::DataParallelGroup & group)
{
  const double world = static_cast<double>(group.WorldSize()), rank = static_cast<double>(group.Rank());
  std::vector<torch::Tensor> sum{ torch::full({ 3 }, rank + 1.0) }, maximum{ torch::tensor({ rank, -rank }) };
  group.SumInPlace(sum, "test sum");
  group.MaximumInPlace(maximum, "test maximum");
  Require(sum[0].eq(world * (world + 1) / 2).all().item<bool>(), "sum of rank + 1");
  Require(maximum[0][0].item<double>() == world - 1 && maximum[0][1].item<double>() == 0, "maximum of rank and -rank");
  std::vector<torch::Tensor> shared{ torch::full({ 2, 2 }, 10.0 + rank) };
  group.BroadcastInPlace(shared, 0, "test broadcast");
  Require(shared[0].eq(10.0).all().item<bool>(), "broadcast from rank 0");
  Require(group.Sum(0.5, "test scalar sum") == 0.5 * world, "scalar sum");
}

/** A mean loss over 5 images split among the ranks: the averaged gradient is the whole batch's. */
void
CheckGradientAveraging(const sinus::DataParallelGroup & group)
{
  torch::manual_seed(7 + static_cast<uint64_t>(group.Rank())); // different weights on every rank ...
  torch::nn::Linear used(4, 2), unused(4, 2), leaderOnly(4, 1);
  torch::nn::Sequential all(used, unused, leaderOnly);
  sinus::BroadcastModuleState(group, *all); // ... until rank 0's are shared
  std::vector<torch::Tensor> reference{ used->weight.detach().clone() };
  group.MaximumInPlace(reference, "test weight check");
  Require(reference[0].equal(used->weight.detach()), "every rank holds rank 0's weights");

  torch::manual_seed(11); // the same batch on every rank
  const torch::Tensor images = torch::randn({ 5, 4 }), targets = torch::randn({ 5, 2 });
  const auto loss = [&](const torch::Tensor & x, const torch::Tensor & y) { return (used->forward(x) - y).pow(2).mean(); };
  loss(images, targets).backward();
  const torch::Tensor wholeBatch = used->weight.grad().clone();
  all->zero_grad();
  for (auto & p : all->parameters())
    p.mutable_grad() = torch::Tensor();

  const sinus::IndexRange mine = sinus::RankShare(5, group.Rank(), group.WorldSize());
  if (mine.Size() > 0)
    loss(images.slice(0, mine.begin, mine.end), targets.slice(0, mine.begin, mine.end)).backward();
  if (group.Leader())
    leaderOnly->forward(images).sum().backward();
  std::vector<torch::Tensor> parameters = all->parameters();
  sinus::AverageGradients(group, parameters, static_cast<double>(mine.Size()) / 5.0, /*bucketBytes=*/16);
  const double difference = (used->weight.grad() - wholeBatch).abs().max().item<double>();
  std::ostringstream what;
  what << "averaged gradient equals the whole batch's (max difference " << difference << ")";
  Require(difference < 1e-6, what.str());
  Require(!unused->weight.grad().defined(), "a parameter without gradient anywhere keeps none");
  Require(leaderOnly->weight.grad().defined(), "a parameter with a gradient on rank 0 only has one everywhere");
}
/** A grey image with a bright rectangle that moves with `index`, and the rectangle as its label. */
sinus::SegmentationSample
RectangleSample(int index, bool labelled)
{
  const int64_t          h = 40, w = 80;
  sinus::Raster<double>  grey(h, w);
  sinus::Raster<uint8_t> mask(h, w);
  for (int64_t y = 0; y < h; ++y)
    for (int64_t x = 0; x < w; ++x)
    {
      const bool inside = x >= 10 + 5 * index && x < 40 + 5 * index && y >= 8 + index && y < 30;
      mask(y, x) = inside ? 1 : 0;
      grey(y, x) = (inside ? 180.0 : 70.0) + 15.0 * std::cos(0.9 * x - 0.4 * y + index);
    }
  return sinus::MakeSegmentationSample("case" + std::to_string(index), grey, labelled ? mask : sinus::Raster<uint8_t>(), 64,
                                       { 64 });
}

/** Five labelled and five unlabelled images: with 4 images per step the second step of an epoch
 *  has one, so that with two ranks one of them has none. */
void
TrainStudent(int64_t batchPerRank, const std::string & out)
{
  std::vector<sinus::SegmentationSample> labelled, unlabelled, validation;
  for (int i = 0; i < 5; ++i)
  {
    labelled.push_back(RectangleSample(i, true));
    unlabelled.push_back(RectangleSample(i + 5, false));
  }
  validation.push_back(RectangleSample(3, true));
  torch::manual_seed(5);
  sinus::Segmenter       teacher = sinus::BuildSegmenter(sinus::SegmenterSpec::ForArchitecture("unet", "cpu", 64));
  sinus::StudentTargets  targets;
  targets.labelledTeacherLogits = sinus::PredictSampleLogits(*teacher, labelled, 4, torch::kCPU);
  targets.unlabelledTeacherLogits = sinus::PredictSampleLogits(*teacher, unlabelled, 4, torch::kCPU);
  targets.pseudoLabels = (targets.unlabelledTeacherLogits > 0).to(torch::kFloat32);
  torch::manual_seed(6);
  sinus::Segmenter                student = sinus::BuildSegmenter(sinus::SegmenterSpec::ForArchitecture("unet", "cpu", 64));
  sinus::SegmenterTrainingOptions options;
  options.epochs = 2;
  options.batchSize = batchPerRank;
  options.learningRate = 1e-3;
  options.distillation = sinus::DistillationMode::Weighted;
  options.unsupervisedLoss = "dice_bce";
  const auto save = [&](const std::string & path) {
    std::vector<torch::Tensor> weights;
    for (const torch::Tensor & p : student->parameters())
      weights.push_back(p.detach().clone());
    torch::save(weights, path);
  };
  if (sinus::ProcessGroup().Leader())
    save(out + ".initial");
  const auto log =
    sinus::TrainSegmenter(*student, { labelled, unlabelled, validation, &targets }, options, { "student", "", "" }, false, torch::kCPU);
  if (!sinus::ProcessGroup().Leader())
    return;
  save(out);
  std::ofstream(out + ".csv") << sinus::FormatSegmenterLogCsv(log);
}
} // namespace

int
main(int argc, char ** argv)
{
  const std::string mode = argc > 1 ? argv[1] : "";
  try
  {
    const sinus::DataParallelGroup & group = sinus::JoinProcessGroup(std::chrono::seconds(30));
    if (mode == "train" && argc == 4)
    {
      TrainStudent(std::stoll(argv[2]), argv[3]);
      std::cout << "OK rank " << group.Rank() << " of " << group.WorldSize() << std::endl;
      return 0;
    }
    if (mode != "collectives")
      throw std::invalid_argument("usage: sinusDataParallelWorker collectives | train BATCH OUT");
    CheckCollectives(group);
    CheckGradientAveraging(group);
    const char * die = std::getenv("SINUSSEG_TEST_DIE_RANK");
    if (die && std::atoi(die) == group.Rank())
      std::_Exit(3); // as a killed rank: no goodbye to the others
    group.Barrier("test barrier");
    std::cout << "OK rank " << group.Rank() << " of " << group.WorldSize() << std::endl;
    return 0;
  }
  catch (const std::exception & e)
  {
    std::cerr << "worker failed: " << e.what() << std::endl;
    return 1;
  }
}
