// SPDX-License-Identifier: Apache-2.0
#ifndef sinus_OnlineSemiSupervision_h
#define sinus_OnlineSemiSupervision_h

#include "sinus/Segmenter.h"

#include <torch/torch.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace sinus
{

/** One optimiser step of an online semi-supervised method, as the trainer prepares it. */
struct OnlineStep
{
  torch::Tensor input;  ///< the weakly augmented network inputs (values in [0, 1]), labelled images first
  torch::Tensor labels; ///< the labelled images' targets on the logit grid, warped like their images
  int64_t       labelled = 0, unlabelled = 0;
  int64_t       step = 0, totalSteps = 1; ///< 0-based step of the whole run, and the run's number of steps
  uint64_t      seed = 0;                 ///< the step's own randomness (noise, dropout, strong views)
};

/** What a step cost, for the log. */
struct OnlineStepLosses
{
  torch::Tensor total;            ///< what is minimised
  double        supervised = 0;   ///< L_sup of the network that is kept
  double        unsupervised = 0; ///< the method's unlabelled term(s), unweighted
  double        weight = 0;       ///< the unlabelled term's weight (Mean Teacher, CPS) or UniMatch's confident fraction
};

/** L_sup (with deep supervision) of a network's logits on the step's labelled rows. */
using SupervisedTerm = std::function<torch::Tensor(SegmenterImpl & network, const torch::Tensor & logits)>;

/** A semi-supervised method that learns from the network's own predictions while it trains (Mean
 *  Teacher, CPS, UniMatch), inside the trainer's loop: the trainer draws the batches, augments,
 *  steps the optimiser, validates and checkpoints; the method adds its networks, its loss and what
 *  it must keep in the checkpoint to resume exactly. */
class OnlineSemiSupervisedMethod
{
public:
  virtual ~OnlineSemiSupervisedMethod() = default;
  /** Parameters the optimiser trains besides the network's (CPS's second network). */
  virtual std::vector<torch::Tensor> ExtraParameters() { return {}; }
  virtual OnlineStepLosses           Loss(SegmenterImpl & network, const OnlineStep & step, const SupervisedTerm & supervised) = 0;
  /** After the optimiser's step `step` (Mean Teacher's EMA update). */
  virtual void AfterStep(SegmenterImpl &, int64_t) {}
  virtual void Save(torch::serialize::OutputArchive & archive) const = 0;
  virtual void Load(torch::serialize::InputArchive & archive) = 0;
};

/** The method named `name` ("mean_teacher", "cps", "unimatch") for `network`: its EMA teacher or
 *  second network is built like it, on `device`; `seed` initialises CPS's second network. Throws
 *  std::invalid_argument for an unknown name or a network the method cannot use (UniMatch needs
 *  PerturbsFeatures()). */
std::unique_ptr<OnlineSemiSupervisedMethod>
MakeOnlineSemiSupervisedMethod(const std::string & name, SegmenterImpl & network, uint64_t seed, const torch::Device & device);

std::unique_ptr<OnlineSemiSupervisedMethod>
MakeMeanTeacherMethod(SegmenterImpl & network, const torch::Device & device);
std::unique_ptr<OnlineSemiSupervisedMethod>
MakeCrossPseudoSupervisionMethod(SegmenterImpl & network, uint64_t seed, const torch::Device & device);
std::unique_ptr<OnlineSemiSupervisedMethod>
MakeUniMatchMethod(SegmenterImpl & network);

/** A network a method keeps (the EMA teacher, the second network) into and out of the checkpoint's
 *  archive, under `key`. */
void
WriteMethodNetwork(torch::serialize::OutputArchive & archive, const std::string & key, const torch::nn::Module & network);
void
ReadMethodNetwork(torch::serialize::InputArchive & archive, const std::string & key, torch::nn::Module & network);

/** A network of the same architecture and configuration (SegmenterRegistry), on `device`. */
Segmenter
BuildSegmenterLike(const SegmenterImpl & network, const torch::Device & device);

} // namespace sinus

#endif
