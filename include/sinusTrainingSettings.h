// SPDX-License-Identifier: Apache-2.0
#ifndef sinusTrainingSettings_h
#define sinusTrainingSettings_h

#include "sinus/SemiSupervisedPipeline.h"

#include <optional>
#include <string>
#include <vector>

namespace sinus
{

/** The model and training choices a user makes by name -- preset, configuration file, networks,
 *  epochs, precision -- as `sinusseg train`, `ablation`, `demo` and Python's `sinusseg.train` take
 *  them. Errors name the command-line option, so every front end reports the same message. */
struct TrainingSettings
{
  std::string preset = "small";
  std::string configFile;
  std::string device = "cpu";
  std::string initCheckpoint;
  std::string pretrained; ///< a `sinusseg pretrain` model file or folder
  int         teacherEpochs = 0, studentEpochs = 0, refinerEpochs = 0; ///< 0 = the configuration's
  int         threads = 0;
  int         inputSize = 0; ///< 0 = the preset's
  std::string teacherArch, studentArch; ///< empty: the configuration's networks
  std::string precision; ///< teacher's and student's training precision; empty: the configuration's

  /** The preset, then the JSON file, then the architectures, then the epoch overrides; errors are
   *  std::invalid_argument. An nnunet network is planned from `datalist`'s labelled images. */
  SemiSupervisedConfig Resolve(const std::string & datalist = "") const;
  /** `config` with the chosen teacher/student architectures applied. */
  SemiSupervisedConfig WithChosenArchitectures(const SemiSupervisedConfig & config, const std::string & datalist) const;
  /** These settings as command-line options (those that differ from the defaults). */
  std::vector<std::string> Arguments() const;
};

/** The method's own switches, each left as the configuration has it when not given: an ablation
 *  row of the paper's Table 2, the refinement, the student's distillation and alpha. */
struct MethodChoices
{
  std::string           variant, refinement, distillation;
  std::optional<double> alpha;

  /** `config` with these choices, validated; errors are std::invalid_argument. */
  SemiSupervisedConfig ApplyTo(SemiSupervisedConfig config) const;
};

} // namespace sinus

#endif
