// SPDX-License-Identifier: Apache-2.0
// Training one segmenter of the pipeline (the teacher or the student) inside the run folder.
#include "PipelineStages.h"

#include "sinus/ComputePrecision.h"
#include "sinus/FileUtilities.h"
#include "sinus/PretrainedEncoder.h"
#include "sinus/RankCoordination.h"
#include "sinus/SamModel.h"
#include "sinus/StateDict.h"

#include <cstdio>

namespace sinus
{
namespace fs = std::filesystem;

namespace
{
/** Teacher and student start from the same initial weights for a given seed ("initialised like
 *  the teacher was"); SAM networks start from the official checkpoint when one is given, and a
 *  network that a pretrained encoder fits starts from its encoder weights. */
Segmenter
InitialSegmenter(const StageContext & context, PipelineStage stage, const SegmenterSpec & spec, uint64_t seed)
{
  torch::manual_seed(seed);
  Segmenter          model = BuildSegmenter(spec);
  const std::string & initCheckpoint = context.options.initCheckpoint;
  if (!initCheckpoint.empty() && spec.architecture == "sam")
    LoadStateDictStrict(*model, LoadStateDict(initCheckpoint), initCheckpoint);
  if (!context.options.pretrained.empty())
  {
    const std::string pretrained = PretrainedModelPath(context.options.pretrained);
    if (const std::optional<int64_t> copied = LoadPretrainedEncoderIfFits(*model, pretrained))
      context.Message(stage, "encoder from " + pretrained + " (" + std::to_string(*copied) + " tensors)");
    else
      context.Message(stage, "starts from scratch: " + pretrained + " is another network's encoder");
  }
  return model;
}

std::string
ShortLosses(const SegmenterBatchReport & r, bool student)
{
  char text[200];
  if (student)
    std::snprintf(text, sizeof(text), "loss %.4f  sup %.4f  kd %.1f  unsup %.4f  w %.3f", r.total, r.supervised, r.distillationRaw,
                  r.unsupervised, r.meanWeight);
  else
    std::snprintf(text, sizeof(text), "loss %.4f", r.total);
  return text;
}

std::string
EpochLine(const SegmenterEpochRecord & r, int64_t epochs)
{
  char text[200];
  std::snprintf(text, sizeof(text), "epoch %lld/%lld: loss %.4f, validation Dice %s%s, %.1f s", static_cast<long long>(r.epoch),
                static_cast<long long>(epochs), r.total, r.validationDice < -0.5 ? "n/a" : std::to_string(r.validationDice).c_str(),
                r.best ? " (best)" : "", r.seconds);
  return text;
}
} // namespace

void
TrainStageSegmenter(const StageContext & context, PipelineStage stage, const SegmenterSpec & architecture,
                    const SegmenterTrainingOptions & training, const StudentTargets * targets, const fs::path & modelPath,
                    const fs::path & startFrom)
{
  const bool    student = targets != nullptr;
  const bool    unlabelled = student && context.UseUnlabelled();
  const int64_t nu = unlabelled ? static_cast<int64_t>(context.data.unlabelled.size()) : 0;
  const int64_t longer = std::max<int64_t>(static_cast<int64_t>(context.data.labelled.size()), nu);
  const int64_t batches = training.stepsPerEpoch > 0 ? training.stepsPerEpoch : (longer + training.batchSize - 1) / training.batchSize;
  const fs::path checkpoint = context.folder.File(std::string(ToString(stage)) + ".checkpoint");
  const fs::path logPath = context.folder.File(std::string(ToString(stage)) + "_log.csv");
  if (!context.options.resume)
    RunOnLeader(ProcessGroup(), "removing an earlier run's checkpoint", [&] {
      std::error_code ec;
      fs::remove(checkpoint, ec);
    });
  Segmenter model{ nullptr };
  try
  {
    model = startFrom.empty() ? InitialSegmenter(context, stage, architecture, training.seed)
                              : LoadStageSegmenter(context, startFrom, stage);
    model->train();
  }
  catch (const std::exception & e)
  {
    throw StageError(stage, std::string(e.what()) + "\n(--init-checkpoint needs a model configuration with the checkpoint's shapes, "
                                                    "e.g. --preset vit_b for medsam_vit_b.pth)");
  }
  if (training.precision != ComputePrecision::Float32)
    context.Message(stage, "forward pass and losses in " + DescribePrecision(training.precision));
  SegmenterTrainingCallbacks callbacks;
  callbacks.shouldAbort = [&] { return context.AbortRequested(); };
  callbacks.onBatch = [&](const SegmenterBatchReport & r) {
    context.Progress(stage, (r.epoch - 1) * batches + r.batch, training.epochs * batches, ShortLosses(r, student));
  };
  callbacks.onEpoch = [&](const std::vector<SegmenterEpochRecord> & log) {
    WriteFileAtomically(logPath, FormatSegmenterLogCsv(log));
    context.Message(stage, EpochLine(log.back(), training.epochs));
  };
  Json metadata = Json::object();
  metadata["preset"] = context.config.preset;
  const std::vector<SegmentationSample> none;
  try
  {
    TrainSegmenter(*model, SegmenterTrainingData{ context.data.labelled, unlabelled ? context.data.unlabelled : none, context.data.validation, targets },
                   training, SegmenterStageFiles{ ToString(stage), modelPath.string(), checkpoint.string() }, context.options.resume,
                   context.device, callbacks, metadata);
  }
  catch (const SegmenterTrainingAborted &)
  {
    throw;
  }
  catch (const std::exception & e)
  {
    throw StageError(stage, e.what());
  }
}

void
RunTeacherStage(const StageContext & context)
{
  const std::string & resumeFrom = context.options.resumeFrom;
  const fs::path      startFrom = resumeFrom.empty() ? fs::path() : fs::path(resumeFrom) / "teacher.sinusseg";
  context.Message(PipelineStage::Teacher, "fine-tuning on " + std::to_string(context.data.labelled.size()) + " labelled images (" +
                                            std::to_string(context.data.validation.size()) + " for validation)" +
                                            (startFrom.empty() ? std::string() : ", starting from " + startFrom.string()));
  TrainStageSegmenter(context, PipelineStage::Teacher, context.config.teacherModel, context.config.teacher, nullptr,
                      context.folder.File("teacher.sinusseg"), startFrom);
}

namespace
{
/** The model file the student starts from: this run's teacher when it fine-tunes the teacher,
 *  else the student of the run it resumes from when there is one, else none (from scratch). */
fs::path
StudentStart(const StageContext & context)
{
  // Fine-tuning the teacher needs the same network; another student starts from scratch.
  const bool fromTeacher = context.config.studentFromTeacher &&
                           context.config.studentModel.ToJson() == context.config.teacherModel.ToJson();
  if (fromTeacher)
    return context.folder.File("teacher.sinusseg");
  const fs::path earlier = context.options.resumeFrom.empty() ? fs::path() : fs::path(context.options.resumeFrom) / "student.sinusseg";
  return !earlier.empty() && fs::exists(earlier) ? earlier : fs::path();
}
} // namespace

void
RunStudentStage(const StageContext & context)
{
  const Json     names = context.StageNames();
  const fs::path pseudo = context.folder.File("pseudo_labels.pt");
  StudentTargets targets;
  targets.labelledTeacherLogits = LoadStageTensor(pseudo, "labelled_logits", PipelineStage::Student, names);
  targets.unlabelledTeacherLogits = LoadStageTensor(pseudo, "unlabelled_logits", PipelineStage::Student, names);
  targets.pseudoLabels = LoadStageTensor(context.folder.File("refined_pseudo_labels.pt"), "pseudo_labels", PipelineStage::Student, names);
  const std::string & method = context.config.student.semiSupervised;
  const bool          online = method != "paper";
  const std::string   unlabelled = context.UseUnlabelled() ? " + " + std::to_string(context.data.unlabelled.size()) +
                                                               (online ? " unlabelled" : " pseudo-labelled")
                                                         : std::string();
  context.Message(PipelineStage::Student, "training a " + context.config.studentModel.architecture + " student on " +
                                            std::to_string(context.data.labelled.size()) + " labelled" + unlabelled + " images, " +
                                            (online ? method + " (its own targets; the teacher's pseudo-labels unused)"
                                                    : std::string("distillation ") + ToString(context.config.student.distillation)));
  TrainStageSegmenter(context, PipelineStage::Student, context.config.studentModel, context.config.student, &targets,
                      context.folder.File("student.sinusseg"), StudentStart(context));
}

} // namespace sinus
