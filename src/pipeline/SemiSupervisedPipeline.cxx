// SPDX-License-Identifier: Apache-2.0
// The order of the stages, which of them run, and the run folder's bookkeeping around them.
#include "PipelineStages.h"

#include "sinus/FileUtilities.h"
#include "sinus/LaunchEnvironment.h"
#include "sinus/PipelineStageSelection.h"
#include "sinus/PretrainedEncoder.h"
#include "sinus/RankCoordination.h"

namespace sinus
{

const std::vector<PipelineStage> &
AllPipelineStages()
{
  static const std::vector<PipelineStage> stages{ PipelineStage::Teacher, PipelineStage::PseudoLabels, PipelineStage::Refinement,
                                                  PipelineStage::Student, PipelineStage::Evaluation };
  return stages;
}

const char *
ToString(PipelineStage stage)
{
  switch (stage)
  {
    case PipelineStage::Teacher:
      return "teacher";
    case PipelineStage::PseudoLabels:
      return "pseudo-labels";
    case PipelineStage::Refinement:
      return "refinement";
    case PipelineStage::Student:
      return "student";
    case PipelineStage::Evaluation:
      break;
  }
  return "evaluation";
}

PipelineStage
ParsePipelineStage(const std::string & text)
{
  for (PipelineStage s : AllPipelineStages())
    if (text == ToString(s))
      return s;
  throw std::invalid_argument("unknown stage '" + text + "' (known: teacher, pseudo-labels, refinement, student, evaluation)");
}

torch::Device
ParseTrainingDevice(const std::string & text)
{
  if (text == "cpu")
    return torch::Device(torch::kCPU);
  if (text.rfind("cuda", 0) != 0)
    throw std::invalid_argument("unknown device '" + text + "' (known: cpu, cuda, cuda:N)");
  const int64_t found = static_cast<int64_t>(torch::cuda::device_count());
  if (!torch::cuda::is_available())
    throw std::invalid_argument("--device " + text + ": this LibTorch build has no usable CUDA device (" + std::to_string(found) +
                                " found); use --device cpu or a CUDA LibTorch");
  const std::string   mine = DeviceForRank(text, ReadProcessLaunchEnvironment());
  const torch::Device device(mine);
  if (device.has_index() && device.index() >= found)
    throw std::invalid_argument("--device " + text + ": this process needs GPU " + std::to_string(device.index()) +
                                (mine != text ? " (its LOCAL_RANK)" : "") + " but " + std::to_string(found) + " are visible");
  return device;
}

namespace
{
/** Ablation rows share a teacher (and pseudo-labels) and a refinement: copied from the run that
 *  made them, after checking that the settings that made them are this run's. */
const SharedStages &
TeacherStages()
{
  static const SharedStages stages{ { "teacher_model", "teacher", "init_checkpoint", "pretrained", "pseudo_label_mirror" },
                                    { "teacher.sinusseg", "teacher_log.csv", "pseudo_labels.pt" },
                                    { PipelineStage::Teacher, PipelineStage::PseudoLabels } };
  return stages;
}

const SharedStages &
RefinementStages()
{
  // Refinement works on the teacher's pseudo-labels: the teacher's settings made it too.
  static const SharedStages stages = [] {
    SharedStages refinement{ TeacherStages().keys, { "refined_pseudo_labels.pt" }, { PipelineStage::Refinement } };
    refinement.keys.insert(refinement.keys.end(), { "refiner", "refiner_training", "refinement" });
    return refinement;
  }();
  return stages;
}

/** A network of the run with its role ("the teacher", "the student"). */
using RoleAndNetwork = std::pair<std::string, Segmenter>;

/** The networks a run of these stages (empty: all) trains: the teacher with the teacher stage, the
 *  student with the student stage, and both when neither stage is run (such a run goes on from
 *  networks trained in an earlier sitting). */
std::vector<RoleAndNetwork>
TrainedNetworks(const SemiSupervisedConfig & config, const std::set<PipelineStage> & stages)
{
  const bool teacher = StageSelected(stages, PipelineStage::Teacher), student = StageSelected(stages, PipelineStage::Student);
  const bool neither = !teacher && !student;
  std::vector<RoleAndNetwork> networks;
  if (neither || teacher)
    networks.emplace_back("the teacher", BuildSegmenter(config.teacherModel));
  if (neither || student)
    networks.emplace_back("the student", BuildSegmenter(config.studentModel));
  return networks;
}

/** Whether the pretrained encoder in the model file `path` fits any of `networks`. */
bool
EncoderFitsAny(const std::string & path, const std::vector<RoleAndNetwork> & networks)
{
  std::vector<const SegmenterImpl *> pointers;
  for (const auto & entry : networks)
    pointers.push_back(entry.second.get());
  return PretrainedEncoderFits(path, pointers);
}

/** The model file of --pretrained, checked against the networks the run trains before anything is
 *  written. */
std::string
CheckPretrainedEncoder(const std::string & given, const SemiSupervisedConfig & config, const std::set<PipelineStage> & stages)
{
  const std::string                 path = PretrainedModelPath(given);
  const std::vector<RoleAndNetwork> trained = TrainedNetworks(config, stages);
  if (!EncoderFitsAny(path, trained))
  {
    std::string networks;
    for (const auto & [role, network] : trained)
      networks += (networks.empty() ? "" : " and ") + role + " is " + network->Architecture() + " " + network->ConfigJson().dump();
    throw std::invalid_argument("--pretrained " + path + ": pretrained for " + DescribePretrainedEncoder(path) + ", but " + networks +
                                " (the networks the stages run train; pretrain with the run's --arch, --preset and --input-size)");
  }
  return std::filesystem::canonical(path).string();
}

/** The folder of --resume-from, made canonical, after checking that it holds a finished teacher
 *  of this run's networks. */
std::string
CheckResumeFrom(const std::string & from, const Json & configJson)
{
  const std::filesystem::path root(from), teacher = root / "teacher.sinusseg", config = root / "config.json";
  if (!std::filesystem::exists(teacher) || !std::filesystem::exists(config))
    throw std::invalid_argument("--resume-from " + from + ": not a run with a trained teacher (" + teacher.string() + " or " +
                                config.string() + " is missing)");
  const Json theirs = ParseJson(ReadTextFile(config));
  for (const std::string key : { "teacher_model", "student_model" })
  {
    const Json * network = FindJsonMember(theirs, key);
    if (!network || *network != configJson.at(key))
      throw std::invalid_argument("--resume-from " + from + ": its " + key + " is " + (network ? network->dump() : "missing") +
                                  ", this run's " + configJson.at(key).dump() + " (a run continues from one of the same networks)");
  }
  return std::filesystem::canonical(root).string();
}

} // namespace

bool
PretrainedEncoderFitsRun(const std::string & pretrained, const SemiSupervisedConfig & config, const std::set<PipelineStage> & stages)
{
  return EncoderFitsAny(PretrainedModelPath(pretrained), TrainedNetworks(config, stages));
}

PipelineResult
RunSemiSupervisedPipeline(const SemiSupervisedData & data, const SemiSupervisedConfig & config, const PipelineRunOptions & options,
                          const PipelineCallbacks & callbacks)
{
  config.Validate();
  const torch::Device device = ParseTrainingDevice(options.device);
  Json                configJson = config.ToJson();
  if (!options.initCheckpoint.empty())
    configJson["init_checkpoint"] = options.initCheckpoint;
  const bool newRun = !std::filesystem::exists(std::filesystem::path(options.outputDirectory) / "config.json");
  // A new run's stages must train a network the encoder fits. A later sitting of a run (say the
  // student's stage alone) is checked against both networks: its folder holds the settings the
  // first sitting was checked with, and the run refuses others.
  if (!options.pretrained.empty())
    configJson["pretrained"] = CheckPretrainedEncoder(options.pretrained, config, newRun ? options.stages : std::set<PipelineStage>{});
  if (!options.resumeFrom.empty())
    configJson["resume_from"] = CheckResumeFrom(options.resumeFrom, configJson);
  // Checked before a new run's folder exists, so that a refused run leaves nothing behind.
  if (newRun)
  {
    RunFolder::CheckReusable(options.teacherFrom, configJson, TeacherStages());
    RunFolder::CheckReusable(options.refinementFrom, configJson, RefinementStages());
  }
  RunFolder folder(options.outputDirectory, configJson, options, callbacks.onStageMessage);
  folder.Reuse(options.teacherFrom, TeacherStages());
  folder.Reuse(options.refinementFrom, RefinementStages());
  const StageContext context{ data, config, options, callbacks, device, folder };

  const auto selected = [&](PipelineStage s) { return StageSelected(options.stages, s); };
  const auto shouldRun = [&](PipelineStage s) { return selected(s) && !((options.resume || folder.TakenOver(s)) && folder.Completed(s)); };
  using StageFunction = void (*)(const StageContext &);
  const std::vector<std::pair<PipelineStage, StageFunction>> training{ { PipelineStage::Teacher, RunTeacherStage },
                                                                        { PipelineStage::PseudoLabels, RunPseudoLabelStage },
                                                                        { PipelineStage::Refinement, RunRefinementStage },
                                                                        { PipelineStage::Student, RunStudentStage } };
  // In a data-parallel job the teacher, the pseudo-labels and the student share the work among
  // the ranks; the refinement (a small GAN on masks) and the evaluation run on rank 0 while the
  // others wait.
  const DataParallelGroup & group = ProcessGroup();
  for (const auto & [stage, run] : training)
  {
    if (!shouldRun(stage))
      continue;
    if (stage == PipelineStage::Refinement)
      RunOnLeader(group, "the refinement stage", [&, run = run] { run(context); });
    else
      run(context);
    folder.MarkCompleted(stage);
  }
  PipelineResult result;
  result.outputDirectory = options.outputDirectory;
  // Evaluation is cheap and its result is returned: a resumed run evaluates again when asked to.
  if (selected(PipelineStage::Evaluation) && (shouldRun(PipelineStage::Evaluation) || options.resume))
  {
    RunOnLeader(group, "the evaluation stage", [&] { result = RunEvaluationStage(context); });
    folder.MarkCompleted(PipelineStage::Evaluation);
  }
  return result;
}

} // namespace sinus
