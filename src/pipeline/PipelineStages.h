// SPDX-License-Identifier: Apache-2.0
// What the stages of the semi-supervised pipeline share, and the stages themselves (one file each).
#ifndef sinus_PipelineStages_h
#define sinus_PipelineStages_h

#include "RunFolder.h"

#include "sinus/PostprocessingSelection.h"
#include "sinus/SemiSupervisedPipeline.h"

#include <optional>

#include <string>
#include <utility>
#include <vector>

namespace sinus
{

/** An error inside a stage; the message starts with the stage's name. */
class StageError : public std::runtime_error
{
public:
  StageError(PipelineStage stage, const std::string & message)
    : std::runtime_error(std::string(ToString(stage)) + " stage: " + message)
  {}
};

/** Everything a stage reads: the data, the settings, the run folder and the caller's callbacks. */
struct StageContext
{
  const SemiSupervisedData &   data;
  const SemiSupervisedConfig & config;
  const PipelineRunOptions &   options;
  const PipelineCallbacks &    callbacks;
  torch::Device                device;
  RunFolder &                  folder;

  void Message(PipelineStage stage, const std::string & text) const;
  void Progress(PipelineStage stage, int64_t step, int64_t steps, const std::string & losses = {}) const;
  bool AbortRequested() const;
  /** The student uses unlabelled images: the configuration says so and there are some. */
  bool UseUnlabelled() const;
  /** The image names the stage files were made for ({"labelled": [...], "unlabelled": [...]}). */
  Json StageNames() const;
};

/** The tensors one stage hands to the next, saved as a LibTorch archive (no pickle) with the
 *  names of the images they belong to. */
void
SaveStageTensors(const std::filesystem::path & path, const std::vector<std::pair<std::string, torch::Tensor>> & tensors,
                 const Json & names);
/** Reads one tensor; a missing file, or one made for other images, is a StageError of `stage`. */
torch::Tensor
LoadStageTensor(const std::filesystem::path & path, const std::string & key, PipelineStage stage, const Json & expectedNames);

/** A stage's trained segmenter from its model file, on the context's device, in evaluation mode;
 *  the file's metadata into `metadata` when given. */
Segmenter
LoadStageSegmenter(const StageContext & context, const std::filesystem::path & path, PipelineStage stage, Json * metadata = nullptr);

/** The model's postprocessing chosen on the labelled validation images' probabilities
 *  (mirror-averaged with `mirrorAveraged`; ChoosePostprocessing, the candidates sized by the
 *  smallest labelled object), reported as messages of `stage`; none without labelled validation
 *  images. */
std::optional<PostprocessingChoice>
ChooseStagePostprocessing(const StageContext & context, PipelineStage stage, SegmenterImpl & model, const std::string & modelName,
                          bool mirrorAveraged);
/** The postprocessing a model's masks get: chosen now (ChooseStagePostprocessing) when the
 *  configuration searches one, the plain `> 0.5` otherwise or without validation images. It and
 *  `mirrorAveraged` (the probabilities it was chosen on: TestTimeMirror.h) are stored in the model
 *  file at `modelPath`, which is rewritten only when they change. `report`, when given, receives
 *  the choice's scores. */
MaskPostprocessing
ChooseAndStorePostprocessing(const StageContext & context, PipelineStage stage, const std::filesystem::path & modelPath, SegmenterImpl & model,
                             const Json & metadata, const std::string & modelName, bool mirrorAveraged, Json * report = nullptr);

/** Trains the teacher (targets null) or the student into `modelPath`, with checkpoint and CSV log
 *  in the run folder, starting from the model file `startFrom` when one is given. */
void
TrainStageSegmenter(const StageContext & context, PipelineStage stage, const SegmenterSpec & architecture,
                    const SegmenterTrainingOptions & training, const StudentTargets * targets, const std::filesystem::path & modelPath,
                    const std::filesystem::path & startFrom);

void
RunTeacherStage(const StageContext & context);
void
RunPseudoLabelStage(const StageContext & context);
void
RunRefinementStage(const StageContext & context);
void
RunStudentStage(const StageContext & context);
PipelineResult
RunEvaluationStage(const StageContext & context);

} // namespace sinus

#endif
