// SPDX-License-Identifier: Apache-2.0
#include "sinus/PipelineConfig.h"

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
  throw std::invalid_argument("unknown refinement mode '" + text + "' (known: off, no_cbam, cbam)");
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
    c.teacherModel = SegmenterSpec::Preset(preset, inputSize);
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

SemiSupervisedConfig
SemiSupervisedConfig::Preset(const std::string & name)
{
  SemiSupervisedConfig c;
  c.preset = name;
  c.teacherModel = SegmenterSpec::Preset(name);
  if (c.teacherModel.architecture != "sam")
    throw std::invalid_argument("preset '" + name + "' is not a teacher preset (known: small, vit_b); a student of another "
                                "architecture is chosen with student_preset");
  c.studentModel = c.teacherModel;
  if (name == "vit_b")
  {
    // The paper: AdamW lr 1e-5, batch 8, 10 epochs for teacher and student; SinusCycle-GAN 100
    // epochs, batch 10, at its paper size.
    c.refiner = RefinerConfig::Paper();
    c.refinerTraining = RefinerTrainingOptions{};
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
                     "refiner_training", "refinement", "use_unlabelled", "prediction_batch" },
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
  ReadJsonField(json, "prediction_batch", c.predictionBatch, where);
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
  j["prediction_batch"] = predictionBatch;
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
