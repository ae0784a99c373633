// SPDX-License-Identifier: Apache-2.0
#include "sinusTrainingSettings.h"

#include "sinus/AblationPlan.h"
#include "sinus/ComputePrecision.h"
#include "sinus/FileUtilities.h"
#include "sinus/Json.h"
#include "sinusTrainingDatalist.h"

#include <stdexcept>

namespace sinus
{

SemiSupervisedConfig
TrainingSettings::Resolve(const std::string & datalist) const
{
  SemiSupervisedConfig config;
  try
  {
    Json json = configFile.empty() ? Json::object() : ParseJson(ReadTextFile(configFile));
    if (json.is_object() && !json.contains("preset"))
      json["preset"] = preset;
    if (json.is_object() && inputSize != 0)
      json["input_size"] = static_cast<int64_t>(inputSize);
    config = SemiSupervisedConfig::FromJson(json);
  }
  catch (const std::exception & e)
  {
    throw std::invalid_argument((configFile.empty() ? std::string("--preset") : configFile) + ": " + e.what());
  }
  if (!teacherArch.empty() || !studentArch.empty())
    config = WithChosenArchitectures(config, datalist);
  if (teacherEpochs < 0 || studentEpochs < 0 || refinerEpochs < 0)
    throw std::invalid_argument("epoch overrides must be positive");
  if (teacherEpochs > 0)
    config.teacher.epochs = teacherEpochs;
  if (studentEpochs > 0)
    config.student.epochs = studentEpochs;
  if (refinerEpochs > 0)
    config.refinerTraining.epochs = refinerEpochs;
  if (!precision.empty())
  {
    try
    {
      config.teacher.precision = config.student.precision = ParseComputePrecision(precision);
    }
    catch (const std::invalid_argument & e)
    {
      throw std::invalid_argument(std::string("--precision: ") + e.what());
    }
  }
  // bf16 where this CPU cannot compute it is refused now, before a run folder exists.
  for (const ComputePrecision stage : { config.teacher.precision, config.student.precision })
  {
    try
    {
      ResolvePrecision(stage);
    }
    catch (const std::runtime_error & e)
    {
      throw std::invalid_argument(e.what());
    }
  }
  return config;
}

SemiSupervisedConfig
TrainingSettings::WithChosenArchitectures(const SemiSupervisedConfig & config, const std::string & datalist) const
{
  ArchitectureChoice choice;
  choice.teacher = teacherArch;
  choice.student = studentArch;
  choice.preset = preset == "vit_b" ? "paper" : "cpu";
  choice.inputSize = inputSize;
  std::optional<DatasetFingerprint> fingerprint;
  if ((teacherArch == "nnunet" || studentArch == "nnunet") && !datalist.empty())
    fingerprint = ReadLabelledFingerprint(datalist);
  try
  {
    return WithArchitectures(config, choice, fingerprint ? &*fingerprint : nullptr);
  }
  catch (const std::invalid_argument & e)
  {
    throw std::invalid_argument(std::string("--teacher-arch/--student-arch: ") + e.what());
  }
}

std::vector<std::string>
TrainingSettings::Arguments() const
{
  std::vector<std::string> a{ "--preset " + preset };
  const auto               add = [&](const char * option, const std::string & value, bool given) {
    if (given)
      a.push_back(std::string(option) + " " + value);
  };
  add("--config", configFile, !configFile.empty());
  add("--device", device, device != "cpu");
  add("--init-checkpoint", initCheckpoint, !initCheckpoint.empty());
  add("--pretrained", pretrained, !pretrained.empty());
  add("--input-size", std::to_string(inputSize), inputSize != 0);
  add("--teacher-arch", teacherArch, !teacherArch.empty());
  add("--student-arch", studentArch, !studentArch.empty());
  add("--teacher-epochs", std::to_string(teacherEpochs), teacherEpochs != 0);
  add("--student-epochs", std::to_string(studentEpochs), studentEpochs != 0);
  add("--refiner-epochs", std::to_string(refinerEpochs), refinerEpochs != 0);
  add("--precision", precision, !precision.empty());
  add("--threads", std::to_string(threads), threads != 0);
  return a;
}

SemiSupervisedConfig
MethodChoices::ApplyTo(SemiSupervisedConfig config) const
{
  if (!variant.empty())
    config = ApplyAblationVariant(config, FindAblationVariant(variant));
  if (!refinement.empty())
    config.refinement = ParseRefinementMode(refinement);
  if (!distillation.empty())
    config.student.distillation = ParseDistillationMode(distillation);
  if (alpha)
    config.student.alpha = *alpha;
  config.Validate();
  return config;
}

} // namespace sinus
