// SPDX-License-Identifier: Apache-2.0
#ifndef TrainingJobs_h
#define TrainingJobs_h

#include "itkSemiSupervisedSegmentationTrainer.h"
#include "sinus/AblationPlan.h"
#include "sinus/DataParallelGroup.h"
#include "sinus/SemiSupervisedPipeline.h"
#include "sinusTrainingSettings.h"

#include <boost/program_options.hpp>

#include <string>
#include <vector>

namespace sinusseg
{

/** The model/training options shared by `train`, `ablation` and `demo` (sinus::TrainingSettings as
 *  command-line options). */
struct TrainingSettings : sinus::TrainingSettings
{
  void AddOptions(boost::program_options::options_description & options);
  /** sinus::TrainingSettings::Resolve with its errors as UsageError. */
  sinus::SemiSupervisedConfig Resolve(const std::string & datalist = "") const;
};

/** Runs the trainer with a console display: stage messages as lines, and a progress bar with ETA
 *  and the current losses (redrawn in place on a terminal, every 10 % of a stage otherwise). An
 *  ITK exception becomes std::runtime_error with its description. */
const sinus::PipelineResult &
RunTrainerWithProgress(itk::SemiSupervisedSegmentationTrainer * trainer);

/** Whether the networks a row trains (the teacher alone for a supervised row) start from the
 *  --pretrained encoder; one encoder serves the rows of its network, the others start from scratch. */
bool
RowStartsFromPretrained(const sinus::AblationRun & run, const std::string & pretrained);

/** One run of an ablation or a Table 1 in its folder below `out`, resumed where it stopped, with
 *  its report (table, overlays of every test case, loss curves); returns its result. */
sinus::PipelineResult
RunPipelineRow(const sinus::AblationRun & run, const sinus::SemiSupervisedData & data, const TrainingSettings & settings, const std::string & out,
               const std::string & command);

/** A duration as m:ss or h:mm:ss (progress lines' ETA). */
std::string
FormatClock(double seconds);

/** Sets LibTorch's thread count (0 = all cores; in a launched data-parallel job, this process's
 *  part of them) and returns it; a negative count is a UsageError. */
int
ConfigureThreads(int threads);

/** Joins the data-parallel job a launcher started this process in (torchrun, or any launcher that
 *  sets RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT), or stays alone without one. Collectives wait
 *  at most SINUSSEG_DISTRIBUTED_TIMEOUT seconds (default 1800, PyTorch's default) for the other
 *  ranks: the longest that rank 0 may work alone (refinement, evaluation) while they wait.
 *  `device` is the command's --device: on GPUs each process takes its own (cuda = cuda:LOCAL_RANK)
 *  and gradients travel over NCCL where LibTorch has it. */
const sinus::DataParallelGroup &
JoinLaunchedJob(const std::string & device = "cpu");

} // namespace sinusseg

#endif
