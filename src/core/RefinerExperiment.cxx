// SPDX-License-Identifier: Apache-2.0
#include "sinus/RefinerExperiment.h"

#include "sinus/PanoramicPhantom.h"
#include "sinus/SegmentationMetrics.h"
#include "sinus/TensorDictionary.h"

#include <chrono>

namespace sinus
{

RefinerExperimentOptions
RefinerExperimentOptions::CpuEvidenceRun()
{
  RefinerExperimentOptions o;
  o.training.epochs = 20;
  o.training.batchSize = 4;
  o.training.learningRate = 1e-3;
  o.config.generatorFilters = 8;
  o.config.generatorBlocks = 3;
  o.config.discriminatorFilters = 8;
  o.config.correctionFilters = 8;
  return o;
}

RefinerExperimentResult
RunRefinerExperiment(const RefinerExperimentOptions & o, const RefinerTrainingCallbacks & callbacks)
{
  const int64_t                total = o.pairs + o.unlabelled + o.heldOut;
  std::vector<Raster<uint8_t>> clean, corrupted;
  for (int64_t i = 0; i < total; ++i)
  {
    PanoramicPhantomOptions phantom;
    phantom.width = o.phantomWidth;
    phantom.height = o.phantomHeight;
    phantom.seed = DerivePhantomSeed(o.dataSeed, static_cast<uint64_t>(i));
    Raster<uint8_t> mask = GeneratePanoramicPhantom(phantom).mask;
    for (auto & v : mask.data)
      v = v ? 1 : 0;
    corrupted.push_back(CorruptMask(mask, o.noise, SplitMix64(o.dataSeed ^ 0xC0FFEEull) + static_cast<uint64_t>(i)));
    clean.push_back(std::move(mask));
  }
  const auto toFloat = [](const Raster<uint8_t> & m) {
    Raster<float> f(m.height, m.width, 1);
    for (size_t k = 0; k < f.data.size(); ++k)
      f.data[k] = m.data[k];
    return f;
  };
  const auto stack = [&](const std::vector<Raster<uint8_t>> & masks, int64_t first, int64_t count) {
    std::vector<torch::Tensor> working;
    for (int64_t i = first; i < first + count; ++i)
      working.push_back(ResizeMasksToWorkingGrid(RasterToNCHW(toFloat(masks[static_cast<size_t>(i)])), o.config.workingHeight,
                                                 o.config.workingWidth));
    return count > 0 ? torch::cat(working) : torch::Tensor();
  };
  RefinerTrainingData data;
  data.pairedTeacher = stack(corrupted, 0, o.pairs);
  data.pairedTruth = stack(clean, 0, o.pairs);
  data.unpairedTeacher = stack(corrupted, o.pairs, o.unlabelled);

  torch::manual_seed(o.training.seed);
  SinusCycleGAN model(o.config);
  RefinerExperimentResult result;
  const auto              start = std::chrono::steady_clock::now();
  result.log = TrainRefiner(model, data, o.training, "", false, callbacks);
  result.trainingSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  const MaskGrid      grid{ { o.phantomWidth, o.phantomHeight }, { 1.0, 1.0 } };
  std::vector<double> diceBefore, diceAfter, hdBefore, hdAfter, worstDice, worstDistance;
  for (int64_t i = o.pairs + o.unlabelled; i < total; ++i)
  {
    const Raster<uint8_t> & truth = clean[static_cast<size_t>(i)];
    const RefinedMask       refined = RefineMask(*model, toFloat(corrupted[static_cast<size_t>(i)]));
    const auto before = ComputeSegmentationMetrics(corrupted[static_cast<size_t>(i)].data.data(), truth.data.data(), grid);
    const auto after = ComputeSegmentationMetrics(refined.mask.data.data(), truth.data.data(), grid);
    diceBefore.push_back(before.dice);
    diceAfter.push_back(after.dice);
    hdBefore.push_back(before.hd95.pixels);
    hdAfter.push_back(after.hd95.pixels);
    worstDice.push_back(0.0);
    worstDistance.push_back(before.diagonal.pixels);
  }
  const auto db = Summarize(diceBefore, worstDice), da = Summarize(diceAfter, worstDice);
  const auto hb = Summarize(hdBefore, worstDistance), ha = Summarize(hdAfter, worstDistance);
  result.diceBefore = db.mean, result.diceBeforeStd = db.std;
  result.diceAfter = da.mean, result.diceAfterStd = da.std;
  result.hd95Before = hb.mean, result.hd95BeforeStd = hb.std;
  result.hd95After = ha.mean, result.hd95AfterStd = ha.std;
  result.cases = o.heldOut;
  return result;
}

} // namespace sinus
