// SPDX-License-Identifier: Apache-2.0
// sinusseg.train: the semi-supervised method on a datalist, as `sinusseg train`, with a progress
// callback and Ctrl-C that stops after the current batch (the last epoch's checkpoint stays).
#include "sinusPythonBindings.h"

#include "itkSemiSupervisedSegmentationTrainer.h"
#include "sinus/EvaluationSummary.h"
#include "sinusTrainingSettings.h"

#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <torch/torch.h>

#include <filesystem>
#include <optional>

namespace sinus::python
{
namespace
{
/** The keyword arguments of sinusseg.train, named as `sinusseg train`'s options. */
struct TrainingRequest
{
  std::string              datalist, out, teacherFrom, resumeFrom;
  std::vector<std::string> stages;
  bool                     resume = false;
  TrainingSettings         settings;
  MethodChoices            method;
};

/** Watches the trainer from its own thread: hands each batch and message to Python and turns a
 *  Ctrl-C, or an exception raised by a callback, into an abort after the current batch. */
class TrainingObserver
{
public:
  TrainingObserver(itk::SemiSupervisedSegmentationTrainer * trainer, py::object progress, py::object log)
    : m_Trainer(trainer)
    , m_Progress(std::move(progress))
    , m_Log(std::move(log))
  {
    m_IterationTag = trainer->AddObserver(itk::IterationEvent(), [this](const itk::EventObject &) { OnBatch(); });
    m_MessageTag = trainer->AddObserver(itk::TrainingMessageEvent(), [this](const itk::EventObject &) { OnMessage(); });
  }
  ~TrainingObserver()
  {
    m_Trainer->RemoveObserver(m_IterationTag);
    m_Trainer->RemoveObserver(m_MessageTag);
  }
  TrainingObserver(const TrainingObserver &) = delete;
  TrainingObserver & operator=(const TrainingObserver &) = delete;

  /** The Python error that stopped training (KeyboardInterrupt, or a callback's), if any. */
  std::optional<py::error_already_set> & Stopped() { return m_Stopped; }

private:
  void OnBatch()
  {
    py::gil_scoped_acquire held;
    Call(m_Progress, [&] {
      py::dict info;
      info["stage"] = ToString(m_Trainer->GetCurrentStage());
      info["step"] = m_Trainer->GetCurrentStep();
      info["steps"] = m_Trainer->GetCurrentSteps();
      info["losses"] = m_Trainer->GetCurrentLosses();
      return py::object(info);
    });
  }
  void OnMessage()
  {
    py::gil_scoped_acquire held;
    Call(m_Log, [&] { return py::object(py::str(m_Trainer->GetLastMessage())); });
  }

  template <typename TMakeArgument>
  void Call(const py::object & callback, const TMakeArgument & argument)
  {
    if (m_Stopped)
      return;
    try
    {
      if (!callback.is_none())
        callback(argument());
      if (PyErr_CheckSignals() != 0) // runs Python's handlers: SIGINT raises KeyboardInterrupt
        throw py::error_already_set();
    }
    catch (py::error_already_set & e)
    {
      m_Stopped.emplace(std::move(e));
      m_Trainer->AbortGenerateDataOn();
    }
  }

  itk::SemiSupervisedSegmentationTrainer *  m_Trainer;
  py::object                                m_Progress, m_Log;
  unsigned long                             m_IterationTag = 0, m_MessageTag = 0;
  std::optional<py::error_already_set>      m_Stopped;
};

using OptionalPath = std::optional<std::filesystem::path>;

/** A path argument as the command line takes it (empty: not given). */
std::string
Text(const OptionalPath & path)
{
  return path ? path->string() : std::string();
}

py::dict
Train(const TrainingRequest & request, const py::object & progress, const py::object & log)
{
  SemiSupervisedConfig    config = request.method.ApplyTo(request.settings.Resolve(request.datalist));
  std::set<PipelineStage> stages;
  for (const std::string & name : request.stages)
    stages.insert(ParsePipelineStage(name));
  ParseTrainingDevice(request.settings.device);
  if (request.settings.threads < 0)
    throw py::value_error("threads must be 0 (all cores) or more");
  if (request.settings.threads > 0)
    torch::set_num_threads(request.settings.threads);

  auto trainer = itk::SemiSupervisedSegmentationTrainer::New();
  trainer->SetDatalistFileName(request.datalist);
  trainer->SetOutputDirectory(request.out);
  trainer->SetConfiguration(config);
  trainer->SetStages(stages);
  trainer->SetResume(request.resume);
  trainer->SetTeacherFrom(request.teacherFrom);
  trainer->SetResumeFrom(request.resumeFrom);
  trainer->SetDevice(request.settings.device);
  trainer->SetInitCheckpoint(request.settings.initCheckpoint);
  trainer->SetPretrained(request.settings.pretrained);
  trainer->SetNumberOfWorkUnits(static_cast<unsigned>(torch::get_num_threads()));
  TrainingObserver observer(trainer, progress, log);
  std::optional<std::string> failure;
  {
    py::gil_scoped_release released;
    try
    {
      trainer->Update();
    }
    catch (const itk::ProcessAborted &)
    {
      // Stopped from Python: its error is raised below.
    }
    catch (const itk::ExceptionObject & e)
    {
      failure = e.GetDescription();
    }
  }
  if (observer.Stopped())
  {
    py::error_already_set & stopped = *observer.Stopped();
    if (stopped.matches(PyExc_KeyboardInterrupt))
    {
      PyErr_SetString(PyExc_KeyboardInterrupt, ("training stopped after the current batch; the last epoch's checkpoint is in " + request.out +
                                                ": sinusseg.train(..., resume=True) continues from it")
                                                 .c_str());
      throw py::error_already_set();
    }
    throw std::move(stopped);
  }
  if (failure)
    throw std::runtime_error(*failure);
  const PipelineResult & result = trainer->GetResult();
  py::dict               summaries;
  for (const ModelSummary & s : result.summaries)
    summaries[py::str(s.model)] = ToPython(ModelSummaryToJson(s).dump()); // as in evaluation.json
  py::dict d;
  d["out"] = request.out;
  d["test"] = summaries;
  return d;
}
} // namespace

void
RegisterTraining(py::module_ & module)
{
  module.def(
    "train",
    [](const std::filesystem::path & datalist, const std::filesystem::path & out, const std::vector<std::string> & stages, bool resume,
       const OptionalPath & teacherFrom, const OptionalPath & resumeFrom,
       const std::string & variant, const std::string & refinement, const std::string & distillation, std::optional<double> alpha,
       const std::string & preset, const OptionalPath & config, const std::string & teacherArch, const std::string & studentArch,
       int teacherEpochs, int studentEpochs, int refinerEpochs, int inputSize, const std::string & precision, const std::string & device,
       const OptionalPath & initCheckpoint, const OptionalPath & pretrained, int threads, const py::object & progress, const py::object & log) {
      TrainingRequest request;
      request.datalist = datalist.string();
      request.out = out.string();
      request.stages = stages;
      request.resume = resume;
      request.teacherFrom = Text(teacherFrom);
      request.resumeFrom = Text(resumeFrom);
      request.method = MethodChoices{ variant, refinement, distillation, alpha };
      TrainingSettings & s = request.settings;
      s.preset = preset;
      s.configFile = Text(config);
      s.teacherArch = teacherArch;
      s.studentArch = studentArch;
      s.teacherEpochs = teacherEpochs;
      s.studentEpochs = studentEpochs;
      s.refinerEpochs = refinerEpochs;
      s.inputSize = inputSize;
      s.precision = precision;
      s.device = device;
      s.initCheckpoint = Text(initCheckpoint);
      s.pretrained = Text(pretrained);
      s.threads = threads;
      return Train(request, progress, log);
    },
    py::arg("datalist"), py::arg("out"), py::kw_only(), py::arg("stages") = std::vector<std::string>{}, py::arg("resume") = false,
    py::arg("teacher_from") = py::none(), py::arg("resume_from") = py::none(), py::arg("variant") = "", py::arg("refinement") = "", py::arg("distillation") = "",
    py::arg("alpha") = py::none(), py::arg("preset") = "small", py::arg("config") = py::none(), py::arg("teacher_arch") = "",
    py::arg("student_arch") = "", py::arg("teacher_epochs") = 0, py::arg("student_epochs") = 0, py::arg("refiner_epochs") = 0,
    py::arg("input_size") = 0, py::arg("precision") = "", py::arg("device") = "cpu", py::arg("init_checkpoint") = py::none(),
    py::arg("pretrained") = py::none(), py::arg("threads") = 0, py::arg("progress") = py::none(),
    py::arg("log") = py::module_::import("builtins").attr("print"),
    R"(Trains the semi-supervised method on a MONAI-style datalist into the folder `out`, as `sinusseg train`
(the same options, with _ for -; 0 or "" keeps the configuration's value).

progress(info) is called after every batch with a dict: stage, step, steps, losses; log(text)
gets each stage's messages (default: print; None for silence). Ctrl-C (or an exception from a
callback) stops training after the current batch; the last epoch's checkpoint stays and
resume=True continues from it. Returns {"out": out, "test": {model: {dice, recall, precision,
hd95_px, hd95_physical, hd95_normalized: {mean, std, median, min, max, count, ...}}}} (as in
evaluation.json) when the evaluation stage ran.)");
}

} // namespace sinus::python
