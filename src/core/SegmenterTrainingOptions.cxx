// SPDX-License-Identifier: Apache-2.0
// Settings and per-epoch records of teacher and student training, as JSON and CSV.
#include "sinus/SegmenterTraining.h"

#include "sinus/ConfigurationCheck.h"

#include <cmath>
#include <cstdio>

namespace sinus
{

DistillationMode
ParseDistillationMode(const std::string & text)
{
  if (text == "off")
    return DistillationMode::Off;
  if (text == "unweighted")
    return DistillationMode::Unweighted;
  if (text == "weighted")
    return DistillationMode::Weighted;
  throw std::invalid_argument("unknown distillation mode '" + text + "' (known: off, unweighted, weighted)");
}

const char *
ToString(DistillationMode mode)
{
  switch (mode)
  {
    case DistillationMode::Off:
      return "off";
    case DistillationMode::Unweighted:
      return "unweighted";
    case DistillationMode::Weighted:
      break;
  }
  return "weighted";
}

SegmenterTrainingOptions
SegmenterTrainingOptions::FromJson(const Json & json, const SegmenterTrainingOptions & defaults)
{
  const std::string where = "segmenter training";
  RequireKnownKeys(json,
                   { "epochs", "batch_size", "steps_per_epoch", "learning_rate", "weight_decay", "seed", "trainable", "augmentation", "alpha", "beta",
                     "temperature", "tau", "distillation", "distil_unlabelled", "learning_rate_schedule", "unsupervised_loss", "patch_size", "separation_weight", "separation_gap", "semi_supervised", "precision" },
                   where);
  SegmenterTrainingOptions o = defaults;
  ReadJsonField(json, "epochs", o.epochs, where);
  ReadJsonField(json, "batch_size", o.batchSize, where);
  ReadJsonField(json, "steps_per_epoch", o.stepsPerEpoch, where);
  ReadJsonField(json, "learning_rate", o.learningRate, where);
  ReadJsonField(json, "weight_decay", o.weightDecay, where);
  ReadJsonField(json, "seed", o.seed, where);
  ReadJsonField(json, "alpha", o.alpha, where);
  ReadJsonField(json, "beta", o.beta, where);
  ReadJsonField(json, "temperature", o.temperature, where);
  ReadJsonField(json, "tau", o.tau, where);
  ReadJsonField(json, "distil_unlabelled", o.distilUnlabelled, where);
  ReadJsonField(json, "learning_rate_schedule", o.learningRateSchedule, where);
  ReadJsonField(json, "unsupervised_loss", o.unsupervisedLoss, where);
  ReadJsonField(json, "patch_size", o.patchSize, where);
  ReadJsonField(json, "separation_weight", o.separationWeight, where);
  ReadJsonField(json, "separation_gap", o.separationGap, where);
  ReadJsonField(json, "semi_supervised", o.semiSupervised, where);
  if (const Json * parts = FindJsonMember(json, "trainable"))
  {
    if (!parts->is_array())
      throw std::invalid_argument(where + ": 'trainable' must be an array of part names");
    o.trainableParts.clear();
    for (const Json & p : parts->get_ref<const Json::array_t &>())
      o.trainableParts.push_back(p.get<std::string>());
  }
  if (const Json * precision = FindJsonMember(json, "precision"))
  {
    if (!precision->is_string())
      throw std::invalid_argument(where + ": 'precision' must be \"fp32\", \"bf16\" or \"auto\"");
    try
    {
      o.precision = ParseComputePrecision(precision->get<std::string>());
    }
    catch (const std::invalid_argument & e)
    {
      throw std::invalid_argument(where + ": 'precision': " + e.what());
    }
  }
  if (const Json * mode = FindJsonMember(json, "distillation"))
    o.distillation = ParseDistillationMode(mode->get<std::string>());
  if (const Json * augmentation = FindJsonMember(json, "augmentation"))
    o.augmentation = AugmentationOptions::FromJson(*augmentation, o.augmentation);
  o.Validate();
  return o;
}

Json
SegmenterTrainingOptions::ToJson() const
{
  Json j = Json::object();
  j["epochs"] = epochs;
  j["batch_size"] = batchSize;
  j["steps_per_epoch"] = stepsPerEpoch;
  j["learning_rate"] = learningRate;
  j["weight_decay"] = weightDecay;
  j["seed"] = static_cast<int64_t>(seed);
  Json parts = Json::array();
  for (const auto & p : trainableParts)
    parts.push_back(p);
  j["trainable"] = parts;
  j["augmentation"] = augmentation.ToJson();
  j["alpha"] = alpha;
  j["beta"] = beta;
  j["temperature"] = temperature;
  j["tau"] = tau;
  j["distillation"] = ToString(distillation);
  j["distil_unlabelled"] = distilUnlabelled;
  j["learning_rate_schedule"] = learningRateSchedule;
  j["unsupervised_loss"] = unsupervisedLoss;
  // Written only when set, so that the settings of runs from before these options stay equal.
  if (patchSize > 0)
    j["patch_size"] = patchSize;
  if (separationWeight > 0)
  {
    j["separation_weight"] = separationWeight;
    j["separation_gap"] = separationGap;
  }
  if (semiSupervised != "paper")
    j["semi_supervised"] = semiSupervised;
  if (precision != ComputePrecision::Float32)
    j["precision"] = ToString(precision);
  return j;
}

void
SegmenterTrainingOptions::Validate() const
{
  const ConfigurationCheck require("segmenter training");
  require(epochs >= 1 && batchSize >= 1, "epochs and batch_size must be at least 1");
  require(patchSize >= 0, "patch_size must not be negative (0 = whole inputs)");
  require(separationWeight >= 0 && std::isfinite(separationWeight), "separation_weight must not be negative (0 = off)");
  require(separationGap >= 3 && separationGap % 2 == 1, "separation_gap must be an odd number of pixels >= 3");
  require(stepsPerEpoch >= 0, "steps_per_epoch must not be negative (0 = one pass over the longer list)");
  require(learningRate > 0 && std::isfinite(learningRate), "learning_rate must be positive");
  require(weightDecay >= 0, "weight_decay must not be negative");
  require(alpha >= 0 && alpha <= 1, "alpha must lie in [0, 1]");
  require(beta >= 0, "beta must not be negative");
  require(temperature > 0, "temperature must be positive");
  require(tau > 0, "tau must be positive");
  require(learningRateSchedule == "constant" || learningRateSchedule == "poly",
          "learning_rate_schedule must be constant or poly, not '" + learningRateSchedule + "'");
  require(unsupervisedLoss == "foreground_bce" || unsupervisedLoss == "dice_bce",
          "unsupervised_loss must be foreground_bce or dice_bce, not '" + unsupervisedLoss + "'");
  require(semiSupervised == "paper" || semiSupervised == "mean_teacher" || semiSupervised == "cps" || semiSupervised == "unimatch",
          "semi_supervised must be paper, mean_teacher, cps or unimatch, not '" + semiSupervised + "'");
  augmentation.Validate();
}

double
SegmenterTrainingOptions::LearningRateAt(int64_t epoch) const
{
  if (learningRateSchedule != "poly")
    return learningRate;
  return learningRate * std::pow(1.0 - static_cast<double>(epoch - 1) / static_cast<double>(epochs), 0.9);
}

Json
SegmenterEpochRecord::ToJson() const
{
  const SegmenterEpochRecord & r = *this;
  Json j = Json::object();
  j["epoch"] = r.epoch;
  j["supervised"] = r.supervised;
  j["distillation_raw"] = r.distillationRaw;
  j["distillation_weighted"] = r.distillationWeighted;
  j["unsupervised"] = r.unsupervised;
  j["total"] = r.total;
  j["mean_weight"] = r.meanWeight;
  j["mean_hd95"] = r.meanHD95;
  j["validation_dice"] = r.validationDice;
  j["best"] = r.best;
  j["seconds"] = r.seconds;
  return j;
}

SegmenterEpochRecord
SegmenterEpochRecord::FromJson(const Json & j)
{
  SegmenterEpochRecord r;
  r.epoch = JsonInteger(j.at("epoch"));
  r.supervised = j.at("supervised").get<double>();
  r.distillationRaw = j.at("distillation_raw").get<double>();
  r.distillationWeighted = j.at("distillation_weighted").get<double>();
  r.unsupervised = j.at("unsupervised").get<double>();
  r.total = j.at("total").get<double>();
  r.meanWeight = j.at("mean_weight").get<double>();
  r.meanHD95 = j.at("mean_hd95").get<double>();
  r.validationDice = j.at("validation_dice").get<double>();
  r.best = j.at("best").get<bool>();
  r.seconds = j.at("seconds").get<double>();
  return r;
}

std::string
FormatSegmenterLogCsv(const std::vector<SegmenterEpochRecord> & log)
{
  std::string out = "epoch,total,supervised,distillation_raw,distillation_weighted,unsupervised,mean_weight,mean_hd95_px,"
                    "validation_dice,best,seconds\n";
  char        line[512];
  for (const auto & r : log)
  {
    std::snprintf(line, sizeof(line), "%lld,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,%s,%d,%.3f\n", static_cast<long long>(r.epoch), r.total,
                  r.supervised, r.distillationRaw, r.distillationWeighted, r.unsupervised, r.meanWeight, r.meanHD95,
                  r.validationDice < -0.5 ? "" : std::to_string(r.validationDice).c_str(), r.best ? 1 : 0, r.seconds);
    out += line;
  }
  return out;
}

} // namespace sinus
