// SPDX-License-Identifier: Apache-2.0
// Mean Teacher inside the trainer's loop (the terms: MeanTeacher.h).
#include "sinus/ConsistencyRampUp.h"
#include "sinus/MeanTeacher.h"
#include "sinus/OnlineSemiSupervision.h"

namespace sinus
{
namespace
{
class MeanTeacherMethod : public OnlineSemiSupervisedMethod
{
public:
  MeanTeacherMethod(SegmenterImpl & network, const torch::Device & device)
    : m_Teacher(BuildSegmenterLike(network, device))
  {
    // The teacher starts as the student (its first update makes it so anyway: decay 0 at step 0).
    UpdateMeanTeacher(*m_Teacher, network, 0.0);
    m_Teacher->eval();
    for (auto & p : m_Teacher->parameters())
      p.set_requires_grad(false);
  }

  OnlineStepLosses Loss(SegmenterImpl & network, const OnlineStep & step, const SupervisedTerm & supervised) override
  {
    const torch::Tensor logits = network.Logits(step.input);
    const torch::Tensor sup = supervised(network, logits);
    OnlineStepLosses    out;
    out.supervised = sup.item<double>();
    out.total = sup;
    if (step.unlabelled == 0)
      return out;
    const torch::Tensor unlabelled = step.input.slice(0, step.labelled);
    torch::Tensor       teacherLogits;
    {
      torch::NoGradGuard noGrad;
      teacherLogits = m_Teacher->Logits(AddClampedGaussianNoise(unlabelled, m_Settings.inputNoiseStd, m_Settings.inputNoiseClamp, step.seed));
    }
    const torch::Tensor consistency = ProbabilityConsistencyLoss(logits.slice(0, step.labelled), teacherLogits);
    out.weight = ConsistencyWeight(m_Settings.consistency, step.step, step.totalSteps, m_Settings.rampUpFraction, m_Settings.warmUpFraction);
    out.unsupervised = consistency.item<double>();
    out.total = sup + out.weight * consistency;
    return out;
  }

  void AfterStep(SegmenterImpl & network, int64_t step) override
  {
    UpdateMeanTeacher(*m_Teacher, network, MeanTeacherDecay(m_Settings.decay, step));
  }

  void Save(torch::serialize::OutputArchive & archive) const override { WriteMethodNetwork(archive, "mean_teacher", *m_Teacher); }
  void Load(torch::serialize::InputArchive & archive) override { ReadMethodNetwork(archive, "mean_teacher", *m_Teacher); }

private:
  MeanTeacherSettings m_Settings;
  Segmenter           m_Teacher;
};
} // namespace

std::unique_ptr<OnlineSemiSupervisedMethod>
MakeMeanTeacherMethod(SegmenterImpl & network, const torch::Device & device)
{
  return std::make_unique<MeanTeacherMethod>(network, device);
}

} // namespace sinus
