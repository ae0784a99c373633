// SPDX-License-Identifier: Apache-2.0
// UniMatch inside the trainer's loop (the terms: UniMatchObjective.h; the strong views:
// StrongPerturbation.h).
#include "sinus/OnlineSemiSupervision.h"
#include "sinus/PortableRandom.h"
#include "sinus/StrongPerturbation.h"
#include "sinus/UniMatchObjective.h"

#include <stdexcept>

namespace sinus
{
namespace
{
/** Two strong views of the unlabelled images and what they are taught: each view is every image
 *  strongly perturbed, with a CutMix box from the next image of the batch (the last from the
 *  first) pasted in; the pseudo-labels and confidences are mixed the same way. */
struct StrongView
{
  torch::Tensor        images;
  WeakViewPseudoLabels targets;
};

StrongView
DrawStrongView(const torch::Tensor & weak, const WeakViewPseudoLabels & pseudo, PortableRandom & random)
{
  const int64_t              count = weak.size(0), side = weak.size(-1), grid = pseudo.labels.size(-1);
  std::vector<torch::Tensor> perturbed;
  std::vector<CutMixBox>     boxes;
  for (int64_t i = 0; i < count; ++i)
  {
    perturbed.push_back(ApplyStrongIntensity(weak[i], DrawStrongIntensity(random)));
    boxes.push_back(DrawCutMixBox(side, random));
  }
  const torch::Tensor strong = torch::stack(perturbed);
  // The partner of image i is image i + 1: its own strong view and its own pseudo-labels.
  const auto    partner = [](const torch::Tensor & t) { return t.roll(-1, 0); };
  const auto    device = weak.device();
  StrongView    view;
  view.images = PasteCutMix(strong, partner(strong), CutMixMasks(boxes, side, side).to(device));
  const torch::Tensor gridMasks = CutMixMasks(boxes, side, grid).to(device);
  view.targets.labels = PasteCutMix(pseudo.labels, partner(pseudo.labels), gridMasks);
  view.targets.confident = PasteCutMix(pseudo.confident, partner(pseudo.confident), gridMasks);
  return view;
}

class UniMatchMethod : public OnlineSemiSupervisedMethod
{
public:
  explicit UniMatchMethod(SegmenterImpl & network)
  {
    if (!network.PerturbsFeatures())
      throw std::invalid_argument("semi_supervised unimatch: the " + network.Architecture() +
                                  " network has no encoder feature maps to perturb (UniMatch needs unet or nnunet)");
  }

  OnlineStepLosses Loss(SegmenterImpl & network, const OnlineStep & step, const SupervisedTerm & supervised) override
  {
    // Dropout2d draws from the global generator: seeded per step, so a resumed run draws the same.
    torch::manual_seed(step.seed);
    // One pass over labelled and weak unlabelled images, decoded twice (clean and feature-perturbed).
    const auto [clean, featurePerturbed] = network.LogitsWithPerturbedFeatures(step.input, m_Settings.featureDropout);
    const torch::Tensor sup = supervised(network, clean); // before the strong pass replaces deep supervision's outputs
    OnlineStepLosses    out;
    out.supervised = sup.item<double>();
    if (step.unlabelled == 0)
    {
      out.total = sup / 2;
      return out;
    }
    const torch::Tensor        weak = step.input.slice(0, step.labelled);
    const WeakViewPseudoLabels pseudo = PseudoLabelsOfWeakView(clean.slice(0, step.labelled), m_Settings.confidenceThreshold);
    PortableRandom             random(step.seed);
    const StrongView           first = DrawStrongView(weak.detach(), pseudo, random);
    const StrongView           second = DrawStrongView(weak.detach(), pseudo, random);
    const std::vector<torch::Tensor> strong = network.Logits(torch::cat({ first.images, second.images })).chunk(2);
    const torch::Tensor        lossFirst = ConfidentDiceLoss(strong[0], first.targets);
    const torch::Tensor        lossSecond = ConfidentDiceLoss(strong[1], second.targets);
    const torch::Tensor        lossFeatures = ConfidentDiceLoss(featurePerturbed.slice(0, step.labelled), pseudo);
    out.total = UniMatchObjective(sup, lossFirst, lossSecond, lossFeatures, m_Settings);
    out.unsupervised = (lossFirst.item<double>() + lossSecond.item<double>()) / 2;
    out.weight = pseudo.confident.mean().item<double>();
    return out;
  }

  // UniMatch keeps no state besides the network.
  void Save(torch::serialize::OutputArchive &) const override {}
  void Load(torch::serialize::InputArchive &) override {}

private:
  UniMatchSettings m_Settings;
};
} // namespace

std::unique_ptr<OnlineSemiSupervisedMethod>
MakeUniMatchMethod(SegmenterImpl & network)
{
  return std::make_unique<UniMatchMethod>(network);
}

} // namespace sinus
