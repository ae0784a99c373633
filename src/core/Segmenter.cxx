// SPDX-License-Identifier: Apache-2.0
#include "sinus/Segmenter.h"

#include <set>

namespace sinus
{

std::vector<std::string>
SegmenterImpl::ParameterGroups() const
{
  std::vector<std::string> groups;
  for (const auto & child : named_children())
    groups.push_back(child.key());
  return groups;
}

torch::Tensor
SegmenterImpl::EncoderFeatures(const torch::Tensor &)
{
  throw std::logic_error("the " + Architecture() + " network has no encoder to pretrain");
}

torch::Tensor
SegmenterImpl::EncodeVisiblePatches(const torch::Tensor &, const torch::Tensor &)
{
  throw std::logic_error("the " + Architecture() + " encoder cannot run on a subset of its patches (MAE needs a plain ViT); "
                         "pretrain it with the masked-image objective instead");
}

std::pair<torch::Tensor, torch::Tensor>
SegmenterImpl::LogitsWithPerturbedFeatures(const torch::Tensor &, double)
{
  throw std::logic_error("the " + Architecture() + " network has no encoder feature maps to perturb (UniMatch's feature "
                         "perturbation needs unet or nnunet)");
}

std::vector<torch::Tensor>
DropFeatureChannels(const std::vector<torch::Tensor> & features, double dropout)
{
  namespace F = torch::nn::functional;
  std::vector<torch::Tensor> dropped;
  for (const torch::Tensor & f : features)
    dropped.push_back(F::dropout2d(f, F::Dropout2dFuncOptions().p(dropout).training(true)));
  return dropped;
}

std::vector<torch::Tensor>
SelectTrainableGroups(SegmenterImpl & segmenter, const std::vector<std::string> & groups)
{
  const std::vector<std::string> known = segmenter.ParameterGroups();
  const std::vector<std::string> wanted = groups.empty() ? segmenter.DefaultTrainableGroups() : groups;
  for (const auto & g : wanted)
  {
    if (std::find(known.begin(), known.end(), g) != known.end())
      continue;
    std::string list;
    for (const auto & k : known)
      list += (list.empty() ? "" : ", ") + k;
    throw std::invalid_argument("unknown trainable part '" + g + "' of the " + segmenter.Architecture() + " network (known: " + list + ")");
  }
  const std::set<std::string> chosen(wanted.begin(), wanted.end());
  std::vector<torch::Tensor>  trainable;
  for (const auto & child : segmenter.named_children())
  {
    const bool train = chosen.count(child.key()) > 0;
    for (auto & p : child.value()->parameters())
    {
      p.set_requires_grad(train);
      if (train)
        trainable.push_back(p);
    }
  }
  return trainable;
}

torch::Tensor
ResampleSquare(const torch::Tensor & maps, int64_t size)
{
  if (maps.size(-1) == size && maps.size(-2) == size)
    return maps;
  namespace F = torch::nn::functional;
  return F::interpolate(maps.to(torch::kFloat32), F::InterpolateFuncOptions()
                                                    .size(std::vector<int64_t>{ size, size })
                                                    .mode(torch::kBilinear)
                                                    .align_corners(false));
}

} // namespace sinus
