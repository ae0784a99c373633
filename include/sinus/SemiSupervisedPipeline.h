// SPDX-License-Identifier: Apache-2.0
#ifndef sinus_SemiSupervisedPipeline_h
#define sinus_SemiSupervisedPipeline_h

#include "sinus/EvaluationSummary.h"
#include "sinus/PipelineConfig.h"
#include "sinus/SegmentationSample.h"

#include <functional>
#include <set>
#include <string>
#include <vector>

namespace sinus
{

/** The data of a run, already prepared for the networks. */
struct SemiSupervisedData
{
  std::vector<SegmentationSample> labelled, unlabelled, validation, test;
};

enum class PipelineStage
{
  Teacher,
  PseudoLabels,
  Refinement,
  Student,
  Evaluation
};
const std::vector<PipelineStage> &
AllPipelineStages();
const char *
ToString(PipelineStage stage); ///< "teacher", "pseudo-labels", "refinement", "student", "evaluation"
PipelineStage
ParsePipelineStage(const std::string & text);

struct PipelineProgress
{
  PipelineStage stage = PipelineStage::Teacher;
  int64_t       step = 0, steps = 1; ///< within the stage (batches over all epochs, or images)
  std::string   losses;              ///< the latest losses, for the progress line
};

struct PipelineCallbacks
{
  std::function<void(PipelineStage, const std::string &)> onStageMessage;
  std::function<void(const PipelineProgress &)>           onProgress;
  std::function<bool()>                                   shouldAbort;
};

struct PipelineResult
{
  std::vector<EvaluatedCase> cases;     ///< teacher cases, then student cases
  std::vector<ModelSummary>  summaries; ///< per model
  std::string                outputDirectory;
};

struct PipelineRunOptions
{
  std::string             outputDirectory;
  std::set<PipelineStage> stages;         ///< empty: all
  bool                    resume = false;
  std::string             device = "cpu"; ///< "cpu" | "cuda" | "cuda:N"
  std::string             initCheckpoint; ///< official MedSAM/SAM .pth for every SAM network of the run
  /** A `sinusseg pretrain` model file (or its folder): its encoder weights start the teacher and
   *  the student wherever their network is the one it was pretrained for (at least one must be). */
  std::string             pretrained;
  /** Another run's folder whose teacher and pseudo-labels this run reuses instead of training its
   *  own (ablations share one teacher); its teacher settings must equal this run's. */
  std::string teacherFrom;
  /** Another run's folder whose refined pseudo-labels this run reuses; its teacher, refiner and
   *  refinement settings must equal this run's. */
  std::string refinementFrom;
  /** A finished run's folder (typically before annotators labelled more images) whose teacher
   *  this run's teacher is fine-tuned from instead of starting anew, as is its student when the
   *  student does not start from the teacher; both networks must be that run's. */
  std::string resumeFrom;
};

/** Runs the selected stages in order, leaving in the output folder: config.json; per stage
 *  teacher.sinusseg / refiner.sinusseg / student.sinusseg (model files that `sinusseg predict`
 *  and `refine` read), their .checkpoint and _log.csv; pseudo_labels.pt, refined_pseudo_labels.pt;
 *  evaluation.csv / evaluation.json (each model evaluated with the postprocessing chosen for it on
 *  the validation images and stored in its model file); state.json (completed stages). A stage run alone reads what the
 *  earlier stages left. With `resume`, completed stages are skipped and an interrupted one continues
 *  from its last epoch; a folder holding a run with other settings is refused. Errors name the stage. */
PipelineResult
RunSemiSupervisedPipeline(const SemiSupervisedData & data, const SemiSupervisedConfig & config, const PipelineRunOptions & options,
                          const PipelineCallbacks & callbacks = {});

/** Whether a `sinusseg pretrain` model file (or folder) fits a network that a run of these stages
 *  (empty: all) trains: the teacher with the teacher stage, the student with the student stage, either
 *  when neither is run (the run goes on from networks an earlier sitting trained). */
bool
PretrainedEncoderFitsRun(const std::string & pretrained, const SemiSupervisedConfig & config, const std::set<PipelineStage> & stages = {});

/** Parses "cpu", "cuda", "cuda:N"; in a job of several processes a bare "cuda" is this process's
 *  GPU (DeviceForRank: cuda:LOCAL_RANK). Throws std::invalid_argument when CUDA is asked for but
 *  this LibTorch has none, or the GPU is not there (naming what it has). */
torch::Device
ParseTrainingDevice(const std::string & text);

} // namespace sinus

#endif
