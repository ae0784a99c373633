// SPDX-License-Identifier: Apache-2.0
// sinusseg train: the semi-supervised method end to end on a user's datalist (teacher ->
// pseudo-labels -> SinusCycle-GAN refinement -> student -> evaluation), or any stage alone.
#include "SinusSegCommand.h"
#include "TrainingJobs.h"
#include "sinus/AblationPlan.h"
#include "sinusTrainingReport.h"

#include <filesystem>
#include <iostream>

namespace sinusseg
{
namespace fs = std::filesystem;

int
RunTrain(const std::vector<std::string> & args)
{
  namespace po = boost::program_options;
  std::string              datalist, out, teacherFrom, resumeFrom;
  sinus::MethodChoices     method;
  std::vector<std::string> stageNames;
  double                   alpha = 0;
  TrainingSettings         settings;
  po::options_description  desc("Options");
  desc.add_options()
    ("datalist", po::value(&datalist)->required(), "MONAI-style datalist JSON (training with/without labels, validation, test)")
    ("out", po::value(&out)->required(), "output folder: one model file per stage, checkpoints, CSV logs, evaluation, report.md")
    ("stage", po::value(&stageNames)->multitoken(), "run only these stages: teacher, pseudo-labels, refinement, student, evaluation")
    ("resume", "continue the run in --out: completed stages are skipped, an interrupted one continues from its last epoch")
    ("teacher-from", po::value(&teacherFrom), "take the teacher and its pseudo-labels from the finished run in this folder (its teacher settings must be this run's): try student settings without training the teacher again")
    ("resume-from", po::value(&resumeFrom), "a new run in --out that continues the finished run in this folder with the datalist's labels "
                                            "as they are now (e.g. after `import-via --datalist`): its teacher is fine-tuned from that run's, "
                                            "and the student from the new teacher (or from that run's student); same networks")
    ("variant", po::value(&method.variant), "an ablation row of the paper's Table 2 (see `sinusseg ablation --help`)")
    ("refinement", po::value(&method.refinement), "pseudo-label refinement: off, no_cbam, cbam (SinusCycle-GAN without or with CBAM), postprocessing (the teacher's masks through the postprocessing chosen for it on the validation images)")
    ("distillation", po::value(&method.distillation), "student's KD: off, unweighted, weighted")
    ("alpha", po::value(&alpha), "weight of L_sup in the student's objective (1 - alpha weighs L_unsup)");
  settings.AddOptions(desc);
  po::variables_map values;
  if (!ParseCommandLine("train", "--datalist FILE --out DIR [options]", desc, args, values))
    return 0;
  sinus::SemiSupervisedConfig config = settings.Resolve(datalist);
  std::set<sinus::PipelineStage> stages;
  try
  {
    if (values.count("alpha"))
      method.alpha = alpha;
    config = method.ApplyTo(config);
    for (const auto & name : stageNames)
      stages.insert(sinus::ParsePipelineStage(name));
    sinus::ParseTrainingDevice(settings.device);
  }
  catch (const std::invalid_argument & e)
  {
    throw UsageError(e.what());
  }
  JoinLaunchedJob(settings.device);
  const int threads = ConfigureThreads(settings.threads);

  auto trainer = itk::SemiSupervisedSegmentationTrainer::New();
  trainer->SetDatalistFileName(datalist);
  trainer->SetOutputDirectory(out);
  trainer->SetConfiguration(config);
  trainer->SetStages(stages);
  trainer->SetResume(values.count("resume") > 0);
  trainer->SetTeacherFrom(teacherFrom);
  trainer->SetResumeFrom(resumeFrom);
  trainer->SetDevice(settings.device);
  trainer->SetInitCheckpoint(settings.initCheckpoint);
  trainer->SetPretrained(settings.pretrained);
  trainer->SetNumberOfWorkUnits(static_cast<unsigned>(threads));
  std::cout << "sinusseg train: preset " << config.preset << ", refinement " << sinus::ToString(config.refinement) << ", distillation "
            << sinus::ToString(config.student.distillation) << ", alpha " << config.student.alpha << ", device " << settings.device
            << ", " << threads << " threads" << std::endl;
  const sinus::PipelineResult & result = RunTrainerWithProgress(trainer);

  if (!result.summaries.empty())
  {
    std::vector<std::pair<std::string, sinus::ModelSummary>> rows;
    for (const auto & s : result.summaries)
      rows.emplace_back(s.model, s);
    std::cout << "\nTest set (" << result.summaries.front().dice.count << " images):\n" << sinus::FormatSummaryTable(rows, "model", sinus::SummaryTableStyle::Text);
    sinus::TrainingReportOptions report;
    report.outputDirectory = out;
    report.title = "SinusSeg training report";
    report.command = "sinusseg train --datalist " + datalist + " --out " + out;
    sinus::WriteTrainingReport(result, report);
    std::cout << "report: " << (fs::path(out) / "report.md").string() << std::endl;
  }
  std::cout << "model files in " << out << ": teacher.sinusseg, refiner.sinusseg (when refinement ran), student.sinusseg"
            << " -- use with `sinusseg predict --model " << (fs::path(out) / "student.sinusseg").string() << "`" << std::endl;
  return 0;
}

} // namespace sinusseg
