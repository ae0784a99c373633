// SPDX-License-Identifier: Apache-2.0
#include "TrainingJobs.h"

#include "SinusSegCommand.h"
#include "sinus/ComputePrecision.h"
#include "sinus/FileUtilities.h"
#include "sinus/IntegerText.h"
#include "sinus/LaunchEnvironment.h"
#include "sinus/TensorDictionary.h"
#include "sinusTrainingDatalist.h"
#include "sinusTrainingReport.h"

#include <filesystem>

#include <optional>


#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <thread>

namespace sinusseg
{

void
TrainingSettings::AddOptions(boost::program_options::options_description & options)
{
  namespace po = boost::program_options;
  options.add_options()
    ("preset", po::value(&preset)->default_value(preset),
     "model and training preset: small (SAM for CPUs, from scratch), radiograph (U-Net teacher and student, what wins on real "
     "radiographs on a CPU) or vit_b (the paper's MedSAM ViT-B)")
    ("teacher-arch", po::value(&teacherArch), "teacher network: unet, deeplabv3plus, transunet, unetr, nnunet, medsam (cpu sizes; paper sizes with --preset vit_b)")
    ("student-arch", po::value(&studentArch), "student network, as --teacher-arch (may differ; distillation at the student's grid)")
    ("config", po::value(&configFile), "JSON configuration overriding the preset (see Documentation/Training.md)")
    ("device", po::value(&device)->default_value(device), "cpu, cuda or cuda:N")
    ("init-checkpoint", po::value(&initCheckpoint), "official MedSAM/SAM .pth that teacher and student start from (shapes must match the preset)")
    ("pretrained", po::value(&pretrained), "encoder weights from `sinusseg pretrain` (its folder or pretrained.sinusseg) for the "
                                           "teacher and/or student of the network it was pretrained for")
    ("input-size", po::value(&inputSize), "network input size (multiple of 16; default: the preset's, 256 small, 1024 vit_b)")
    ("teacher-epochs", po::value(&teacherEpochs), "override the teacher's epochs")
    ("student-epochs", po::value(&studentEpochs), "override the student's epochs")
    ("refiner-epochs", po::value(&refinerEpochs), "override SinusCycle-GAN's epochs")
    ("precision", po::value(&precision), "teacher's and student's forward pass and losses on the CPU: fp32 (the configuration's "
                                         "default), bf16 (autocast; weights and optimiser stay fp32) or auto (bf16 where the CPU "
                                         "has AVX512_BF16)")
    ("threads", po::value(&threads)->default_value(0), "CPU threads (0 = all cores)");
}

sinus::SemiSupervisedConfig
TrainingSettings::Resolve(const std::string & datalist) const
{
  try
  {
    return sinus::TrainingSettings::Resolve(datalist);
  }
  catch (const std::invalid_argument & e)
  {
    throw UsageError(e.what());
  }
}

std::string
FormatClock(double seconds)
{
  const long s = static_cast<long>(seconds + 0.5);
  char       text[32];
  if (s >= 3600)
    std::snprintf(text, sizeof(text), "%ld:%02ld:%02ld", s / 3600, (s / 60) % 60, s % 60);
  else
    std::snprintf(text, sizeof(text), "%ld:%02ld", s / 60, s % 60);
  return text;
}

const sinus::PipelineResult &
RunTrainerWithProgress(itk::SemiSupervisedSegmentationTrainer * trainer)
{
  using Clock_t = std::chrono::steady_clock;
  const bool terminal = ::isatty(STDOUT_FILENO) != 0;
  struct StageTiming
  {
    Clock_t::time_point start;
    int64_t             firstStep = -1;
    int                 lastDecile = -1;
  };
  std::map<sinus::PipelineStage, StageTiming> timing;
  bool                                        barShown = false;

  const auto onIteration = [&](const itk::EventObject &) {
    const sinus::PipelineStage stage = trainer->GetCurrentStage();
    const int64_t              step = trainer->GetCurrentStep(), steps = std::max<int64_t>(trainer->GetCurrentSteps(), 1);
    StageTiming &              t = timing[stage];
    if (t.firstStep < 0)
    {
      t.start = Clock_t::now();
      t.firstStep = step; // timing starts at the first report, so the first ETA is unknown
    }
    const double elapsed = std::chrono::duration<double>(Clock_t::now() - t.start).count();
    const double done = static_cast<double>(step - t.firstStep);
    const double eta = done > 0 ? elapsed / done * static_cast<double>(steps - step) : 0.0;
    const double fraction = static_cast<double>(step) / static_cast<double>(steps);
    const int    decile = static_cast<int>(fraction * 10.0);
    if (!terminal && decile == t.lastDecile)
      return;
    t.lastDecile = decile;
    std::string bar(20, '.');
    for (int i = 0; i < static_cast<int>(fraction * 20.0 + 1e-9) && i < 20; ++i)
      bar[static_cast<size_t>(i)] = '#';
    char line[320];
    std::snprintf(line, sizeof(line), "  %-13s [%s] %3d%%  %lld/%lld  ETA %s  %s", sinus::ToString(stage), bar.c_str(),
                  static_cast<int>(fraction * 100.0), static_cast<long long>(step), static_cast<long long>(steps), (done > 0 ? FormatClock(eta) : std::string("--:--")).c_str(),
                  trainer->GetCurrentLosses().c_str());
    if (terminal)
    {
      std::cout << "\r" << line << "\033[K" << std::flush;
      barShown = true;
    }
    else
    {
      std::cout << line << std::endl;
    }
  };
  const auto onMessage = [&](const itk::EventObject &) {
    if (barShown)
      std::cout << "\r\033[K";
    barShown = false;
    std::cout << trainer->GetLastMessage() << std::endl;
  };
  const auto iterationTag = trainer->AddObserver(itk::IterationEvent(), onIteration);
  const auto messageTag = trainer->AddObserver(itk::TrainingMessageEvent(), onMessage);
  try
  {
    trainer->Update();
  }
  catch (const itk::ExceptionObject & e)
  {
    trainer->RemoveObserver(iterationTag);
    trainer->RemoveObserver(messageTag);
    if (barShown)
      std::cout << std::endl;
    throw std::runtime_error(e.GetDescription());
  }
  trainer->RemoveObserver(iterationTag);
  trainer->RemoveObserver(messageTag);
  if (barShown)
    std::cout << "\r\033[K" << std::flush;
  return trainer->GetResult();
}

namespace
{
/** The stages a row runs (empty: all): a supervised row trains the teacher alone and evaluates it. */
std::set<sinus::PipelineStage>
RowStages(const sinus::AblationRun & run)
{
  if (!run.teacherOnly)
    return {};
  return { sinus::PipelineStage::Teacher, sinus::PipelineStage::PseudoLabels, sinus::PipelineStage::Evaluation };
}
} // namespace

bool
RowStartsFromPretrained(const sinus::AblationRun & run, const std::string & pretrained)
{
  // A supervised row's configuration still names the method's student, which it never trains.
  return !pretrained.empty() && sinus::PretrainedEncoderFitsRun(pretrained, run.config, RowStages(run));
}

sinus::PipelineResult
RunPipelineRow(const sinus::AblationRun & run, const sinus::SemiSupervisedData & data, const TrainingSettings & settings, const std::string & out,
               const std::string & command)
{
  namespace fs = std::filesystem;
  std::cout << "\n=== " << run.folder << " ===" << std::endl;
  const fs::path folder = fs::path(out) / run.folder;
  auto           trainer = itk::SemiSupervisedSegmentationTrainer::New();
  trainer->SetData(data);
  trainer->SetOutputDirectory(folder.string());
  trainer->SetConfiguration(run.config);
  trainer->SetResume(true); // rerunning continues where it stopped
  trainer->SetDevice(settings.device);
  trainer->SetInitCheckpoint(settings.initCheckpoint);
  if (RowStartsFromPretrained(run, settings.pretrained))
    trainer->SetPretrained(settings.pretrained);
  else if (!settings.pretrained.empty())
    std::cout << run.folder << ": from scratch (the pretrained encoder is another network's)" << std::endl;
  trainer->SetStages(RowStages(run));
  if (!run.teacherFrom.empty())
    trainer->SetTeacherFrom((fs::path(out) / run.teacherFrom).string());
  if (!run.refinementFrom.empty())
    trainer->SetRefinementFrom((fs::path(out) / run.refinementFrom).string());
  const sinus::PipelineResult result = RunTrainerWithProgress(trainer);
  if (!sinus::ProcessGroup().Leader())
    return result; // rank 0 evaluated the row and writes its report
  sinus::TrainingReportOptions report;
  report.outputDirectory = folder.string();
  report.title = "SinusSeg run: " + run.folder;
  report.command = command;
  sinus::WriteTrainingReport(result, report);
  return result;
}

namespace
{
/** A positive whole number from the environment variable `name`, or nothing when it is unset. */
std::optional<int64_t>
PositiveFromEnvironment(const char * name)
{
  const char * text = std::getenv(name);
  if (!text)
    return std::nullopt;
  const std::optional<int64_t> value = sinus::ParseWholeInteger(text);
  if (!value || *value < 1)
    throw std::runtime_error(std::string(name) + "=" + text + " must be a positive whole number");
  return value;
}

/** "All cores" for one of several processes a launcher started on this machine: its
 *  OMP_NUM_THREADS (torchrun sets 1), else the cores divided among LOCAL_WORLD_SIZE processes. */
int
LaunchedProcessThreads()
{
  if (!sinus::ReadProcessLaunchEnvironment().Distributed())
    return 0;
  if (const auto omp = PositiveFromEnvironment("OMP_NUM_THREADS"))
    return static_cast<int>(*omp);
  const int64_t processes = PositiveFromEnvironment("LOCAL_WORLD_SIZE").value_or(1);
  return static_cast<int>(std::max<int64_t>(1, std::thread::hardware_concurrency() / processes));
}
} // namespace

int
ConfigureThreads(int threads)
{
  if (threads < 0)
    throw UsageError("--threads must be 0 (all cores) or positive");
  return sinus::ConfigureRuntime(threads == 0 ? LaunchedProcessThreads() : threads);
}

const sinus::DataParallelGroup &
JoinLaunchedJob(const std::string & device)
{
  const int64_t                    seconds = PositiveFromEnvironment("SINUSSEG_DISTRIBUTED_TIMEOUT").value_or(1800);
  const sinus::DataParallelGroup & group = sinus::JoinProcessGroup(std::chrono::seconds(seconds), sinus::ParseTrainingDevice(device));
  if (group.Distributed())
    std::cout << "data-parallel: rank " << group.Rank() << " of " << group.WorldSize() << " (c10d: " << group.Transport()
              << "), collectives time out after " << seconds << " s" << std::endl;
  return group;
}

} // namespace sinusseg
