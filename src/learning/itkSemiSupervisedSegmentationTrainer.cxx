// SPDX-License-Identifier: Apache-2.0
#include "itkSemiSupervisedSegmentationTrainer.h"

#include "sinus/FileUtilities.h"
#include "sinus/PipelineStageSelection.h"
#include "sinus/RankCoordination.h"
#include "sinusTrainingDatalist.h"

#include <map>
#include <set>

namespace itk
{

itkEventMacroDefinition(TrainingMessageEvent, AnyEvent);

SemiSupervisedSegmentationTrainer::SemiSupervisedSegmentationTrainer()
{
  this->SetNumberOfRequiredOutputs(1);
  this->SetNthOutput(0, this->MakeOutput(0));
}

ProcessObject::DataObjectPointer
SemiSupervisedSegmentationTrainer::MakeOutput(DataObjectPointerArraySizeType)
{
  return ResultObjectType::New().GetPointer();
}

SemiSupervisedSegmentationTrainer::ResultObjectType *
SemiSupervisedSegmentationTrainer::GetResultOutput()
{
  return itkDynamicCastInDebugMode<ResultObjectType *>(this->GetOutput(0));
}

const sinus::PipelineResult &
SemiSupervisedSegmentationTrainer::GetResult()
{
  static const sinus::PipelineResult none;
  const auto                         result = this->GetResultOutput()->Get();
  return result ? *result : none;
}

void
SemiSupervisedSegmentationTrainer::SetData(const sinus::SemiSupervisedData & data)
{
  m_Data = data;
  m_HasData = true;
  this->Modified();
}

void
SemiSupervisedSegmentationTrainer::SetConfiguration(const sinus::SemiSupervisedConfig & configuration)
{
  m_Configuration = configuration;
  this->Modified();
}

void
SemiSupervisedSegmentationTrainer::SetStages(const std::set<sinus::PipelineStage> & stages)
{
  m_Stages = stages;
  this->Modified();
}

void
SemiSupervisedSegmentationTrainer::VerifyPreconditions() ITKv5_CONST
{
  // No image inputs: ProcessObject's check of required inputs does not apply.
  if (!m_HasData && m_DatalistFileName.empty())
    itkExceptionMacro("Neither a datalist file nor data were set");
  if (m_OutputDirectory.empty())
    itkExceptionMacro("OutputDirectory is not set");
  try
  {
    m_Configuration.Validate();
    sinus::ParseTrainingDevice(m_Device);
  }
  catch (const std::exception & e)
  {
    itkExceptionMacro(<< e.what());
  }
}

namespace
{
/** Share of the whole run per stage, for one ProgressEvent scale across stages of very different
 *  length; only the stages that run count. */
class StageProgressScale
{
public:
  explicit StageProgressScale(const std::set<sinus::PipelineStage> & stages)
  {
    for (sinus::PipelineStage s : sinus::AllPipelineStages())
    {
      m_Start[s] = m_Total;
      if (sinus::StageSelected(stages, s))
        m_Total += m_Weight.at(s);
    }
  }
  float Fraction(const sinus::PipelineProgress & p) const
  {
    const double within = p.steps > 0 ? static_cast<double>(p.step) / static_cast<double>(p.steps) : 1.0;
    return static_cast<float>((m_Start.at(p.stage) + m_Weight.at(p.stage) * within) / std::max(m_Total, 1e-9));
  }

private:
  const std::map<sinus::PipelineStage, double> m_Weight{ { sinus::PipelineStage::Teacher, 0.35 },
                                                         { sinus::PipelineStage::PseudoLabels, 0.05 },
                                                         { sinus::PipelineStage::Refinement, 0.2 },
                                                         { sinus::PipelineStage::Student, 0.35 },
                                                         { sinus::PipelineStage::Evaluation, 0.05 } };
  std::map<sinus::PipelineStage, double>       m_Start;
  double                                       m_Total = 0;
};

[[noreturn]] void
ThrowAborted(const std::exception & e)
{
  ProcessAborted aborted(__FILE__, __LINE__);
  aborted.SetDescription(std::string(e.what()) + "; the last finished epoch's checkpoint is kept (continue with Resume)");
  throw aborted;
}
} // namespace

sinus::SemiSupervisedData
SemiSupervisedSegmentationTrainer::ReadDatalistData()
{
  const sinus::DatalistLoadOptions load = sinus::DatalistLoadOptions::For(m_Configuration, static_cast<int>(this->GetNumberOfWorkUnits()));
  m_LastMessage = "reading " + m_DatalistFileName;
  this->InvokeEvent(TrainingMessageEvent());
  sinus::SemiSupervisedData loaded;
  try
  {
    loaded = sinus::LoadSemiSupervisedData(m_DatalistFileName, load);
  }
  catch (const std::exception & e)
  {
    itkExceptionMacro(<< e.what());
  }
  m_LastMessage = "datalist: " + std::to_string(loaded.labelled.size()) + " labelled, " + std::to_string(loaded.unlabelled.size()) +
                  " unlabelled, " + std::to_string(loaded.validation.size()) + " validation, " + std::to_string(loaded.test.size()) +
                  " test images";
  this->InvokeEvent(TrainingMessageEvent());
  return loaded;
}

std::string
SemiSupervisedSegmentationTrainer::DatalistCopy() const
{
  try
  {
    return sinus::FormatRunDatalist(m_DatalistFileName);
  }
  catch (const std::exception & e)
  {
    itkExceptionMacro(<< e.what());
  }
}

void
SemiSupervisedSegmentationTrainer::GenerateData()
{
  const StageProgressScale scale(m_Stages);
  this->UpdateProgress(0.0f);
  const sinus::SemiSupervisedData   loaded = m_HasData ? sinus::SemiSupervisedData{} : this->ReadDatalistData();
  const sinus::SemiSupervisedData & data = m_HasData ? m_Data : loaded;
  sinus::PipelineCallbacks          callbacks;
  callbacks.shouldAbort = [this] { return this->GetAbortGenerateData(); };
  callbacks.onStageMessage = [this](sinus::PipelineStage stage, const std::string & text) {
    m_CurrentStage = stage;
    m_LastMessage = std::string(sinus::ToString(stage)) + ": " + text;
    this->InvokeEvent(TrainingMessageEvent());
  };
  callbacks.onProgress = [&](const sinus::PipelineProgress & p) {
    m_CurrentStage = p.stage;
    m_CurrentStep = p.step;
    m_CurrentSteps = p.steps;
    m_CurrentLosses = p.losses;
    this->InvokeEvent(IterationEvent());
    this->UpdateProgress(scale.Fraction(p));
  };
  sinus::PipelineRunOptions options;
  options.outputDirectory = m_OutputDirectory;
  options.stages = m_Stages;
  options.resume = m_Resume;
  options.device = m_Device;
  options.initCheckpoint = m_InitCheckpoint;
  options.pretrained = m_Pretrained;
  options.teacherFrom = m_TeacherFrom;
  options.refinementFrom = m_RefinementFrom;
  options.resumeFrom = m_ResumeFrom;
  // The datalist as it was read, kept with the run (`sinusseg suggest` ranks its unlabelled images).
  const std::string datalistCopy = m_HasData ? std::string() : this->DatalistCopy();
  sinus::PipelineResult result;
  try
  {
    result = sinus::RunSemiSupervisedPipeline(data, m_Configuration, options, callbacks);
  }
  catch (const sinus::SegmenterTrainingAborted & e)
  {
    ThrowAborted(e);
  }
  catch (const sinus::RefinerTrainingAborted & e)
  {
    ThrowAborted(e);
  }
  catch (const ExceptionObject &)
  {
    throw;
  }
  catch (const std::exception & e)
  {
    itkExceptionMacro(<< e.what());
  }
  if (!datalistCopy.empty() && sinus::ProcessGroup().Rank() == 0)
    sinus::WriteFileAtomically(sinus::RunDatalistPath(m_OutputDirectory), datalistCopy);
  this->GetResultOutput()->Set(std::make_shared<const sinus::PipelineResult>(std::move(result)));
  this->UpdateProgress(1.0f);
}

void
SemiSupervisedSegmentationTrainer::PrintSelf(std::ostream & os, Indent indent) const
{
  Superclass::PrintSelf(os, indent);
  os << indent << "DatalistFileName: " << m_DatalistFileName << std::endl;
  os << indent << "OutputDirectory: " << m_OutputDirectory << std::endl;
  os << indent << "Preset: " << m_Configuration.preset << std::endl;
  os << indent << "Refinement: " << sinus::ToString(m_Configuration.refinement) << std::endl;
  os << indent << "Distillation: " << sinus::ToString(m_Configuration.student.distillation) << std::endl;
  os << indent << "Stages:";
  if (m_Stages.empty())
    os << " all";
  for (auto s : m_Stages)
    os << " " << sinus::ToString(s);
  os << std::endl;
  os << indent << "Resume: " << (m_Resume ? "On" : "Off") << std::endl;
  os << indent << "Device: " << m_Device << std::endl;
  os << indent << "InitCheckpoint: " << (m_InitCheckpoint.empty() ? "(none: from scratch)" : m_InitCheckpoint) << std::endl;
  os << indent << "Pretrained: " << (m_Pretrained.empty() ? "(none)" : m_Pretrained) << std::endl;
  os << indent << "TeacherFrom: " << m_TeacherFrom << std::endl;
  os << indent << "ResumeFrom: " << m_ResumeFrom << std::endl;
  os << indent << "RefinementFrom: " << m_RefinementFrom << std::endl;
  os << indent << "HasData: " << (m_HasData ? "yes" : "no") << std::endl;
}

} // namespace itk
