// SPDX-License-Identifier: Apache-2.0
#include "sinus/RefinerTraining.h"

#include "sinus/FileUtilities.h"
#include "sinus/GradientAveraging.h"
#include "sinus/LossText.h"
#include "sinus/Losses.h"
#include "sinus/RankCoordination.h"
#include "sinus/TrainingCheckpoint.h"

#include <chrono>
#include <cstdio>
#include <numeric>
#include <cmath>
#include <filesystem>

namespace sinus
{

RefinerTrainingOptions
RefinerTrainingOptions::FromJson(const Json & json, const RefinerTrainingOptions & defaults)
{
  RequireKnownKeys(json,
                   { "epochs", "batch_size", "learning_rate", "beta1", "beta2", "weight_decay", "cycle_weight",
                     "history_pool_size", "seed" },
                   "refiner training");
  RefinerTrainingOptions o = defaults;
  const std::string      w = "refiner training";
  ReadJsonField(json, "epochs", o.epochs, w);
  ReadJsonField(json, "batch_size", o.batchSize, w);
  ReadJsonField(json, "learning_rate", o.learningRate, w);
  ReadJsonField(json, "beta1", o.beta1, w);
  ReadJsonField(json, "beta2", o.beta2, w);
  ReadJsonField(json, "weight_decay", o.weightDecay, w);
  ReadJsonField(json, "cycle_weight", o.cycleWeight, w);
  ReadJsonField(json, "history_pool_size", o.historyPoolSize, w);
  ReadJsonField(json, "seed", o.seed, w);
  if (o.epochs < 1 || o.batchSize < 1 || !(o.learningRate > 0) || o.historyPoolSize < 0 || o.cycleWeight < 0)
    throw std::runtime_error("refiner training: epochs and batch_size >= 1, learning_rate > 0, history_pool_size and cycle_weight >= 0");
  return o;
}

RefinerTrainingOptions
RefinerTrainingOptions::FromJson(const Json & json)
{
  return FromJson(json, RefinerTrainingOptions{});
}

Json
RefinerTrainingOptions::ToJson() const
{
  Json j = Json::object();
  j["epochs"] = epochs;
  j["batch_size"] = batchSize;
  j["learning_rate"] = learningRate;
  j["beta1"] = beta1;
  j["beta2"] = beta2;
  j["weight_decay"] = weightDecay;
  j["cycle_weight"] = cycleWeight;
  j["history_pool_size"] = historyPoolSize;
  j["seed"] = static_cast<int64_t>(seed);
  return j;
}

void
RefinerTrainingData::Validate(const RefinerConfig & config) const
{
  const auto check = [&](const torch::Tensor & t, const char * name, bool required) {
    if (!t.defined() || t.numel() == 0)
    {
      if (required)
        throw std::invalid_argument(std::string("refiner training data: no ") + name + " masks");
      return;
    }
    if (t.dim() != 4 || t.size(1) != 1 || t.size(2) != config.workingHeight || t.size(3) != config.workingWidth)
      throw std::invalid_argument(std::string("refiner training data: ") + name + " masks must be N x 1 x " +
                                  std::to_string(config.workingHeight) + " x " + std::to_string(config.workingWidth));
    if (!(t.min().item<double>() >= 0.0 && t.max().item<double>() <= 1.0))
      throw std::invalid_argument(std::string("refiner training data: ") + name + " masks must lie in [0, 1] (found NaN or values outside)");
  };
  check(pairedTeacher, "paired teacher", true);
  check(pairedTruth, "paired ground-truth", true);
  check(unpairedTeacher, "unpaired teacher", false);
  check(unpairedTruth, "unpaired ground-truth", false);
  if (pairedTeacher.size(0) != pairedTruth.size(0))
    throw std::invalid_argument("refiner training data: " + std::to_string(pairedTeacher.size(0)) + " paired teacher masks but " +
                                std::to_string(pairedTruth.size(0)) + " paired ground-truth masks");
}

// ------------------------------------------------------------------------------------------------
MaskHistoryPool::MaskHistoryPool(int64_t capacity)
  : m_Capacity(capacity)
{}

torch::Tensor
MaskHistoryPool::Query(const torch::Tensor & fakes, PortableRandom & random)
{
  if (m_Capacity == 0)
    return fakes;
  std::vector<torch::Tensor> returned;
  for (int64_t i = 0; i < fakes.size(0); ++i)
  {
    torch::Tensor image = fakes[i].detach().clone();
    if (static_cast<int64_t>(m_Images.size()) < m_Capacity)
    {
      m_Images.push_back(image);
      returned.push_back(image);
    }
    else if (random.Chance(0.5))
    {
      const size_t slot = static_cast<size_t>(random.Integer(m_Capacity));
      returned.push_back(m_Images[slot]);
      m_Images[slot] = image;
    }
    else
    {
      returned.push_back(image);
    }
  }
  return torch::stack(returned);
}

torch::Tensor
MaskHistoryPool::Contents() const
{
  return m_Images.empty() ? torch::empty({ 0 }) : torch::stack(m_Images);
}

void
MaskHistoryPool::Restore(const torch::Tensor & contents)
{
  m_Images.clear();
  if (contents.dim() == 4)
    for (int64_t i = 0; i < contents.size(0) && i < m_Capacity; ++i)
      m_Images.push_back(contents[i].clone());
}

// ------------------------------------------------------------------------------------------------
namespace
{
void
SetRequiresGrad(torch::nn::Module & module, bool value)
{
  for (auto & p : module.parameters())
    p.set_requires_grad(value);
}

Json
EpochRecordToJson(const RefinerEpochRecord & r)
{
  Json j = Json::object();
  j["epoch"] = r.epoch;
  j["adversarial_ab"] = r.adversarialAB;
  j["adversarial_ba"] = r.adversarialBA;
  j["cycle"] = r.cycle;
  j["correction"] = r.correction;
  j["total"] = r.total;
  j["discriminator_a"] = r.discriminatorA;
  j["discriminator_b"] = r.discriminatorB;
  j["seconds"] = r.seconds;
  return j;
}

RefinerEpochRecord
EpochRecordFromJson(const Json & j)
{
  RefinerEpochRecord r;
  r.epoch = JsonInteger(j.at("epoch"));
  r.adversarialAB = j.at("adversarial_ab").get<double>();
  r.adversarialBA = j.at("adversarial_ba").get<double>();
  r.cycle = j.at("cycle").get<double>();
  r.correction = j.at("correction").get<double>();
  r.total = j.at("total").get<double>();
  r.discriminatorA = j.at("discriminator_a").get<double>();
  r.discriminatorB = j.at("discriminator_b").get<double>();
  r.seconds = j.at("seconds").get<double>();
  return r;
}

/** Everything that must survive a kill to continue exactly where the last epoch ended. */
struct TrainingState
{
  SinusCycleGAN &                  model;
  torch::optim::AdamW &            generatorOptimizer;
  torch::optim::AdamW &            discriminatorOptimizer;
  MaskHistoryPool &                poolA;
  MaskHistoryPool &                poolB;
  std::vector<RefinerEpochRecord> & log;
};

// Settings that change the meaning of a checkpoint; the epoch count may grow on resume.
std::string
CheckpointIdentity(const SinusCycleGANImpl & model, const RefinerTrainingOptions & options)
{
  Json o = options.ToJson();
  o["epochs"] = nullptr;
  Json id = Json::object();
  id["config"] = model.config.ToJson();
  id["options"] = o;
  return id.dump();
}

void
SaveCheckpoint(const std::string & path, const TrainingState & s, const std::string & identity)
{
  try
  {
    WriteTrainingCheckpoint(path, "sinusseg-refiner-checkpoint-1", identity, [&](torch::serialize::OutputArchive & archive) {
      torch::serialize::OutputArchive weights, generatorOptimizer, discriminatorOptimizer;
      s.model->save(weights);
      s.generatorOptimizer.save(generatorOptimizer);
      s.discriminatorOptimizer.save(discriminatorOptimizer);
      archive.write("weights", weights);
      archive.write("generator_optimizer", generatorOptimizer);
      archive.write("discriminator_optimizer", discriminatorOptimizer);
      archive.write("pool_a", s.poolA.Contents());
      archive.write("pool_b", s.poolB.Contents());
      Json log = Json::array();
      for (const auto & r : s.log)
        log.push_back(EpochRecordToJson(r));
      archive.write("log", c10::IValue(log.dump()));
    });
  }
  catch (const TrainingCheckpointError & e)
  {
    throw RefinerTrainingError(e.what());
  }
}

void
LoadCheckpoint(const std::string & path, TrainingState & s, const std::string & identity)
{
  try
  {
    ReadTrainingCheckpoint(path, "sinusseg-refiner-checkpoint-1", "SinusCycle-GAN training", identity,
                           [&](torch::serialize::InputArchive & archive) {
                             torch::serialize::InputArchive weights, generatorOptimizer, discriminatorOptimizer;
                             archive.read("weights", weights);
                             archive.read("generator_optimizer", generatorOptimizer);
                             archive.read("discriminator_optimizer", discriminatorOptimizer);
                             s.model->load(weights);
                             s.generatorOptimizer.load(generatorOptimizer);
                             s.discriminatorOptimizer.load(discriminatorOptimizer);
                             torch::Tensor poolA, poolB;
                             archive.read("pool_a", poolA);
                             archive.read("pool_b", poolB);
                             s.poolA.Restore(poolA);
                             s.poolB.Restore(poolB);
                             c10::IValue log;
                             archive.read("log", log);
                             s.log.clear();
                             const Json records = ParseJson(log.toStringRef()); // named: the loop must not outlive it
                             for (const Json & r : records.get_ref<const Json::array_t &>())
                               s.log.push_back(EpochRecordFromJson(r));
                           });
  }
  catch (const TrainingCheckpointError & e)
  {
    throw RefinerTrainingError(e.what());
  }
}

/** Throws on every rank when the loss is not finite on any rank (each rank checks its own
 *  images; the others must stop at the same batch). */
void
RequireFiniteEverywhere(const DataParallelGroup & group, double value, const char * name, int64_t epoch, int64_t batch,
                        const std::string & checkpoint)
{
  const bool here = !std::isfinite(value);
  if (!group.AnyRank(here, std::string("SinusCycle-GAN training: checking the ") + name + " loss"))
    return;
  throw RefinerTrainingError("SinusCycle-GAN training: " + std::string(name) + " loss is " +
                             (here ? LossText(value) : std::string("not finite on another rank")) + " at epoch " +
                             std::to_string(epoch) + ", batch " + std::to_string(batch) +
                             (checkpoint.empty() ? std::string() : "; the last good checkpoint is kept in " + checkpoint));
}

torch::Tensor
Gather(const torch::Tensor & all, const std::vector<int64_t> & indices)
{
  return all.index_select(0, torch::tensor(indices, torch::kInt64).to(all.device()));
}
} // namespace

namespace
{
/** Both domains and the pairs in the networks' range [-1, 1] (the correction targets go back to
 *  [0, 1]); missing unpaired domains default to the paired masks. */
struct RefinerDomains
{
  torch::Tensor domainA, domainB, pairA, pairB;
};

RefinerDomains
PrepareDomains(const RefinerTrainingData & input)
{
  RefinerTrainingData data = input;
  if (!data.unpairedTeacher.defined() || data.unpairedTeacher.numel() == 0)
    data.unpairedTeacher = data.pairedTeacher;
  if (!data.unpairedTruth.defined() || data.unpairedTruth.numel() == 0)
    data.unpairedTruth = data.pairedTruth;
  return { MaskToGeneratorRange(data.unpairedTeacher), MaskToGeneratorRange(data.unpairedTruth), MaskToGeneratorRange(data.pairedTeacher),
           MaskToGeneratorRange(data.pairedTruth) };
}

/** The masks of one iteration. */
struct RefinerBatch
{
  torch::Tensor realA, realB, pairedA, pairedB;
};

/** The generator and correction losses of one batch (discriminators frozen by the caller). */
SinusCycleGANObjective
GeneratorObjective(SinusCycleGAN & model, const RefinerBatch & b, const RefinerTrainingOptions & options, torch::Tensor & fakeA,
                   torch::Tensor & fakeB)
{
  fakeB = model->G_AB->forward(b.realA);
  fakeA = model->G_BA->forward(b.realB);
  const torch::Tensor cycle =
    CycleConsistencyLoss(model->G_BA->forward(fakeB), b.realA) + CycleConsistencyLoss(model->G_AB->forward(fakeA), b.realB);
  const torch::Tensor correction = CorrectionLoss(model->C_B->forward(model->G_AB->forward(b.pairedA)), (b.pairedB + 1.0) * 0.5) +
                                   CorrectionLoss(model->C_A->forward(model->G_BA->forward(b.pairedB)), (b.pairedA + 1.0) * 0.5);
  return CombineSinusCycleGANObjective(LsganLoss(model->D_B->forward(fakeB), true), LsganLoss(model->D_A->forward(fakeA), true), cycle,
                                       correction, options.cycleWeight);
}

/** One iteration: the generator + correction step with the discriminators frozen, then the
 *  discriminator step on real masks and on fakes from the history pools (`poolRandom` draws which).
 *  In a data-parallel job `b` holds this rank's `share` of the global batch (possibly no image) and
 *  each step's gradients are averaged over the ranks. Adds the batch's losses to `record`. */
void
RefinerStep(const DataParallelGroup & group, const RefinerBatch & b, double share, TrainingState & state,
            const RefinerTrainingOptions & options, PortableRandom & poolRandom, RefinerEpochRecord & record, int64_t batch,
            int64_t batches, const std::string & checkpointPath)
{
  SinusCycleGAN & model = state.model;
  const bool      images = b.realA.size(0) > 0;
  const auto      zero = [] { return torch::zeros({}); };
  SetRequiresGrad(*model->D_A, false);
  SetRequiresGrad(*model->D_B, false);
  state.generatorOptimizer.zero_grad();
  torch::Tensor          fakeA, fakeB;
  SinusCycleGANObjective objective{ zero(), zero(), zero(), zero(), zero() };
  if (images)
    objective = GeneratorObjective(model, b, options, fakeA, fakeB);
  RequireFiniteEverywhere(group, objective.total.item<double>(), "generator", record.epoch, batch + 1, checkpointPath);
  if (images)
    objective.total.backward();
  AverageGradients(group, model->GeneratorAndCorrectionParameters(), share);
  state.generatorOptimizer.step();

  SetRequiresGrad(*model->D_A, true);
  SetRequiresGrad(*model->D_B, true);
  state.discriminatorOptimizer.zero_grad();
  torch::Tensor lossA = zero(), lossB = zero();
  if (images)
  {
    const torch::Tensor pooledB = state.poolB.Query(fakeB.detach(), poolRandom);
    const torch::Tensor pooledA = state.poolA.Query(fakeA.detach(), poolRandom);
    lossB = 0.5 * (LsganLoss(model->D_B->forward(b.realB), true) + LsganLoss(model->D_B->forward(pooledB), false));
    lossA = 0.5 * (LsganLoss(model->D_A->forward(b.realA), true) + LsganLoss(model->D_A->forward(pooledA), false));
  }
  const torch::Tensor discriminatorTotal = lossA + lossB;
  RequireFiniteEverywhere(group, discriminatorTotal.item<double>(), "discriminator", record.epoch, batch + 1, checkpointPath);
  if (images)
    discriminatorTotal.backward();
  AverageGradients(group, model->DiscriminatorParameters(), share);
  state.discriminatorOptimizer.step();

  // The batch's mean losses: each rank's weighted by its share, summed over the ranks at once.
  const torch::Tensor mine = torch::stack({ objective.adversarialAB, objective.adversarialBA, objective.cycle, objective.correction,
                                            objective.total, lossA, lossB })
                               .detach()
                               .to(torch::kCPU, torch::kFloat64) *
                             share;
  const std::vector<double> v = group.SumEach(std::vector<double>(mine.data_ptr<double>(), mine.data_ptr<double>() + mine.numel()),
                                              "SinusCycle-GAN training: the batch's losses");
  const auto n = static_cast<double>(batches);
  record.adversarialAB += v[0] / n;
  record.adversarialBA += v[1] / n;
  record.cycle += v[2] / n;
  record.correction += v[3] / n;
  record.total += v[4] / n;
  record.discriminatorA += v[5] / n;
  record.discriminatorB += v[6] / n;
}

/** One epoch: domain A in a shuffled order, domain B drawn at random, pairs cycled in a shuffled
 *  order. The randomness depends only on (seed, epoch), so a resumed run draws what an
 *  uninterrupted one would. */
RefinerEpochRecord
RefinerEpoch(int64_t epoch, const RefinerDomains & d, TrainingState & state, const RefinerTrainingOptions & options,
             const std::string & checkpointPath, const RefinerTrainingCallbacks & callbacks)
{
  const DataParallelGroup & group = ProcessGroup();
  // batch_size is per process, as in DistributedDataParallel: a step takes batch_size masks per rank.
  const int64_t        globalBatch = options.batchSize * group.WorldSize();
  const int64_t        sizeA = d.domainA.size(0), sizeB = d.domainB.size(0), sizePairs = d.pairA.size(0);
  const int64_t        batches = (std::max(sizeA, sizeB) + globalBatch - 1) / globalBatch;
  PortableRandom       random(SplitMix64(options.seed) ^ (static_cast<uint64_t>(epoch) * 0x9E3779B97F4A7C15ull));
  // Every rank draws the global batches from `random`; the history pools, which differ per rank,
  // draw from a rank's own stream so that `random` stays the same on every rank.
  PortableRandom       rankRandom(SplitMix64(options.seed + static_cast<uint64_t>(group.Rank()) + 1) ^ static_cast<uint64_t>(epoch));
  PortableRandom &     poolRandom = group.Distributed() ? rankRandom : random;
  std::vector<int64_t> orderA(static_cast<size_t>(sizeA)), orderPairs(static_cast<size_t>(sizePairs));
  std::iota(orderA.begin(), orderA.end(), int64_t{ 0 });
  std::iota(orderPairs.begin(), orderPairs.end(), int64_t{ 0 });
  random.Shuffle(orderA);
  random.Shuffle(orderPairs);
  RefinerEpochRecord record;
  record.epoch = epoch;
  const auto start = std::chrono::steady_clock::now();
  int64_t    pairCursor = 0;
  for (int64_t batch = 0; batch < batches; ++batch)
  {
    if (group.AnyRank(callbacks.shouldAbort && callbacks.shouldAbort(), "SinusCycle-GAN training: checking for a stop request"))
      throw RefinerTrainingAborted("SinusCycle-GAN training aborted in epoch " + std::to_string(epoch));
    const int64_t        first = batch * globalBatch;
    const int64_t        count = std::min(globalBatch, std::max(sizeA, sizeB) - first);
    std::vector<int64_t> indexA, indexB, indexPairs;
    for (int64_t k = 0; k < count; ++k)
    {
      indexA.push_back(orderA[static_cast<size_t>((first + k) % sizeA)]);
      indexB.push_back(random.Integer(sizeB));
      indexPairs.push_back(orderPairs[static_cast<size_t>(pairCursor++ % sizePairs)]);
    }
    const IndexRange mine = RankShare(count, group.Rank(), group.WorldSize());
    const auto       rows = [&](const std::vector<int64_t> & all) {
      return std::vector<int64_t>(all.begin() + mine.begin, all.begin() + mine.end);
    };
    const RefinerBatch b{ Gather(d.domainA, rows(indexA)), Gather(d.domainB, rows(indexB)), Gather(d.pairA, rows(indexPairs)),
                          Gather(d.pairB, rows(indexPairs)) };
    RefinerStep(group, b, static_cast<double>(mine.Size()) / static_cast<double>(count), state, options, poolRandom, record, batch, batches,
                checkpointPath);
    if (callbacks.onBatch && group.Leader())
      callbacks.onBatch(epoch, batch + 1, batches);
  }
  record.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return record;
}

/** In a data-parallel job: every rank resumes from the same epoch and starts from rank 0's weights. */
void
RequireSameStart(const DataParallelGroup & group, SinusCycleGAN & model, int64_t epochsDone)
{
  if (!group.Distributed())
    return;
  if (!SameOnEveryRank(group, { epochsDone }, "SinusCycle-GAN training: comparing the ranks' checkpoints").front())
    throw RefinerTrainingError("rank " + std::to_string(group.Rank()) + ": the ranks resume SinusCycle-GAN training from different epochs (this rank: " +
                               std::to_string(epochsDone) + " done); give every rank a checkpoint path they all see");
  BroadcastModuleState(group, *model);
}
} // namespace

std::vector<RefinerEpochRecord>
TrainRefiner(SinusCycleGAN & model, const RefinerTrainingData & input, const RefinerTrainingOptions & options,
             const std::string & checkpointPath, bool resume, const RefinerTrainingCallbacks & callbacks)
{
  input.Validate(model->config);
  const RefinerDomains domains = PrepareDomains(input);
  const auto           adamw = [&](std::vector<torch::Tensor> parameters) {
    return torch::optim::AdamW(std::move(parameters), torch::optim::AdamWOptions(options.learningRate)
                                                        .betas({ options.beta1, options.beta2 })
                                                        .weight_decay(options.weightDecay));
  };
  torch::optim::AdamW             generatorOptimizer = adamw(model->GeneratorAndCorrectionParameters());
  torch::optim::AdamW             discriminatorOptimizer = adamw(model->DiscriminatorParameters());
  MaskHistoryPool                 poolA(options.historyPoolSize), poolB(options.historyPoolSize);
  std::vector<RefinerEpochRecord> log;
  TrainingState                   state{ model, generatorOptimizer, discriminatorOptimizer, poolA, poolB, log };
  const std::string               identity = CheckpointIdentity(*model, options);
  if (resume && !checkpointPath.empty() && std::filesystem::exists(checkpointPath))
    LoadCheckpoint(checkpointPath, state, identity);
  const DataParallelGroup & group = ProcessGroup();
  RequireSameStart(group, model, static_cast<int64_t>(log.size()));
  model->train();
  for (int64_t epoch = static_cast<int64_t>(log.size()) + 1; epoch <= options.epochs; ++epoch)
  {
    log.push_back(RefinerEpoch(epoch, domains, state, options, checkpointPath, callbacks));
    // Rank 0 writes the checkpoint (with its own history pools: a resumed job gives them to every rank).
    RunOnLeader(group, "SinusCycle-GAN training: saving the checkpoint of epoch " + std::to_string(epoch), [&] {
      if (!checkpointPath.empty())
        SaveCheckpoint(checkpointPath, state, identity);
      if (callbacks.onEpoch)
        callbacks.onEpoch(log);
    });
  }
  model->eval();
  return log;
}

std::string
FormatRefinerLogCsv(const std::vector<RefinerEpochRecord> & log)
{
  std::string csv = "epoch,total,adversarial_ab,adversarial_ba,cycle,correction,discriminator_a,discriminator_b,seconds\n";
  char        line[400];
  for (const auto & r : log)
  {
    std::snprintf(line, sizeof(line), "%lld,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,%.3f\n", static_cast<long long>(r.epoch), r.total,
                  r.adversarialAB, r.adversarialBA, r.cycle, r.correction, r.discriminatorA, r.discriminatorB, r.seconds);
    csv += line;
  }
  return csv;
}

RefinerSettings
RefinerSettings::FromJson(const Json & json, const RefinerSettings & defaults)
{
  RefinerSettings s = defaults;
  if (const Json * r = FindJsonMember(json, "refiner"))
    s.architecture = RefinerConfig::FromJson(*r, s.architecture);
  if (const Json * t = FindJsonMember(json, "refiner_training"))
    s.training = RefinerTrainingOptions::FromJson(*t, s.training);
  return s;
}

void
RefinerSettings::WriteTo(Json & json) const
{
  json["refiner"] = architecture.ToJson();
  json["refiner_training"] = training.ToJson();
}

} // namespace sinus
