#ifndef sinus_SemiSupervisedPipeline_h
#define sinus_SemiSupervisedPipeline_h

#include "sinus/RefinerTraining.h"
#include "sinus/SegmentationMetrics.h"
#include "sinus/SegmenterTraining.h"

#include <functional>
#include <set>
#include <string>
#include <vector>

namespace sinus
{

/** Which pseudo-labels the student learns from. */
enum class RefinementMode
{
  Off,         ///< the teacher's binarised predictions as they are
  WithoutCbam, ///< SinusCycle-GAN with plain correction networks
  WithCbam     ///< SinusCycle-GAN as in the paper
};
RefinementMode
ParseRefinementMode(const std::string & text); ///< "off" | "no_cbam" | "cbam"
const char *
ToString(RefinementMode mode);

/** Every setting of the semi-supervised method (teacher -> pseudo-labels -> refinement -> student). */
struct SemiSupervisedConfig
{
  std::string              preset = "small";
  SamConfig                teacherModel = SegmenterPreset("small");
  SamConfig                studentModel = SegmenterPreset("small");
  SegmenterTrainingOptions teacher;
  SegmenterTrainingOptions student;
  RefinerConfig            refiner = RefinerConfig::Small();
  RefinerTrainingOptions   refinerTraining;
  RefinementMode           refinement = RefinementMode::WithCbam;
  bool                     useUnlabelled = true; ///< false: the student sees labelled images only
  int64_t                  predictionBatch = 8;

  /** "vit_b": the paper's setting (MedSAM ViT-B at 1024, AdamW lr 1e-5, batch 8, 10 epochs; the
   *  paper-size SinusCycle-GAN, 100 epochs, batch 10) -- meant for a GPU and --init-checkpoint.
   *  "small": the small architecture at 256 with settings that learn from scratch on a 2-core CPU
   *  (see Documentation/Training.md for each deviation from the paper and why). */
  static SemiSupervisedConfig Preset(const std::string & name);
  /** Overrides from a JSON file: {"preset", "input_size", "student_preset", "teacher_model",
   *  "student_model", "teacher", "student", "refiner", "refiner_training", "refinement",
   *  "use_unlabelled", "prediction_batch"}; unknown keys are errors. */
  static SemiSupervisedConfig FromJson(const Json & json);
  Json                        ToJson() const;
  void                        Validate() const;
};

/** The rows of the paper's Table 2, each a set of switches on top of a configuration. */
struct AblationVariant
{
  std::string name;        ///< command-line name
  std::string description; ///< the row as the paper names it
  bool        trainStudent = true; ///< false: the row is the teacher itself (labelled data only)
  bool        useUnlabelled = true;
  RefinementMode   refinement = RefinementMode::WithCbam;
  DistillationMode distillation = DistillationMode::Weighted;
};
const std::vector<AblationVariant> &
AblationVariants();
const AblationVariant &
FindAblationVariant(const std::string & name);
/** The configuration of one row: `base` with the variant's switches. */
SemiSupervisedConfig
ApplyAblationVariant(const SemiSupervisedConfig & base, const AblationVariant & variant);

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

/** One test image scored for one model. */
struct EvaluatedCase
{
  std::string         model; ///< "teacher" or "student"
  std::string         name;
  std::string         source; ///< the image file, when known
  SegmentationMetrics metrics;
  Raster<uint8_t>     prediction; ///< 0/1 on the original grid
  Raster<uint8_t>     reference;  ///< 0/1 on the original grid
};

struct ModelSummary
{
  std::string   model;
  MetricSummary dice, recall, precision, hd95Pixels, hd95Physical, hd95Normalized;
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
  std::string             initCheckpoint; ///< official MedSAM/SAM .pth for teacher and student
  /** Another run's folder whose teacher and pseudo-labels this run reuses instead of training its
   *  own (ablations share one teacher); its teacher settings must equal this run's. */
  std::string teacherFrom;
  /** Another run's folder whose refined pseudo-labels this run reuses; its teacher, refiner and
   *  refinement settings must equal this run's. */
  std::string refinementFrom;
};

/** Runs the selected stages in order, leaving in the output folder: config.json; per stage
 *  teacher.sinusseg / refiner.sinusseg / student.sinusseg (model files that `sinusseg predict`
 *  and `refine` read), their .checkpoint and _log.csv; pseudo_labels.pt, refined_pseudo_labels.pt;
 *  evaluation.csv / evaluation.json; state.json (completed stages). A stage run alone reads what the
 *  earlier stages left. With `resume`, completed stages are skipped and an interrupted one continues
 *  from its last epoch; a folder holding a run with other settings is refused. Errors name the stage. */
PipelineResult
RunSemiSupervisedPipeline(const SemiSupervisedData & data, const SemiSupervisedConfig & config, const PipelineRunOptions & options,
                          const PipelineCallbacks & callbacks = {});

/** Scores a model's predictions on the test samples (full metrics on the original grid). */
std::vector<EvaluatedCase>
EvaluateModelOnSamples(SamImpl & model, const std::string & modelName, const std::vector<SegmentationSample> & samples,
                       int64_t batchSize, const torch::Device & device);
ModelSummary
SummarizeModel(const std::vector<EvaluatedCase> & cases, const std::string & modelName);

/** evaluation.csv (one row per model and case, %.17g) and the JSON with cases and summaries. */
std::string
FormatEvaluationTableCsv(const std::vector<EvaluatedCase> & cases);
Json
EvaluationToJson(const std::vector<EvaluatedCase> & cases, const std::vector<ModelSummary> & summaries);

/** Parses "cpu", "cuda", "cuda:N"; throws std::invalid_argument when CUDA is asked for but this
 *  LibTorch has none (naming what it has). */
torch::Device
ParseTrainingDevice(const std::string & text);

} // namespace sinus

#endif
