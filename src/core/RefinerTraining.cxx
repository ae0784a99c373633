#include "sinus/RefinerTraining.h"

#include "sinus/FileUtilities.h"
#include "sinus/Losses.h"
#include "sinus/TrainingCheckpoint.h"

#include <chrono>
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
  Json j = Json::Object();
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
  Json j = Json::Object();
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
  r.epoch = j.At("epoch").AsInteger();
  r.adversarialAB = j.At("adversarial_ab").AsNumber();
  r.adversarialBA = j.At("adversarial_ba").AsNumber();
  r.cycle = j.At("cycle").AsNumber();
  r.correction = j.At("correction").AsNumber();
  r.total = j.At("total").AsNumber();
  r.discriminatorA = j.At("discriminator_a").AsNumber();
  r.discriminatorB = j.At("discriminator_b").AsNumber();
  r.seconds = j.At("seconds").AsNumber();
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
  Json id = Json::Object();
  id["config"] = model.config.ToJson();
  id["options"] = o;
  return id.Dump();
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
      Json log = Json::Array();
      for (const auto & r : s.log)
        log.PushBack(EpochRecordToJson(r));
      archive.write("log", c10::IValue(log.Dump()));
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
                             const Json records = Json::Parse(log.toStringRef()); // named: the loop must not outlive it
                             for (const Json & r : records.AsArray())
                               s.log.push_back(EpochRecordFromJson(r));
                           });
  }
  catch (const TrainingCheckpointError & e)
  {
    throw RefinerTrainingError(e.what());
  }
}

double
RequireFinite(const torch::Tensor & loss, const char * name, int64_t epoch, int64_t batch, const std::string & checkpoint)
{
  const double value = loss.item<double>();
  if (!std::isfinite(value))
  {
    throw RefinerTrainingError("SinusCycle-GAN training: " + std::string(name) + " loss is " + std::to_string(value) + " at epoch " +
                               std::to_string(epoch) + ", batch " + std::to_string(batch) +
                               (checkpoint.empty() ? std::string() : "; the last good checkpoint is kept in " + checkpoint));
  }
  return value;
}

torch::Tensor
Gather(const torch::Tensor & all, const std::vector<int64_t> & indices)
{
  return all.index_select(0, torch::tensor(indices, torch::kInt64).to(all.device()));
}
} // namespace

std::vector<RefinerEpochRecord>
TrainRefiner(SinusCycleGAN & model, const RefinerTrainingData & input, const RefinerTrainingOptions & options,
             const std::string & checkpointPath, bool resume, const RefinerTrainingCallbacks & callbacks)
{
  input.Validate(model->config);
  RefinerTrainingData data = input;
  if (!data.unpairedTeacher.defined() || data.unpairedTeacher.numel() == 0)
    data.unpairedTeacher = data.pairedTeacher;
  if (!data.unpairedTruth.defined() || data.unpairedTruth.numel() == 0)
    data.unpairedTruth = data.pairedTruth;
  // The networks work in [-1, 1]; the correction targets stay in [0, 1].
  const torch::Tensor domainA = MaskToGeneratorRange(data.unpairedTeacher), domainB = MaskToGeneratorRange(data.unpairedTruth);
  const torch::Tensor pairA = MaskToGeneratorRange(data.pairedTeacher), pairB = MaskToGeneratorRange(data.pairedTruth);

  const auto adamw = [&](std::vector<torch::Tensor> parameters) {
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

  model->train();
  const int64_t sizeA = domainA.size(0), sizeB = domainB.size(0), sizePairs = pairA.size(0);
  const int64_t batches = (std::max(sizeA, sizeB) + options.batchSize - 1) / options.batchSize;
  for (int64_t epoch = static_cast<int64_t>(log.size()) + 1; epoch <= options.epochs; ++epoch)
  {
    // The epoch's randomness depends only on (seed, epoch), so a resumed run draws what an
    // uninterrupted one would.
    PortableRandom       random(SplitMix64(options.seed) ^ (static_cast<uint64_t>(epoch) * 0x9E3779B97F4A7C15ull));
    std::vector<int64_t> orderA(static_cast<size_t>(sizeA)), orderPairs(static_cast<size_t>(sizePairs));
    for (int64_t i = 0; i < sizeA; ++i)
      orderA[static_cast<size_t>(i)] = i;
    for (int64_t i = 0; i < sizePairs; ++i)
      orderPairs[static_cast<size_t>(i)] = i;
    random.Shuffle(orderA);
    random.Shuffle(orderPairs);
    RefinerEpochRecord record;
    record.epoch = epoch;
    const auto start = std::chrono::steady_clock::now();
    int64_t    pairCursor = 0;
    for (int64_t batch = 0; batch < batches; ++batch)
    {
      if (callbacks.shouldAbort && callbacks.shouldAbort())
        throw RefinerTrainingAborted("SinusCycle-GAN training aborted in epoch " + std::to_string(epoch));
      const int64_t        first = batch * options.batchSize;
      const int64_t        count = std::min(options.batchSize, std::max(sizeA, sizeB) - first);
      std::vector<int64_t> indexA, indexB, indexPairs;
      for (int64_t k = 0; k < count; ++k)
      {
        indexA.push_back(orderA[static_cast<size_t>((first + k) % sizeA)]);
        indexB.push_back(random.Integer(sizeB));
        indexPairs.push_back(orderPairs[static_cast<size_t>(pairCursor++ % sizePairs)]);
      }
      const torch::Tensor realA = Gather(domainA, indexA), realB = Gather(domainB, indexB);
      const torch::Tensor pairedA = Gather(pairA, indexPairs), pairedB = Gather(pairB, indexPairs);

      // Generator + correction step, discriminators frozen.
      SetRequiresGrad(*model->D_A, false);
      SetRequiresGrad(*model->D_B, false);
      generatorOptimizer.zero_grad();
      const torch::Tensor fakeB = model->G_AB->forward(realA);
      const torch::Tensor fakeA = model->G_BA->forward(realB);
      const torch::Tensor cycle = CycleConsistencyLoss(model->G_BA->forward(fakeB), realA) +
                                  CycleConsistencyLoss(model->G_AB->forward(fakeA), realB);
      const torch::Tensor correction =
        CorrectionLoss(model->C_B->forward(model->G_AB->forward(pairedA)), (pairedB + 1.0) * 0.5) +
        CorrectionLoss(model->C_A->forward(model->G_BA->forward(pairedB)), (pairedA + 1.0) * 0.5);
      const SinusCycleGANObjective objective = CombineSinusCycleGANObjective(
        LsganLoss(model->D_B->forward(fakeB), true), LsganLoss(model->D_A->forward(fakeA), true), cycle, correction, options.cycleWeight);
      RequireFinite(objective.total, "generator", epoch, batch + 1, checkpointPath);
      objective.total.backward();
      generatorOptimizer.step();

      // Discriminator step on real masks and on fakes from the history pools.
      SetRequiresGrad(*model->D_A, true);
      SetRequiresGrad(*model->D_B, true);
      discriminatorOptimizer.zero_grad();
      const torch::Tensor pooledB = poolB.Query(fakeB.detach(), random);
      const torch::Tensor pooledA = poolA.Query(fakeA.detach(), random);
      const torch::Tensor lossB = 0.5 * (LsganLoss(model->D_B->forward(realB), true) + LsganLoss(model->D_B->forward(pooledB), false));
      const torch::Tensor lossA = 0.5 * (LsganLoss(model->D_A->forward(realA), true) + LsganLoss(model->D_A->forward(pooledA), false));
      const torch::Tensor discriminatorTotal = lossA + lossB;
      RequireFinite(discriminatorTotal, "discriminator", epoch, batch + 1, checkpointPath);
      discriminatorTotal.backward();
      discriminatorOptimizer.step();

      record.adversarialAB += objective.adversarialAB.item<double>() / batches;
      record.adversarialBA += objective.adversarialBA.item<double>() / batches;
      record.cycle += objective.cycle.item<double>() / batches;
      record.correction += objective.correction.item<double>() / batches;
      record.total += objective.total.item<double>() / batches;
      record.discriminatorA += lossA.item<double>() / batches;
      record.discriminatorB += lossB.item<double>() / batches;
      if (callbacks.onBatch)
        callbacks.onBatch(epoch, batch + 1, batches);
    }
    record.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    log.push_back(record);
    if (!checkpointPath.empty())
      SaveCheckpoint(checkpointPath, state, identity);
    if (callbacks.onEpoch)
      callbacks.onEpoch(log);
  }
  model->eval();
  return log;
}

} // namespace sinus
