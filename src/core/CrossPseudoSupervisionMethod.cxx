// SPDX-License-Identifier: Apache-2.0
// Cross pseudo supervision inside the trainer's loop (the term: CrossPseudoSupervision.h).
#include "sinus/ConsistencyRampUp.h"
#include "sinus/CrossPseudoSupervision.h"
#include "sinus/OnlineSemiSupervision.h"
#include "sinus/PortableRandom.h"

namespace sinus
{
namespace
{
/** SSL4MIS's CPS weighting: 0.1, ramped over the whole run, no warm-up. */
constexpr double kCrossWeight = 0.1;

class CrossPseudoSupervisionMethod : public OnlineSemiSupervisedMethod
{
public:
  CrossPseudoSupervisionMethod(SegmenterImpl & network, uint64_t seed, const torch::Device & device)
  {
    // The second network is initialised differently from the first, as CPS needs: with equal
    // weights and equal batches the two would stay equal and teach each other nothing. Drawn
    // from a seed of its own, so that it is the same on every run with the same seed.
    torch::manual_seed(SplitMix64(seed ^ 0xC255C255C255C255ull));
    m_Second = BuildSegmenterLike(network, device);
    m_Second->train();
  }

  std::vector<torch::Tensor> ExtraParameters() override { return m_Second->parameters(); }

  OnlineStepLosses Loss(SegmenterImpl & network, const OnlineStep & step, const SupervisedTerm & supervised) override
  {
    const torch::Tensor first = network.Logits(step.input);
    const torch::Tensor supFirst = supervised(network, first);
    const torch::Tensor second = m_Second->Logits(step.input);
    const torch::Tensor supSecond = supervised(*m_Second, second);
    OnlineStepLosses    out;
    out.supervised = supFirst.item<double>();
    out.total = supFirst + supSecond;
    if (step.unlabelled == 0)
      return out;
    const CrossPseudoSupervisionTerms cross =
      CrossPseudoSupervisionLoss(first.slice(0, step.labelled), second.slice(0, step.labelled));
    out.weight = ConsistencyWeight(kCrossWeight, step.step, step.totalSteps, 1.0, 0.0);
    out.unsupervised = cross.first.item<double>();
    out.total = out.total + out.weight * (cross.first + cross.second);
    return out;
  }

  void Save(torch::serialize::OutputArchive & archive) const override { WriteMethodNetwork(archive, "cps_second_network", *m_Second); }
  void Load(torch::serialize::InputArchive & archive) override { ReadMethodNetwork(archive, "cps_second_network", *m_Second); }

private:
  Segmenter m_Second{ nullptr };
};
} // namespace

std::unique_ptr<OnlineSemiSupervisedMethod>
MakeCrossPseudoSupervisionMethod(SegmenterImpl & network, uint64_t seed, const torch::Device & device)
{
  return std::make_unique<CrossPseudoSupervisionMethod>(network, seed, device);
}

} // namespace sinus
