// SPDX-License-Identifier: Apache-2.0
#include "sinus/OnlineSemiSupervision.h"

#include "sinus/SegmenterRegistry.h"

#include <stdexcept>

namespace sinus
{

Segmenter
BuildSegmenterLike(const SegmenterImpl & network, const torch::Device & device)
{
  Segmenter copy = BuildSegmenter(SegmenterSpec{ network.Architecture(), network.ConfigJson() });
  copy->to(device);
  return copy;
}

void
WriteMethodNetwork(torch::serialize::OutputArchive & archive, const std::string & key, const torch::nn::Module & network)
{
  torch::serialize::OutputArchive weights;
  network.save(weights);
  archive.write(key, weights);
}

void
ReadMethodNetwork(torch::serialize::InputArchive & archive, const std::string & key, torch::nn::Module & network)
{
  torch::serialize::InputArchive weights;
  archive.read(key, weights);
  network.load(weights);
}

std::unique_ptr<OnlineSemiSupervisedMethod>
MakeOnlineSemiSupervisedMethod(const std::string & name, SegmenterImpl & network, uint64_t seed, const torch::Device & device)
{
  if (name == "mean_teacher")
    return MakeMeanTeacherMethod(network, device);
  if (name == "cps")
    return MakeCrossPseudoSupervisionMethod(network, seed, device);
  if (name == "unimatch")
    return MakeUniMatchMethod(network);
  throw std::invalid_argument("unknown online semi-supervised method '" + name + "' (known: mean_teacher, cps, unimatch)");
}

} // namespace sinus
