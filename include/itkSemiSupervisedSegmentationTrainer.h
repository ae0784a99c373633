// SPDX-License-Identifier: Apache-2.0
#ifndef itkSemiSupervisedSegmentationTrainer_h
#define itkSemiSupervisedSegmentationTrainer_h

#include "itkEventObject.h"
#include "itkProcessObject.h"
#include "itkSimpleDataObjectDecorator.h"
#include "sinus/SemiSupervisedPipeline.h"

#include <memory>
#include <set>
#include <string>

namespace itk
{

/** Sent with a stage's human-readable news (an epoch finished, pseudo-labels written, metrics);
 *  read it with GetLastMessage(). */
itkEventMacroDeclaration(TrainingMessageEvent, AnyEvent);

/** \class SemiSupervisedSegmentationTrainer
 * \brief Trains the semi-supervised maxillary-sinus segmenter of Park et al. 2026 end to end:
 * MedSAM teacher -> pseudo-labels -> SinusCycle-GAN refinement -> student (L_sup + weighted KD +
 * L_unsup) -> evaluation on the test list.
 *
 * A thin ITK adapter around the LibTorch core (sinus::RunSemiSupervisedPipeline): the data come from
 * a datalist file (read with ITK's image IO, all problems reported together) or are set directly;
 * the output is a decorated sinus::PipelineResult (test metrics of teacher and student). Model files,
 * checkpoints and CSV logs go to OutputDirectory. Observers get ProgressEvent (whole run),
 * IterationEvent (every batch; GetCurrentStage/Step/Steps/Losses) and TrainingMessageEvent.
 * AbortGenerateData stops training after the current batch; the last epoch's checkpoint stays,
 * and Resume continues from it.
 *
 * \ingroup SinusSegmentation
 */
class SemiSupervisedSegmentationTrainer : public ProcessObject
{
public:
  ITK_DISALLOW_COPY_AND_MOVE(SemiSupervisedSegmentationTrainer);

  using Self = SemiSupervisedSegmentationTrainer;
  using Superclass = ProcessObject;
  using Pointer = SmartPointer<Self>;
  using ConstPointer = SmartPointer<const Self>;
  using ResultObjectType = SimpleDataObjectDecorator<std::shared_ptr<const sinus::PipelineResult>>;

  itkTypeMacro(SemiSupervisedSegmentationTrainer, ProcessObject);
  itkNewMacro(Self);

  /** A MONAI-style datalist (see sinus::ReadDatalist); ignored when SetData was called. */
  itkSetStringMacro(DatalistFileName);
  itkGetStringMacro(DatalistFileName);
  /** Data already prepared for the networks (for pipelines that build it themselves). */
  void SetData(const sinus::SemiSupervisedData & data);

  itkSetStringMacro(OutputDirectory);
  itkGetStringMacro(OutputDirectory);
  void SetConfiguration(const sinus::SemiSupervisedConfig & configuration);
  const sinus::SemiSupervisedConfig & GetConfiguration() const { return m_Configuration; }
  /** The stages to run (empty, the default: all). */
  void SetStages(const std::set<sinus::PipelineStage> & stages);
  const std::set<sinus::PipelineStage> & GetStages() const { return m_Stages; }
  itkSetMacro(Resume, bool);
  itkGetConstMacro(Resume, bool);
  itkBooleanMacro(Resume);
  /** "cpu", "cuda" or "cuda:N". */
  itkSetStringMacro(Device);
  itkGetStringMacro(Device);
  /** An official MedSAM/SAM checkpoint that teacher and student start from (empty: from scratch). */
  itkSetStringMacro(InitCheckpoint);
  itkGetStringMacro(InitCheckpoint);
  /** A `sinusseg pretrain` model file or folder: encoder weights for the networks it fits. */
  itkSetStringMacro(Pretrained);
  itkGetStringMacro(Pretrained);
  /** Reuse the teacher and pseudo-labels of another run's folder (same teacher settings). */
  itkSetStringMacro(TeacherFrom);
  itkGetStringMacro(TeacherFrom);
  /** Reuse the refined pseudo-labels of another run's folder (same teacher and refiner settings). */
  itkSetStringMacro(RefinementFrom);
  itkGetStringMacro(RefinementFrom);
  /** A finished run's folder whose networks this new run's start from (more labels, same networks). */
  itkSetStringMacro(ResumeFrom);
  itkGetStringMacro(ResumeFrom);

  /** The state reported with IterationEvent. */
  sinus::PipelineStage GetCurrentStage() const { return m_CurrentStage; }
  itkGetConstMacro(CurrentStep, int64_t);
  itkGetConstMacro(CurrentSteps, int64_t);
  const std::string & GetCurrentLosses() const { return m_CurrentLosses; }
  const std::string & GetLastMessage() const { return m_LastMessage; }

  ResultObjectType *             GetResultOutput();
  const sinus::PipelineResult & GetResult();

protected:
  SemiSupervisedSegmentationTrainer();
  ~SemiSupervisedSegmentationTrainer() override = default;
  void PrintSelf(std::ostream & os, Indent indent) const override;
  void VerifyPreconditions() ITKv5_CONST override;
  void GenerateData() override;
  /** The datalist read into samples, with a message before and after. */
  sinus::SemiSupervisedData ReadDatalistData();
  /** The datalist's text with every path resolved (FormatRunDatalist). */
  std::string DatalistCopy() const;
  using Superclass::MakeOutput;
  DataObjectPointer MakeOutput(DataObjectPointerArraySizeType index) override;

private:
  std::string                    m_DatalistFileName;
  std::string                    m_OutputDirectory;
  sinus::SemiSupervisedConfig    m_Configuration;
  std::set<sinus::PipelineStage> m_Stages;
  bool                           m_Resume{ false };
  std::string                    m_Device{ "cpu" };
  std::string                    m_InitCheckpoint;
  std::string                    m_Pretrained;
  std::string                    m_TeacherFrom;
  std::string                    m_RefinementFrom;
  std::string                    m_ResumeFrom;
  sinus::SemiSupervisedData      m_Data;
  bool                           m_HasData{ false };
  sinus::PipelineStage           m_CurrentStage{ sinus::PipelineStage::Teacher };
  int64_t                        m_CurrentStep{ 0 };
  int64_t                        m_CurrentSteps{ 0 };
  std::string                    m_CurrentLosses;
  std::string                    m_LastMessage;
};

} // namespace itk

#endif
