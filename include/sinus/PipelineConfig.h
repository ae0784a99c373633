// SPDX-License-Identifier: Apache-2.0
#ifndef sinus_PipelineConfig_h
#define sinus_PipelineConfig_h

#include "sinus/DatasetFingerprint.h"
#include "sinus/PostprocessingSelection.h"
#include "sinus/RefinerTraining.h"
#include "sinus/SegmenterRegistry.h"
#include "sinus/SegmenterTraining.h"

#include <string>
#include <vector>

namespace sinus
{

/** Which pseudo-labels the student learns from. */
enum class RefinementMode
{
  Off,            ///< the teacher's binarised predictions as they are
  WithoutCbam,    ///< SinusCycle-GAN with plain correction networks
  WithCbam,       ///< SinusCycle-GAN as in the paper
  Postprocessing  ///< the teacher's predictions through the postprocessing chosen for it on the validation images
};
RefinementMode
ParseRefinementMode(const std::string & text); ///< "off" | "no_cbam" | "cbam" | "postprocessing"
const char *
ToString(RefinementMode mode);

/** Every setting of the semi-supervised method (teacher -> pseudo-labels -> refinement -> student). */
struct SemiSupervisedConfig
{
  std::string              preset = "small";
  SegmenterSpec            teacherModel = SegmenterSpec::Preset("small");
  SegmenterSpec            studentModel = SegmenterSpec::Preset("small");
  SegmenterTrainingOptions teacher;
  SegmenterTrainingOptions student;
  RefinerConfig            refiner = RefinerConfig::Small();
  RefinerTrainingOptions   refinerTraining;
  RefinementMode           refinement = RefinementMode::WithCbam;
  bool                     useUnlabelled = true; ///< false: the student sees labelled images only
  /** The student starts from the trained teacher's weights (same network only) instead of the
   *  teacher's initial ones: self-training as fine-tuning, which fits a CPU's budget. */
  bool                     studentFromTeacher = false;
  /** Pseudo-labels as the mean of the teacher's logits on the image and on its mirror image. */
  bool                     pseudoLabelMirror = false;
  int64_t                  predictionBatch = 8;
  /** The evaluation's probabilities (and those its postprocessing is chosen on) as the mean of each
   *  model's logits on the radiograph and on its mirror image; stored in the model files, so that
   *  prediction does the same (TestTimeMirror.h). In JSON "test_time_mirror", written only when
   *  true; only the evaluation reads it, so a resumed run may change it. */
  bool                     testTimeMirror = false;
  /** What the evaluation stage may choose, per model, on the validation images and store in the
   *  model file (ChoosePostprocessing): the smallest kept object and a cut along narrow probability
   *  valleys by default, the smallest object alone, it and the threshold, or nothing (the plain
   *  `> 0.5`, as the paper's preset does). In JSON "postprocessing": "small_objects_and_valleys" |
   *  "small_objects" | "small_objects_and_threshold" | "off", written only when not the default
   *  (only the evaluation reads it: a resumed run may change it). */
  PostprocessingSearch     postprocessing = PostprocessingSearch::SmallObjectsAndValleys;

  /** "vit_b": the paper's setting (MedSAM ViT-B at 1024, AdamW lr 1e-5, batch 8, 10 epochs; the
   *  paper-size SinusCycle-GAN, 100 epochs, batch 10) -- meant for a GPU and --init-checkpoint.
   *  "small": the small architecture at 256 with settings that learn from scratch on a 2-core CPU
   *  (see Documentation/Training.md for each deviation from the paper and why).
   *  "radiograph": what wins on real radiographs on a CPU (Documentation/benchmarks.md): U-Net
   *  teacher and student at 256 with full-resolution logits, L_unsup as Dice + BCE over the whole
   *  image, the student fine-tuned from the teacher, a poly learning-rate schedule, stronger
   *  augmentation, mirror-averaged pseudo-labels, no refinement, test-time mirroring. */
  static SemiSupervisedConfig Preset(const std::string & name);
  /** Overrides from a JSON file: {"preset", "input_size", "student_preset", "teacher_model",
   *  "student_model", "teacher", "student", "refiner", "refiner_training", "refinement",
   *  "use_unlabelled", "prediction_batch", "postprocessing", "test_time_mirror"}; unknown keys are errors. A student of another
   *  architecture than the teacher's trains all of its parameter groups unless "student" names
   *  some. */
  static SemiSupervisedConfig FromJson(const Json & json);
  Json                        ToJson() const;
  void                        Validate() const;

  /** The size the radiographs are prepared at (the larger of the two networks' inputs; the
   *  smaller network's input is resampled from it). */
  int64_t SampleInputSize() const;
  /** The logit grids labels are needed on (the teacher's, and the student's when it differs). */
  std::vector<int64_t> LabelGrids() const;
};

/** Teacher and student networks chosen by architecture name (unet, deeplabv3plus, transunet,
 *  unetr, nnunet, medsam; empty: unchanged). */
struct ArchitectureChoice
{
  std::string teacher, student;
  std::string preset = "cpu"; ///< "cpu" or "paper" sizes
  int64_t     inputSize = 0;  ///< 0: the configuration's current input size
};

/** `base` with the chosen networks; a network of another architecture trains all of its
 *  parameter groups. An nnU-Net network takes network, batch, learning rate, its schedule and
 *  augmentation from the plan for `fingerprint` (required then); epochs stay the configuration's,
 *  so that every row of a comparison gets the same budget. */
SemiSupervisedConfig
WithArchitectures(const SemiSupervisedConfig & base, const ArchitectureChoice & choice, const DatasetFingerprint * fingerprint);

} // namespace sinus

#endif
