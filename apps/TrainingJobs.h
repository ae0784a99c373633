// SPDX-License-Identifier: Apache-2.0
#ifndef TrainingJobs_h
#define TrainingJobs_h

#include "itkSemiSupervisedSegmentationTrainer.h"
#include "sinus/SemiSupervisedPipeline.h"

#include <boost/program_options.hpp>

#include <string>
#include <vector>

namespace sinusseg
{

/** The model/training options shared by `train`, `ablation` and `demo`. */
struct TrainingSettings
{
  std::string preset = "small";
  std::string configFile;
  std::string device = "cpu";
  std::string initCheckpoint;
  int         teacherEpochs = 0, studentEpochs = 0, refinerEpochs = 0; ///< 0 = the configuration's
  int         threads = 0;
  int         inputSize = 0; ///< 0 = the preset's

  void AddOptions(boost::program_options::options_description & options);
  /** The preset, then the JSON file, then the epoch overrides; errors are UsageError. */
  sinus::SemiSupervisedConfig Resolve() const;
  /** These settings as command-line options (those that differ from the defaults). */
  std::vector<std::string> Arguments() const;
};

/** Runs the trainer with a console display: stage messages as lines, and a progress bar with ETA
 *  and the current losses (redrawn in place on a terminal, every 10 % of a stage otherwise). An
 *  ITK exception becomes std::runtime_error with its description. */
const sinus::PipelineResult &
RunTrainerWithProgress(itk::SemiSupervisedSegmentationTrainer * trainer);

/** Sets LibTorch's thread count (0 = all cores) and returns it; a negative count is a UsageError. */
int
ConfigureThreads(int threads);

} // namespace sinusseg

#endif
