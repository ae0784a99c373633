// SPDX-License-Identifier: Apache-2.0
#include "sinus/PipelineConfig.h"

#include "sinus/NnUNetPlan.h"

namespace sinus
{

RefinementMode
ParseRefinementMode(const std::string & text)
{
  if (text == "off")
    return RefinementMode::Off;
  if (text == "no_cbam")
    return RefinementMode::WithoutCbam;
  if (text == "cbam")
    return RefinementMode::WithCbam;
  if (text == "postprocessing")
    return RefinementMode::Postprocessing;
  throw std::invalid_argument("unknown refinement mode '" + text + "' (known: off, no_cbam, cbam, postprocessing)");
}

const char *
ToString(RefinementMode mode)
{
  switch (mode)
  {
    case RefinementMode::Off:
      return "off";
    case RefinementMode::WithoutCbam:
      return "no_cbam";
    case RefinementMode::Postprocessing:
      return "postprocessing";
    case RefinementMode::WithCbam:
      break;
  }
  return "cbam";
}

namespace
{
/** small: trained from scratch on a CPU, where lr 1e-5 does not move randomly initialised weights
 *  within minutes. These settings were chosen on phantoms with the data set's own validation
 *  split (Documentation/Training.md). */
void
ApplySmallTraining(SemiSupervisedConfig & c)
{
  c.teacher.learningRate = 5e-4;
  c.teacher.epochs = 50;
  c.teacher.batchSize = 4;
  c.teacher.trainableParts = { "image_encoder", "prompt_encoder", "mask_decoder" };
  c.student = c.teacher;
  c.student.epochs = 20;
  c.refiner = RefinerConfig::Small();
  c.refiner.generatorFilters = 8;
  c.refiner.generatorBlocks = 3;
  c.refiner.discriminatorFilters = 8;
  c.refiner.correctionFilters = 8;
  c.refinerTraining.epochs = 12;
  c.refinerTraining.batchSize = 4;
  c.refinerTraining.learningRate = 1e-3;
}

/** The preset's network at another input size. */
SegmenterSpec
AtInputSize(const SegmenterSpec & spec, const std::string & preset, int64_t inputSize)
{
  if (spec.architecture == "sam")
    return SegmenterSpec::Preset(preset, inputSize);
  SegmenterSpec resized = spec;
  resized.config["input_size"] = inputSize;
  resized.InputSize(); // validates
  return resized;
}

/** The networks of a configuration file: the preset's, an input size, a student preset, or whole
 *  model descriptions. */
void
ReadModels(const Json & json, const std::string & preset, SemiSupervisedConfig & c)
{
  const std::string where = "training configuration";
  int64_t           inputSize = 0;
  ReadJsonField(json, "input_size", inputSize, where);
  std::string studentPreset;
  ReadJsonField(json, "student_preset", studentPreset, where);
  if (inputSize > 0)
    c.teacherModel = AtInputSize(c.teacherModel, preset, inputSize);
  if (const Json * m = FindJsonMember(json, "teacher_model"))
    c.teacherModel = SegmenterSpec::FromJson(*m);
  // The student is the teacher's architecture unless named otherwise; a student preset takes the
  // teacher's input size, so that both see the radiographs at the same resolution.
  c.studentModel = studentPreset.empty() ? c.teacherModel : SegmenterSpec::Preset(studentPreset, c.teacherModel.InputSize());
  if (const Json * m = FindJsonMember(json, "student_model"))
    c.studentModel = SegmenterSpec::FromJson(*m);
  // Parameter groups are named by the network: another architecture trains all of its own.
  if (c.studentModel.architecture != c.teacherModel.architecture)
    c.student.trainableParts.clear();
}

} // namespace

/** radiograph: chosen on UFBA-425's validation split (Documentation/benchmarks.md). */
SemiSupervisedConfig
RadiographPreset()
{
  SemiSupervisedConfig c = SemiSupervisedConfig::Preset("small");
  c.preset = "radiograph";
  c.teacherModel = SegmenterSpec::ForArchitecture("unet", "cpu");
  c.studentModel = c.teacherModel;
  c.teacher.learningRate = 1e-3;
  c.teacher.learningRateSchedule = "poly";
  c.teacher.epochs = 150;
  c.teacher.trainableParts.clear();
  // 30 labelled radiographs: stronger augmentation than the phantoms need.
  AugmentationOptions & a = c.teacher.augmentation;
  a.horizontalFlip = true;
  a.rotationDegrees = 12;
  a.scale = 0.15;
  a.translation = 0.05;
  a.contrast = 0.25;
  a.brightness = 0.08;
  a.gamma = 0.25;
  a.noiseStd = 0.03;
  c.student = c.teacher;
  // 10 epochs at the teacher's rate beat 6 at 3e-4 on UFBA-425 (Dice 0.892 vs 0.887; benchmarks.md).
  c.student.learningRate = 1e-3;
  c.student.epochs = 10;
  c.pseudoLabelMirror = true;
  c.student.unsupervisedLoss = "dice_bce";
  c.studentFromTeacher = true;
  // SinusCycle-GAN works on a 64 x 128 grid; its masks brought back to the 256 x 256 logit grid
  // lose the teeth's outlines, so the pseudo-labels are the teacher's own (Table 2 measures the
  // refinement on real radiographs). "postprocessing" teaches the student to separate merged teeth
  // itself but, with the same postprocessing chosen for the student, measured no better on
  // UFBA-425 (benchmarks.md), so the preset keeps the teacher's masks as they are.
  c.refinement = RefinementMode::Off;
  // Both networks train with left-right flips; the mean of the two views lowered every measured
  // model's HD95 and raised its Dice on UFBA-425 (nnU-Net row 10.23 -> 10.05 px, the method
  // 10.11 -> 10.00 px; benchmarks.md) for a second pass at prediction time.
  c.testTimeMirror = true;
  return c;
}

SemiSupervisedConfig
SemiSupervisedConfig::Preset(const std::string & name)
{
  if (name == "radiograph")
    return RadiographPreset();
  SemiSupervisedConfig c;
  c.preset = name;
  c.teacherModel = SegmenterSpec::Preset(name);
  if (c.teacherModel.architecture != "sam")
    throw std::invalid_argument("preset '" + name + "' is not a teacher preset (known: small, vit_b, radiograph); a student of another "
                                "architecture is chosen with student_preset");
  c.studentModel = c.teacherModel;
  if (name == "vit_b")
  {
    // The paper: AdamW lr 1e-5, batch 8, 10 epochs for teacher and student; SinusCycle-GAN 100
    // epochs, batch 10, at its paper size.
    c.refiner = RefinerConfig::Paper();
    c.refinerTraining = RefinerTrainingOptions{};
    // The paper thresholds at 0.5 and says nothing of postprocessing.
    c.postprocessing = PostprocessingSearch::Off;
    return c;
  }
  ApplySmallTraining(c);
  return c;
}

SemiSupervisedConfig
SemiSupervisedConfig::FromJson(const Json & json)
{
  const std::string where = "training configuration";
  if (!json.is_object())
    throw std::invalid_argument(where + ": expected a JSON object");
  RequireKnownKeys(json,
                   { "preset", "input_size", "student_preset", "teacher_model", "student_model", "teacher", "student", "refiner",
                     "refiner_training", "refinement", "use_unlabelled", "student_from_teacher", "pseudo_label_mirror", "prediction_batch",
                     "postprocessing", "test_time_mirror" },
                   where);
  std::string preset = "small";
  ReadJsonField(json, "preset", preset, where);
  SemiSupervisedConfig c = Preset(preset);
  ReadModels(json, preset, c);
  if (const Json * t = FindJsonMember(json, "teacher"))
    c.teacher = SegmenterTrainingOptions::FromJson(*t, c.teacher);
  if (const Json * s = FindJsonMember(json, "student"))
    c.student = SegmenterTrainingOptions::FromJson(*s, c.student);
  const RefinerSettings refiner = RefinerSettings::FromJson(json, RefinerSettings{ c.refiner, c.refinerTraining });
  c.refiner = refiner.architecture;
  c.refinerTraining = refiner.training;
  if (const Json * r = FindJsonMember(json, "refinement"))
    c.refinement = ParseRefinementMode(r->get<std::string>());
  ReadJsonField(json, "use_unlabelled", c.useUnlabelled, where);
  ReadJsonField(json, "student_from_teacher", c.studentFromTeacher, where);
  ReadJsonField(json, "pseudo_label_mirror", c.pseudoLabelMirror, where);
  ReadJsonField(json, "prediction_batch", c.predictionBatch, where);
  if (const Json * p = FindJsonMember(json, "postprocessing"))
    c.postprocessing = ParsePostprocessingSearch(p->is_string() ? p->get<std::string>() : p->dump());
  ReadJsonField(json, "test_time_mirror", c.testTimeMirror, where);
  c.Validate();
  return c;
}

Json
SemiSupervisedConfig::ToJson() const
{
  Json j = Json::object();
  j["preset"] = preset;
  j["teacher_model"] = teacherModel.ToJson();
  j["student_model"] = studentModel.ToJson();
  j["teacher"] = teacher.ToJson();
  j["student"] = student.ToJson();
  RefinerSettings{ refiner, refinerTraining }.WriteTo(j);
  j["refinement"] = ToString(refinement);
  j["use_unlabelled"] = useUnlabelled;
  j["student_from_teacher"] = studentFromTeacher;
  j["pseudo_label_mirror"] = pseudoLabelMirror;
  j["prediction_batch"] = predictionBatch;
  if (postprocessing != SemiSupervisedConfig{}.postprocessing)
    j["postprocessing"] = ToString(postprocessing);
  if (testTimeMirror)
    j["test_time_mirror"] = true;
  return j;
}

void
SemiSupervisedConfig::Validate() const
{
  teacher.Validate();
  student.Validate();
  refiner.Validate();
  if (predictionBatch < 1)
    throw std::invalid_argument("training configuration: prediction_batch must be at least 1");
  if (refinement == RefinementMode::Postprocessing && postprocessing == PostprocessingSearch::Off)
    throw std::invalid_argument("training configuration: refinement \"postprocessing\" needs a postprocessing search to choose the teacher's "
                                "postprocessing with (postprocessing is \"off\")");
  // Networks are built only when a stage runs; their descriptions must at least be complete.
  teacherModel.InputSize();
  studentModel.InputSize();
}

int64_t
SemiSupervisedConfig::SampleInputSize() const
{
  return std::max(teacherModel.InputSize(), studentModel.InputSize());
}

std::vector<int64_t>
SemiSupervisedConfig::LabelGrids() const
{
  std::vector<int64_t> grids{ teacherModel.LogitSize() };
  if (studentModel.LogitSize() != grids.front())
    grids.push_back(studentModel.LogitSize());
  return grids;
}

} // namespace sinus

namespace sinus
{
namespace
{
/** One network of the choice: the architecture at the preset's size, with nnU-Net's plan. */
void
ChooseNetwork(const std::string & architecture, const ArchitectureChoice & choice, const DatasetFingerprint * fingerprint, int64_t inputSize,
              SegmenterSpec & spec, SegmenterTrainingOptions & training)
{
  if (architecture.empty())
    return;
  const std::string before = spec.architecture;
  if (architecture == "nnunet")
  {
    if (!fingerprint)
      throw std::invalid_argument("an nnunet network is planned from the training images' fingerprint, and none was given");
    NnUNetPlanLimits limits = choice.preset == "paper" ? NnUNetPlanLimits::Paper() : NnUNetPlanLimits::Cpu();
    limits.maxInputSize = inputSize;
    const NnUNetPlan plan = PlanNnUNet(*fingerprint, limits);
    spec = SegmenterSpec{ "nnunet", plan.network.ToJson() };
    training.batchSize = plan.training.batchSize;
    training.learningRate = plan.training.learningRate;
    training.learningRateSchedule = plan.training.learningRateSchedule;
    training.augmentation = plan.training.augmentation;
  }
  else
  {
    spec = SegmenterSpec::ForArchitecture(architecture, choice.preset, inputSize);
  }
  if (spec.architecture != before)
    training.trainableParts.clear(); // groups are named by the network
}
} // namespace

SemiSupervisedConfig
WithArchitectures(const SemiSupervisedConfig & base, const ArchitectureChoice & choice, const DatasetFingerprint * fingerprint)
{
  SemiSupervisedConfig c = base;
  const int64_t        inputSize = choice.inputSize > 0 ? choice.inputSize : base.teacherModel.InputSize();
  ChooseNetwork(choice.teacher, choice, fingerprint, inputSize, c.teacherModel, c.teacher);
  ChooseNetwork(choice.student, choice, fingerprint, inputSize, c.studentModel, c.student);
  c.Validate();
  return c;
}

} // namespace sinus
