// SPDX-License-Identifier: Apache-2.0
// Teacher and student training of any Segmenter (the paper's Eq. for L_sup, L_wkd, L_unsup live
// in Losses.cxx; this file schedules batches, checkpoints and validation).
#include "sinus/SegmenterTraining.h"

#include "sinus/DataParallelGroup.h"
#include "sinus/FileUtilities.h"
#include "sinus/GradientAveraging.h"
#include "sinus/LossText.h"
#include "sinus/RankCoordination.h"
#include "sinus/Losses.h"
#include "sinus/OnlineSemiSupervision.h"
#include "sinus/PortableRandom.h"
#include "sinus/RankShare.h"
#include "sinus/SegmenterRegistry.h"
#include "sinus/TrainingCheckpoint.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <functional>
#include <limits>
#include <numeric>
#include <optional>
#include <sstream>

namespace sinus
{
namespace
{
constexpr const char * kCheckpointFormat = "sinusseg-segmenter-checkpoint-1";

torch::Tensor
Rows(const torch::Tensor & all, const std::vector<int64_t> & indices)
{
  return all.index_select(0, torch::tensor(indices, torch::kInt64));
}

/** Pseudo-labels on another grid stay binary: resampled, then > 0.5. */
torch::Tensor
ResamplePseudoLabels(const torch::Tensor & labels, int64_t grid)
{
  if (labels.size(-1) == grid && labels.size(-2) == grid)
    return labels;
  return (ResampleSquare(labels, grid) > 0.5).to(torch::kFloat32);
}

std::string
Describe(const std::vector<SegmentationSample> & samples)
{
  // The data's identity in the checkpoint: names and label presence, so a resumed run cannot
  // silently continue on another data set.
  uint64_t hash = SplitMix64(samples.size());
  for (const auto & s : samples)
  {
    for (char c : s.name)
      hash = SplitMix64(hash ^ static_cast<uint8_t>(c));
    hash = SplitMix64(hash ^ (s.Labelled() ? 1u : 2u));
  }
  std::ostringstream out;
  out << samples.size() << ":" << std::hex << hash;
  return out.str();
}

/** One batch: labelled images first, then unlabelled ones; per-pixel targets on the student's grid. */
struct TrainingBatch
{
  torch::Tensor images;        ///< uint8 B x 3 x S x S
  torch::Tensor maps;          ///< labels, then pseudo-labels
  torch::Tensor teacherLogits; ///< the student's KD targets (undefined for the teacher)
  int64_t       labelled = 0, unlabelled = 0;
};

/** This process's part of a global batch: a data-parallel job's ranks split each global batch
 *  into neighbouring blocks (RankShare), and every rank draws the whole batch's augmentation. */
struct BatchShare
{
  int64_t              globalImages = 0; ///< labelled images of the global batch (as many unlabelled ones when used)
  IndexRange           positions;        ///< this rank's block of them
  bool                 withUnlabelled = false;
  /** This rank's fraction of the global batch: the weight of its gradient and its losses. */
  double
  Fraction() const
  {
    return static_cast<double>(positions.Size()) / static_cast<double>(globalImages);
  }
  /** The rows of the global batch's augmentation that this rank's images take: its labelled
   *  images, then its unlabelled ones (the global batch's layout is the same, one block each). */
  std::vector<int64_t>
  AugmentationRows() const
  {
    std::vector<int64_t> rows;
    for (int64_t k = positions.begin; k < positions.end; ++k)
      rows.push_back(k);
    if (withUnlabelled)
      for (int64_t k = positions.begin; k < positions.end; ++k)
        rows.push_back(globalImages + k);
    return rows;
  }
};

/** The training loop of one stage, in small steps. */
class SegmenterTrainer
{
public:
  SegmenterTrainer(SegmenterImpl & segmenter, const SegmenterTrainingData & data, const SegmenterTrainingOptions & options,
                   const SegmenterStageFiles & files, const torch::Device & device, const SegmenterTrainingCallbacks & callbacks)
    : m_Segmenter(segmenter)
    , m_Data(data)
    , m_Options(options)
    , m_Files(files)
    , m_Device(device)
    , m_Callbacks(callbacks)
    , m_Group(ProcessGroup())
    , m_Stage(files.stage.empty() ? std::string("segmenter") : files.stage)
    , m_Grid(segmenter.LogitSize())
    , m_Student(data.targets != nullptr && options.semiSupervised == "paper")
    , m_Online(options.semiSupervised != "paper")
    , m_UseUnlabelled((m_Student || m_Online) && !data.unlabelled.empty())
  {}

  std::vector<SegmenterEpochRecord> Run(bool resume, const Json & modelMetadata);

private:
  void                 CheckData() const;
  void                 CheckTargets() const;
  void                 CheckPatchSize() const;
  /** The precision of the forward pass and losses: the option's on the CPU, fp32 on a GPU; what
   *  cannot run here (bf16 asked for on a GPU or without AVX-512) is an error naming the stage. */
  ComputePrecision     ForwardPrecision() const;
  std::string          Identity() const;
  void                 SaveCheckpoint(torch::optim::AdamW & optimizer) const;
  void                 LoadCheckpoint(torch::optim::AdamW & optimizer);
  SegmenterEpochRecord RunEpoch(int64_t epoch, torch::optim::AdamW & optimizer);
  torch::Tensor        DeeplySupervisedLoss(SegmenterImpl & network, const torch::Tensor & logits, const torch::Tensor & targetMaps,
                                            int64_t labelled) const;
  TrainingBatch        GatherBatch(const std::vector<int64_t> & indexL, const std::vector<int64_t> & indexU) const;
  BatchAugmentation    DrawAugmentation(const BatchShare & share, PortableRandom & random) const;
  void                 TrainBatch(const TrainingBatch & batch, const BatchShare & share, PortableRandom & random,
                                  torch::optim::AdamW & optimizer, SegmenterEpochRecord & record, SegmenterBatchReport & report);
  void                 TrainOnlineBatch(const torch::Tensor & input, const torch::Tensor & targetMaps, const TrainingBatch & batch,
                                        const BatchShare & share, PortableRandom & random, SegmenterEpochRecord & record,
                                        SegmenterBatchReport & report);
  void                 JoinBatchWithoutImages(const BatchShare & share, PortableRandom & random, torch::optim::AdamW & optimizer,
                                              int64_t step);
  void                 RequireSameStartOnEveryRank() const;
  /** The optimiser step (0-based, over the whole run) of a batch. */
  int64_t
  StepIndex(const SegmenterBatchReport & report) const
  {
    return (report.epoch - 1) * m_Batches + (report.batch - 1);
  }
  void                 Step(const BatchShare & share, torch::optim::AdamW & optimizer, int64_t step);
  void                 RequireFinite(const std::vector<std::pair<const char *, double>> & losses, const SegmenterBatchReport & report);
  bool                 AnyRankAborts() const;
  double               BatchBestHD95(double localBest) const;
  void                 SumOverRanks(SegmenterEpochRecord & record);
  double               ValidationDice();
  torch::Tensor        StudentLoss(const TrainingBatch & batch, const torch::Tensor & logits, const torch::Tensor & targetMaps,
                                   const torch::Tensor & warpedTeacher, const torch::Tensor & supervised, const BatchShare & share,
                                   SegmenterEpochRecord & record, SegmenterBatchReport & report,
                                   std::vector<std::pair<const char *, double>> & losses);
  torch::Tensor        Distillation(const torch::Tensor & teacher, const torch::Tensor & student, SegmenterEpochRecord & record,
                                    SegmenterBatchReport & report);
  void                 FinishEpoch(SegmenterEpochRecord & record, const Json & modelMetadata);
  [[noreturn]] void    NonFinite(const char * what, double value, int64_t epoch, int64_t batch) const;

  SegmenterImpl &                    m_Segmenter;
  const SegmenterTrainingData &      m_Data;
  const SegmenterTrainingOptions &   m_Options;
  const SegmenterStageFiles &        m_Files;
  const torch::Device                m_Device;
  const SegmenterTrainingCallbacks & m_Callbacks;
  const DataParallelGroup &          m_Group;
  const std::string                  m_Stage;
  const int64_t                      m_Grid;
  const bool                         m_Student, m_Online, m_UseUnlabelled;
  std::unique_ptr<OnlineSemiSupervisedMethod> m_Method; ///< the online method of m_Online
  std::vector<torch::Tensor>         m_Trained;           ///< what the optimiser updates
  int64_t                            m_Batches = 0, m_EpochSamples = 0, m_WeightCount = 0;
  int64_t                            m_GlobalBatch = 0;   ///< images per optimiser step over all ranks
  std::vector<SegmenterEpochRecord>  m_Log;
  double                             m_BestScore = -2;
  ComputePrecision                   m_ForwardPrecision = ComputePrecision::Float32; ///< ForwardPrecision(), set by Run
};

void
SegmenterTrainer::CheckData() const
{
  if (m_Data.labelled.empty())
    throw SegmenterTrainingError(m_Stage + ": no labelled images to train on");
  for (const auto & s : m_Data.labelled)
    if (!s.labels.count(m_Grid))
      throw SegmenterTrainingError(m_Stage + ": labelled image " + s.name + " has no label on the " + m_Segmenter.Architecture() +
                                   " network's " + std::to_string(m_Grid) + "x" + std::to_string(m_Grid) + " logit grid");
  if (m_Options.patchSize > 0)
    CheckPatchSize();
  if (m_Student)
    CheckTargets();
}

ComputePrecision
SegmenterTrainer::ForwardPrecision() const
{
  // PrecisionScope switches LibTorch's CPU autocast; on a GPU the forward pass would quietly stay fp32.
  if (m_Device.is_cuda() && m_Options.precision == ComputePrecision::BFloat16)
    throw SegmenterTrainingError(m_Stage + ": precision bf16 trains through the CPU's autocast; on " + m_Device.str() +
                                 " train with precision fp32 (or auto)");
  if (m_Device.is_cuda())
    return ComputePrecision::Float32;
  try
  {
    return ResolvePrecision(m_Options.precision); // a CPU without AVX-512 cannot compute bf16
  }
  catch (const std::runtime_error & e)
  {
    throw SegmenterTrainingError(m_Stage + ": " + e.what());
  }
}

void
SegmenterTrainer::CheckPatchSize() const
{
  const int64_t patch = m_Options.patchSize, input = m_Segmenter.InputSize(), multiple = m_Segmenter.InputSideMultiple();
  const std::string network = "the " + m_Segmenter.Architecture() + " network";
  if (multiple == 0)
    throw SegmenterTrainingError(m_Stage + ": patch_size " + std::to_string(patch) + ": " + network + " takes only its " +
                                 std::to_string(input) + "-pixel input; patches need a convolutional network (unet, nnunet, deeplabv3plus)");
  if (patch >= input || patch % multiple != 0)
    throw SegmenterTrainingError(m_Stage + ": patch_size " + std::to_string(patch) + " must be smaller than " + network + "'s " +
                                 std::to_string(input) + "-pixel input and a multiple of " + std::to_string(multiple));
  if ((m_Grid * patch) % input != 0)
    throw SegmenterTrainingError(m_Stage + ": patch_size " + std::to_string(patch) + " does not cut " + network + "'s " +
                                 std::to_string(m_Grid) + "-pixel logit grid into whole pixels");
}

void
SegmenterTrainer::CheckTargets() const
{
  const StudentTargets & t = *m_Data.targets;
  const auto             rows = [](const torch::Tensor & x, size_t n) { return x.defined() && x.size(0) == static_cast<int64_t>(n); };
  if (!rows(t.labelledTeacherLogits, m_Data.labelled.size()))
    throw SegmenterTrainingError(m_Stage + ": teacher logits are missing for the labelled images");
  if (m_UseUnlabelled &&
      (!rows(t.pseudoLabels, m_Data.unlabelled.size()) || !rows(t.unlabelledTeacherLogits, m_Data.unlabelled.size())))
    throw SegmenterTrainingError(m_Stage + ": pseudo-labels or teacher logits are missing for the unlabelled images");
}

std::string
SegmenterTrainer::Identity() const
{
  Json identity = Json::object();
  identity["stage"] = m_Stage;
  identity["model"] = SegmenterSpec{ m_Segmenter.Architecture(), m_Segmenter.ConfigJson() }.ToJson();
  Json optionsJson = m_Options.ToJson();
  optionsJson["epochs"] = nullptr; // may grow on resume
  identity["options"] = optionsJson;
  identity["labelled"] = Describe(m_Data.labelled);
  identity["unlabelled"] = m_UseUnlabelled ? Describe(m_Data.unlabelled) : std::string("none");
  return identity.dump();
}

void
SegmenterTrainer::SaveCheckpoint(torch::optim::AdamW & optimizer) const
{
  try
  {
    WriteTrainingCheckpoint(m_Files.checkpointPath, kCheckpointFormat, Identity(), [&](torch::serialize::OutputArchive & archive) {
      torch::serialize::OutputArchive weights, optimizerState;
      m_Segmenter.save(weights);
      optimizer.save(optimizerState);
      archive.write("weights", weights);
      archive.write("optimizer", optimizerState);
      Json log = Json::array();
      for (const auto & r : m_Log)
        log.push_back(r.ToJson());
      archive.write("log", c10::IValue(log.dump()));
      archive.write("best_dice", c10::IValue(m_BestScore));
      if (m_Method)
      {
        torch::serialize::OutputArchive method;
        m_Method->Save(method);
        archive.write("online_method", method);
      }
    });
  }
  catch (const TrainingCheckpointError & e)
  {
    throw SegmenterTrainingError(e.what());
  }
}

void
SegmenterTrainer::LoadCheckpoint(torch::optim::AdamW & optimizer)
{
  const auto read = [&](torch::serialize::InputArchive & archive) {
    torch::serialize::InputArchive weights, optimizerState;
    archive.read("weights", weights);
    archive.read("optimizer", optimizerState);
    m_Segmenter.load(weights);
    optimizer.load(optimizerState);
    c10::IValue log, bestScore;
    archive.read("log", log);
    archive.read("best_dice", bestScore);
    m_BestScore = bestScore.toDouble();
    if (m_Method)
    {
      torch::serialize::InputArchive method;
      archive.read("online_method", method);
      m_Method->Load(method);
    }
    m_Log.clear();
    const Json records = ParseJson(log.toStringRef()); // named: the loop must not outlive it
    for (const Json & r : records)
      m_Log.push_back(SegmenterEpochRecord::FromJson(r));
  };
  try
  {
    ReadTrainingCheckpoint(m_Files.checkpointPath, kCheckpointFormat, "SinusSeg teacher/student", Identity(), read, m_Device);
  }
  catch (const TrainingCheckpointError & e)
  {
    throw SegmenterTrainingError(e.what());
  }
}

void
SegmenterTrainer::NonFinite(const char * what, double value, int64_t epoch, int64_t batch) const
{
  throw SegmenterTrainingError(m_Stage + " training: " + what + " loss is " + LossText(value) + " at epoch " +
                               std::to_string(epoch) + ", batch " + std::to_string(batch) +
                               (m_Files.checkpointPath.empty() ? std::string() : "; the last good checkpoint is kept in " + m_Files.checkpointPath));
}

TrainingBatch
SegmenterTrainer::GatherBatch(const std::vector<int64_t> & indexL, const std::vector<int64_t> & indexU) const
{
  TrainingBatch              b;
  std::vector<torch::Tensor> images, maps;
  for (int64_t i : indexL)
  {
    images.push_back(m_Data.labelled[static_cast<size_t>(i)].image);
    maps.push_back(m_Data.labelled[static_cast<size_t>(i)].LabelAt(m_Grid));
  }
  b.labelled = static_cast<int64_t>(indexL.size());
  b.images = torch::stack(images);
  b.maps = torch::stack(maps);
  if (m_Student)
    b.teacherLogits = ResampleSquare(Rows(m_Data.targets->labelledTeacherLogits, indexL), m_Grid);
  if (indexU.empty())
    return b;
  std::vector<torch::Tensor> unlabelledImages;
  for (int64_t i : indexU)
    unlabelledImages.push_back(m_Data.unlabelled[static_cast<size_t>(i)].image);
  b.unlabelled = static_cast<int64_t>(indexU.size());
  b.images = torch::cat({ b.images, torch::stack(unlabelledImages) });
  if (!m_Student)
  {
    // An online method makes its own targets for the unlabelled images; empty maps keep one map
    // per image, as the augmentation warps them row by row.
    b.maps = torch::cat({ b.maps, torch::zeros({ b.unlabelled, 1, m_Grid, m_Grid }, b.maps.options()) });
    return b;
  }
  b.maps = torch::cat({ b.maps, ResamplePseudoLabels(Rows(m_Data.targets->pseudoLabels, indexU), m_Grid) });
  b.teacherLogits = torch::cat({ b.teacherLogits, ResampleSquare(Rows(m_Data.targets->unlabelledTeacherLogits, indexU), m_Grid) });
  return b;
}

torch::Tensor
SegmenterTrainer::Distillation(const torch::Tensor & teacher, const torch::Tensor & student, SegmenterEpochRecord & record,
                               SegmenterBatchReport & report)
{
  if (m_Options.distillation == DistillationMode::Weighted)
  {
    const WeightedDistillation w = WeightedKnowledgeDistillationLoss(teacher, student, m_Options.temperature, m_Options.tau,
                                                                     [&](double best) { return BatchBestHD95(best); });
    for (size_t i = 0; i < w.weights.size(); ++i)
    {
      record.meanWeight += w.weights[i];
      record.meanHD95 += w.hd95[i];
      record.distillationRaw += w.rawKD[i];
      report.meanWeight += w.weights[i] / static_cast<double>(w.weights.size());
      report.distillationRaw += w.rawKD[i] / static_cast<double>(w.weights.size());
      ++m_WeightCount;
    }
    return w.loss;
  }
  const torch::Tensor perImage = KnowledgeDistillationPerImage(teacher, student, m_Options.temperature);
  record.distillationRaw += perImage.sum().item<double>();
  record.meanWeight += static_cast<double>(perImage.size(0));
  m_WeightCount += perImage.size(0);
  report.distillationRaw = perImage.mean().item<double>();
  report.meanWeight = 1;
  return perImage.mean();
}

double
SegmenterTrainer::BatchBestHD95(double localBest) const
{
  // The smallest HD95 of the global batch normalises the paper's weights; a rank without images
  // offers +inf.
  if (!m_Group.Distributed())
    return localBest;
  std::vector<torch::Tensor> negated{ torch::tensor({ -localBest }, torch::kFloat64) };
  m_Group.MaximumInPlace(negated, m_Stage + " training: the batch's best teacher-student HD95");
  return -negated.front().item<double>();
}

torch::Tensor
SegmenterTrainer::StudentLoss(const TrainingBatch & batch, const torch::Tensor & logits, const torch::Tensor & targetMaps,
                              const torch::Tensor & warpedTeacher, const torch::Tensor & supervised, const BatchShare & share,
                              SegmenterEpochRecord & record, SegmenterBatchReport & report,
                              std::vector<std::pair<const char *, double>> & losses)
{
  const int64_t bl = batch.labelled, bu = batch.unlabelled;
  const int64_t distilled = (m_Options.distilUnlabelled && bu > 0) ? bl + bu : bl;
  torch::Tensor distillation = torch::zeros({}, logits.options());
  if (m_Options.distillation != DistillationMode::Off)
    distillation = Distillation(warpedTeacher.slice(0, 0, distilled), logits.slice(0, 0, distilled), record, report);
  torch::Tensor unsupervised = torch::zeros({}, logits.options());
  if (bu > 0)
    unsupervised = m_Options.unsupervisedLoss == "dice_bce"
                     ? SupervisedLoss(logits.slice(0, bl, bl + bu), targetMaps.slice(0, bl, bl + bu))
                     : UnsupervisedLoss(logits.slice(0, bl, bl + bu), targetMaps.slice(0, bl, bl + bu));
  const double distillationValue = distillation.item<double>(), unsupervisedValue = unsupervised.item<double>();
  losses.emplace_back("distillation", distillationValue);
  losses.emplace_back("unsupervised", unsupervisedValue);
  const double fraction = share.Fraction();
  record.distillationWeighted += fraction * distillationValue / static_cast<double>(m_Batches);
  record.unsupervised += fraction * unsupervisedValue / static_cast<double>(m_Batches);
  report.unsupervised = unsupervisedValue;
  return StudentObjective(supervised, distillation, unsupervised, m_Options.alpha, m_Options.beta);
}

torch::Tensor
SegmenterTrainer::DeeplySupervisedLoss(SegmenterImpl & network, const torch::Tensor & logits, const torch::Tensor & targetMaps,
                                       int64_t labelled) const
{
  const torch::Tensor labels = targetMaps.slice(0, 0, labelled);
  const torch::Tensor weights =
    m_Options.separationWeight > 0 ? SeparationWeights(labels, m_Options.separationGap, m_Options.separationWeight) : torch::Tensor();
  torch::Tensor loss = SupervisedLoss(logits.slice(0, 0, labelled), labels, weights);
  // nnU-Net's deep supervision: the coarser outputs against the labels brought to their grid,
  // weighted 1/2^k and normalised with the main output's weight 1.
  double weight = 1, total = 1;
  for (const torch::Tensor & coarse : network.AuxiliaryLogits())
  {
    weight /= 2;
    total += weight;
    loss = loss + weight * SupervisedLoss(coarse.slice(0, 0, labelled), ResamplePseudoLabels(labels, coarse.size(-1)));
  }
  return loss / total;
}

BatchAugmentation
SegmenterTrainer::DrawAugmentation(const BatchShare & share, PortableRandom & random) const
{
  // Every rank draws the global batch's transforms, as one process would, and keeps its rows.
  const int64_t     drawn = share.withUnlabelled ? 2 * share.globalImages : share.globalImages;
  BatchAugmentation augmentation = DrawBatchAugmentation(drawn, m_Options.augmentation, random);
  if (m_Options.patchSize > 0)
    AddRandomPatches(augmentation, m_Segmenter.InputSize(), m_Options.patchSize, random);
  if (!m_Group.Distributed())
    return augmentation;
  return SelectAugmentationRows(augmentation, share.AugmentationRows());
}

void
SegmenterTrainer::TrainBatch(const TrainingBatch & batch, const BatchShare & share, PortableRandom & random,
                             torch::optim::AdamW & optimizer, SegmenterEpochRecord & record, SegmenterBatchReport & report)
{
  // One forward pass over labelled and unlabelled images together; every per-pixel target is
  // warped with its image's transform.
  const BatchAugmentation augmentation = DrawAugmentation(share, random);
  const torch::Tensor     input = AugmentImages(SegmenterInput(m_Segmenter, batch.images.to(m_Device)), augmentation);
  const torch::Tensor     targetMaps = WarpTargets(batch.maps.to(m_Device), augmentation, /*repeatBorder=*/false);
  optimizer.zero_grad();
  if (m_Method)
  {
    TrainOnlineBatch(input, targetMaps, batch, share, random, record, report);
    Step(share, optimizer, StepIndex(report));
    return;
  }
  torch::Tensor total;
  {
    // The forward pass and the losses in the chosen precision; backward outside it, as autocast asks.
    const PrecisionScope                         precision(m_ForwardPrecision);
    const torch::Tensor                          logits = m_Segmenter.Logits(input);
    const torch::Tensor                          supervised = DeeplySupervisedLoss(m_Segmenter, logits, targetMaps, batch.labelled);
    std::vector<std::pair<const char *, double>> losses{ { "supervised", supervised.item<double>() } };
    report.supervised = losses.front().second;
    total = supervised;
    if (m_Student)
      total = StudentLoss(batch, logits, targetMaps, WarpTargets(batch.teacherLogits.to(m_Device), augmentation, /*repeatBorder=*/true),
                          supervised, share, record, report, losses);
    report.total = total.item<double>();
    losses.emplace_back("total", report.total);
    RequireFinite(losses, report);
  }
  total.backward();
  Step(share, optimizer, StepIndex(report));
  const double fraction = share.Fraction();
  record.supervised += fraction * report.supervised / static_cast<double>(m_Batches);
  record.total += fraction * report.total / static_cast<double>(m_Batches);
}

void
SegmenterTrainer::TrainOnlineBatch(const torch::Tensor & input, const torch::Tensor & targetMaps, const TrainingBatch & batch,
                                   const BatchShare & share, PortableRandom & random, SegmenterEpochRecord & record,
                                   SegmenterBatchReport & report)
{
  OnlineStep step;
  step.input = input;
  step.labels = targetMaps.slice(0, 0, batch.labelled);
  step.labelled = batch.labelled;
  step.unlabelled = batch.unlabelled;
  step.step = StepIndex(report);
  step.totalSteps = m_Options.epochs * m_Batches;
  // One seed per step for the method's own draws, the same on every rank; each rank's images take
  // their own draws from it.
  step.seed = random.Next() + 0x9E3779B97F4A7C15ull * static_cast<uint64_t>(share.positions.begin);
  const SupervisedTerm supervised = [&](SegmenterImpl & network, const torch::Tensor & logits) {
    return DeeplySupervisedLoss(network, logits, step.labels, step.labelled);
  };
  std::optional<PrecisionScope> precision(std::in_place, m_ForwardPrecision);
  const OnlineStepLosses        losses = m_Method->Loss(m_Segmenter, step, supervised);
  precision.reset(); // backward outside autocast
  report.supervised = losses.supervised;
  report.unsupervised = losses.unsupervised;
  report.meanWeight = losses.weight;
  report.total = losses.total.item<double>();
  RequireFinite({ { "supervised", report.supervised }, { "unsupervised", report.unsupervised }, { "total", report.total } }, report);
  losses.total.backward();
  const double fraction = share.Fraction() / static_cast<double>(m_Batches);
  record.supervised += fraction * losses.supervised;
  record.unsupervised += fraction * losses.unsupervised;
  record.meanWeight += fraction * losses.weight;
  record.total += fraction * report.total;
}

void
SegmenterTrainer::JoinBatchWithoutImages(const BatchShare & share, PortableRandom & random, torch::optim::AdamW & optimizer,
                                         int64_t step)
{
  // A short last batch may leave this rank without images. It still takes the batch's random
  // draws and joins every collective the other ranks make for it, in the same order.
  DrawAugmentation(share, random);
  optimizer.zero_grad();
  if (m_Method)
    random.Next();
  if (m_Student && m_Options.distillation == DistillationMode::Weighted)
    BatchBestHD95(std::numeric_limits<double>::infinity());
  SegmenterBatchReport none;
  RequireFinite({}, none);
  Step(share, optimizer, step);
}

void
SegmenterTrainer::Step(const BatchShare & share, torch::optim::AdamW & optimizer, int64_t step)
{
  AverageGradients(m_Group, m_Trained, share.Fraction());
  optimizer.step();
  if (m_Method)
    m_Method->AfterStep(m_Segmenter, step);
}

void
SegmenterTrainer::RequireFinite(const std::vector<std::pair<const char *, double>> & losses, const SegmenterBatchReport & report)
{
  // Every rank learns of a non-finite loss anywhere, so that all stop together rather than the
  // others waiting for a gradient that never comes.
  const auto bad = std::find_if(losses.begin(), losses.end(), [](const auto & loss) { return !std::isfinite(loss.second); });
  const bool anywhere = m_Group.AnyRank(bad != losses.end(), m_Stage + " training: checking the losses");
  if (bad != losses.end())
    NonFinite(bad->first, bad->second, report.epoch, report.batch);
  if (anywhere)
    throw SegmenterTrainingError(m_Stage + " training: another rank's loss is not finite at epoch " + std::to_string(report.epoch) +
                                 ", batch " + std::to_string(report.batch) +
                                 (m_Files.checkpointPath.empty() ? std::string()
                                                                 : "; the last good checkpoint is kept in " + m_Files.checkpointPath));
}

bool
SegmenterTrainer::AnyRankAborts() const
{
  const bool here = m_Callbacks.shouldAbort && m_Callbacks.shouldAbort();
  return m_Group.AnyRank(here, m_Stage + " training: checking for a stop request");
}

void
SegmenterTrainer::SumOverRanks(SegmenterEpochRecord & record)
{
  // The losses were added with each rank's fraction of every batch, the per-image sums as they
  // are: the sums over ranks are the whole job's figures.
  const std::vector<double> v = m_Group.SumEach({ record.supervised, record.unsupervised, record.distillationWeighted, record.total,
                                                  record.meanWeight, record.meanHD95, record.distillationRaw,
                                                  static_cast<double>(m_WeightCount) },
                                                m_Stage + " training: the epoch's losses");
  record.supervised = v[0];
  record.unsupervised = v[1];
  record.distillationWeighted = v[2];
  record.total = v[3];
  record.meanWeight = v[4];
  record.meanHD95 = v[5];
  record.distillationRaw = v[6];
  m_WeightCount = static_cast<int64_t>(v[7]);
}

SegmenterEpochRecord
SegmenterTrainer::RunEpoch(int64_t epoch, torch::optim::AdamW & optimizer)
{
  m_Segmenter.train();
  for (auto & group : optimizer.param_groups())
    static_cast<torch::optim::AdamWOptions &>(group.options()).lr(m_Options.LearningRateAt(epoch));
  const int64_t nl = static_cast<int64_t>(m_Data.labelled.size());
  const int64_t nu = m_UseUnlabelled ? static_cast<int64_t>(m_Data.unlabelled.size()) : 0;
  // Randomness from (seed, epoch) only, so a resumed run draws what an uninterrupted one would.
  PortableRandom       random(SplitMix64(m_Options.seed) ^ (static_cast<uint64_t>(epoch) * 0x9E3779B97F4A7C15ull));
  std::vector<int64_t> orderL(static_cast<size_t>(nl)), orderU(static_cast<size_t>(nu));
  std::iota(orderL.begin(), orderL.end(), int64_t{ 0 });
  std::iota(orderU.begin(), orderU.end(), int64_t{ 0 });
  random.Shuffle(orderL);
  random.Shuffle(orderU);
  SegmenterEpochRecord record;
  record.epoch = epoch;
  m_WeightCount = 0;
  for (int64_t batch = 0; batch < m_Batches; ++batch)
  {
    if (AnyRankAborts())
      throw SegmenterTrainingAborted(m_Stage + " training aborted in epoch " + std::to_string(epoch));
    BatchShare    share;
    const int64_t first = batch * m_GlobalBatch;
    share.globalImages = std::min(m_GlobalBatch, m_EpochSamples - first);
    share.positions = RankShare(share.globalImages, m_Group.Rank(), m_Group.WorldSize());
    share.withUnlabelled = nu > 0;
    SegmenterBatchReport report;
    report.epoch = epoch;
    report.batch = batch + 1;
    report.batches = m_Batches;
    if (share.positions.Size() == 0)
    {
      JoinBatchWithoutImages(share, random, optimizer, StepIndex(report));
      continue;
    }
    std::vector<int64_t> indexL, indexU;
    for (int64_t k = share.positions.begin; k < share.positions.end; ++k)
    {
      indexL.push_back(orderL[static_cast<size_t>((first + k) % nl)]);
      if (nu > 0)
        indexU.push_back(orderU[static_cast<size_t>((first + k) % nu)]);
    }
    TrainBatch(GatherBatch(indexL, indexU), share, random, optimizer, record, report);
    if (m_Callbacks.onBatch && m_Group.Leader())
      m_Callbacks.onBatch(report);
  }
  SumOverRanks(record);
  if (m_WeightCount > 0)
  {
    record.meanWeight /= static_cast<double>(m_WeightCount);
    record.meanHD95 /= static_cast<double>(m_WeightCount);
    record.distillationRaw /= static_cast<double>(m_WeightCount);
  }
  return record;
}

double
SegmenterTrainer::ValidationDice()
{
  if (!m_Group.Distributed())
    return MeanDiceOnOriginalGrid(PredictSampleLogits(m_Segmenter, m_Data.validation, m_Options.batchSize, m_Device, m_Callbacks.shouldAbort),
                                  m_Data.validation);
  // Each rank predicts its block of the validation images; the mean is over all of them.
  const IndexRange mine = RankShare(static_cast<int64_t>(m_Data.validation.size()), m_Group.Rank(), m_Group.WorldSize());
  const std::vector<SegmentationSample> part(m_Data.validation.begin() + mine.begin, m_Data.validation.begin() + mine.end);
  double diceSum = 0;
  if (!part.empty())
    diceSum = MeanDiceOnOriginalGrid(PredictSampleLogits(m_Segmenter, part, m_Options.batchSize, m_Device, m_Callbacks.shouldAbort), part) *
              static_cast<double>(part.size());
  return m_Group.Sum(diceSum, m_Stage + " training: the validation Dice") / static_cast<double>(m_Data.validation.size());
}

void
SegmenterTrainer::FinishEpoch(SegmenterEpochRecord & record, const Json & modelMetadata)
{
  m_Segmenter.eval();
  if (!m_Data.validation.empty())
    record.validationDice = ValidationDice();
  // The best epoch by validation Dice (the latest one without validation data) is the model file.
  const double score = m_Data.validation.empty() ? static_cast<double>(record.epoch) : record.validationDice;
  record.best = score > m_BestScore;
  if (!record.best)
    return;
  m_BestScore = score;
  if (m_Files.modelPath.empty() || !m_Group.Leader())
    return;
  Json metadata = modelMetadata.is_object() ? modelMetadata : Json::object();
  metadata["stage"] = m_Stage;
  metadata["epoch"] = record.epoch;
  if (!m_Data.validation.empty())
    metadata["validation_dice"] = record.validationDice;
  m_Segmenter.to(torch::kCPU);
  SaveSegmenterModel(m_Files.modelPath, m_Segmenter, metadata);
  m_Segmenter.to(m_Device);
}

std::vector<SegmenterEpochRecord>
SegmenterTrainer::Run(bool resume, const Json & modelMetadata)
{
  m_Options.Validate();
  CheckData();
  m_ForwardPrecision = ForwardPrecision(); // decided once, before the first step
  m_Segmenter.to(m_Device);
  // Every rank starts from rank 0's weights (the online methods copy them into their own networks).
  BroadcastModuleState(m_Group, m_Segmenter);
  m_Trained = SelectTrainableGroups(m_Segmenter, m_Options.trainableParts);
  if (m_Online)
  {
    try
    {
      m_Method = MakeOnlineSemiSupervisedMethod(m_Options.semiSupervised, m_Segmenter, m_Options.seed, m_Device);
    }
    catch (const std::invalid_argument & e)
    {
      throw SegmenterTrainingError(m_Stage + ": " + e.what());
    }
    for (const torch::Tensor & p : m_Method->ExtraParameters())
      m_Trained.push_back(p);
  }
  // AdamW is element-wise: one optimiser over both of CPS's networks is two optimisers with the same settings.
  torch::optim::AdamW optimizer(m_Trained, torch::optim::AdamWOptions(m_Options.learningRate).weight_decay(m_Options.weightDecay));
  if (resume && !m_Files.checkpointPath.empty() && std::filesystem::exists(m_Files.checkpointPath))
    LoadCheckpoint(optimizer);
  RequireSameStartOnEveryRank();
  const int64_t nl = static_cast<int64_t>(m_Data.labelled.size());
  const int64_t nu = m_UseUnlabelled ? static_cast<int64_t>(m_Data.unlabelled.size()) : 0;
  // batch_size is per process, as in PyTorch's DistributedDataParallel: one optimiser step takes
  // batch_size images from every rank.
  m_GlobalBatch = m_Options.batchSize * m_Group.WorldSize();
  // An epoch visits the longer list once, unless a fixed number of steps is asked for (ablations
  // give every student the same optimisation budget, with or without unlabelled images).
  m_EpochSamples = m_Options.stepsPerEpoch > 0 ? m_Options.stepsPerEpoch * m_GlobalBatch : std::max(nl, nu);
  m_Batches = (m_EpochSamples + m_GlobalBatch - 1) / m_GlobalBatch;
  for (int64_t epoch = static_cast<int64_t>(m_Log.size()) + 1; epoch <= m_Options.epochs; ++epoch)
  {
    const auto           start = std::chrono::steady_clock::now();
    SegmenterEpochRecord record = RunEpoch(epoch, optimizer);
    FinishEpoch(record, modelMetadata);
    record.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    m_Log.push_back(record);
    if (!m_Group.Leader())
      continue;
    if (!m_Files.checkpointPath.empty())
      SaveCheckpoint(optimizer);
    if (m_Callbacks.onEpoch)
      m_Callbacks.onEpoch(m_Log);
  }
  m_Segmenter.eval();
  return m_Log;
}

void
SegmenterTrainer::RequireSameStartOnEveryRank() const
{
  // Ranks that read different data or checkpoints (a folder not shared between machines) would
  // train apart without noticing: compare what each starts from.
  if (!m_Group.Distributed())
    return;
  const std::string identity = Identity();
  const int64_t     fingerprint = static_cast<int64_t>(SplitMix64(std::hash<std::string>{}(identity)) >> 2);
  const int64_t     epochs = static_cast<int64_t>(m_Log.size());
  const std::vector<bool> same = SameOnEveryRank(m_Group, { fingerprint, epochs }, m_Stage + " training: comparing the ranks' data and checkpoints");
  if (!same[0])
    throw SegmenterTrainingError(m_Stage + " training: the ranks read different data or options (rank " + std::to_string(m_Group.Rank()) +
                                 " is one of them): every rank must be given the same datalist and configuration");
  if (!same[1])
    throw SegmenterTrainingError(m_Stage + " training: the ranks resume from different epochs (this rank, " + std::to_string(m_Group.Rank()) +
                                 ", from " + std::to_string(epochs) + "): the checkpoint " + m_Files.checkpointPath +
                                 " must be on a file system every rank reads");
}

} // namespace

std::vector<SegmenterEpochRecord>
TrainSegmenter(SegmenterImpl & segmenter, const SegmenterTrainingData & data, const SegmenterTrainingOptions & options,
               const SegmenterStageFiles & files, bool resume, const torch::Device & device, const SegmenterTrainingCallbacks & callbacks,
               const Json & modelMetadata)
{
  return SegmenterTrainer(segmenter, data, options, files, device, callbacks).Run(resume, modelMetadata);
}

} // namespace sinus
