// SPDX-License-Identifier: Apache-2.0
// sinusseg model-info: a network's size (parameters, multiply-adds of one forward pass) next to the
// paper's Table 1, or every state-dict entry of a model.
#include "SinusSegCommand.h"

#include "sinus/FileUtilities.h"
#include "sinus/ModelFile.h"
#include "sinus/OperationCounter.h"
#include "sinus/PaperTableOne.h"
#include "sinus/SamModel.h"
#include "sinus/SegmenterRegistry.h"

#include <cstdio>
#include <iostream>
#include <map>

namespace sinusseg
{
namespace
{
struct ModelChoice
{
  std::string arch, preset = "paper", config, model, checkpoint, save;
  int64_t     input = 0;
};

sinus::Segmenter
BuildChosenNetwork(const ModelChoice & c)
{
  if (!c.model.empty())
    return sinus::LoadSegmenterModel(c.model);
  if (!c.checkpoint.empty())
    return sinus::AsSegmenter(sinus::LoadSamFromCheckpoint(c.checkpoint, c.config.empty() ? std::nullopt : std::optional<std::string>(c.config)));
  if (!c.config.empty())
    return sinus::AsSegmenter(sinus::Sam(sinus::SamConfig::FromJson(sinus::ParseJson(sinus::ReadTextFile(c.config)))));
  try
  {
    const std::string arch = c.arch == "vit_b" ? "medsam" : c.arch; // vit_b: the name before Table 1's
    return sinus::BuildSegmenter(sinus::SegmenterSpec::ForArchitecture(arch, c.arch == "vit_b" ? "paper" : c.preset, c.input));
  }
  catch (const std::invalid_argument & e)
  {
    throw UsageError(std::string("--arch/--preset/--input: ") + e.what());
  }
}

void
PrintStateDict(sinus::SegmenterImpl & network)
{
  for (const auto & [name, tensor] : sinus::ModelStateDict(network))
  {
    std::cout << name << "\t";
    for (int64_t d = 0; d < tensor.dim(); ++d)
      std::cout << (d ? "," : "") << tensor.size(d);
    std::cout << "\t" << (tensor.scalar_type() == torch::kFloat32 ? "float32" : std::string(c10::toString(tensor.scalar_type()))) << "\n";
  }
}

void
PrintSize(sinus::SegmenterImpl & network)
{
  const int64_t                  parameters = sinus::CountParameters(network);
  const sinus::OperationCount    operations = sinus::CountSegmenterOperations(network);
  std::map<std::string, int64_t> perGroup;
  for (const auto & item : network.named_parameters())
    perGroup[item.key().substr(0, item.key().find('.'))] += item.value().numel();
  std::cout << "architecture: " << network.Architecture() << "\n" << network.ConfigJson().dump(2) << "\n";
  for (const auto & [group, count] : perGroup)
    std::cout << "  " << group << ": " << count << " parameters\n";
  std::printf("input: %lld x %lld, logits: %lld x %lld (stride %lld)\n", static_cast<long long>(network.InputSize()),
              static_cast<long long>(network.InputSize()), static_cast<long long>(network.LogitSize()), static_cast<long long>(network.LogitSize()),
              static_cast<long long>(network.OutputStride()));
  std::printf("parameters: %.2f M\n", static_cast<double>(parameters) / 1e6);
  std::printf("flops: %.2f G\n", static_cast<double>(operations.MultiplyAdds()) / 1e9);
  std::printf("  (FLOPs = multiply-adds of one forward pass on one image, counted from the operators LibTorch runs: "
              "convolutions %.2f G, linear layers and attention products %.2f G; as fvcore/thop count, and as the paper's "
              "figures appear to be)\n",
              static_cast<double>(operations.convolutions) / 1e9, static_cast<double>(operations.matrixProducts) / 1e9);
  if (const sinus::PaperTableOneRow * row = sinus::FindPaperTableOneRow(network.Architecture()))
    std::printf("paper (Table 1, %s at 1024 x 1024): %.2f M parameters, %.2f GFLOPs\n", row->label.c_str(), row->parametersMillions, row->gigaFlops);
}
} // namespace

int
RunModelInfo(const std::vector<std::string> & args)
{
  namespace po = boost::program_options;
  ModelChoice             c;
  po::options_description desc("Options");
  desc.add_options()
    ("arch", po::value(&c.arch), "an architecture: unet, deeplabv3plus, transunet, unetr, nnunet, medsam (vit_b = medsam, paper preset)")
    ("preset", po::value(&c.preset)->default_value(c.preset), "with --arch: paper (Table 1 sizes, 1024) or cpu (256, for 2-core CPUs)")
    ("input", po::value(&c.input), "with --arch: the input side in pixels (default: the preset's)")
    ("model-config", po::value(&c.config), "a SAM architecture JSON (format of tiny_sam_config.json)")
    ("model", po::value(&c.model), "a SinusSeg model file")
    ("checkpoint", po::value(&c.checkpoint), "an official checkpoint (with --model-config, or ViT-B)")
    ("parameters", "print key<TAB>shape<TAB>dtype of every state-dict entry, in state-dict order")
    ("save", po::value(&c.save), "with --arch: also write the network with its initial, untrained weights as a model file, "
                                 "to measure prediction time and memory on this machine before training (its masks mean nothing)");
  po::variables_map values;
  if (!ParseCommandLine("model-info", "(--arch A [--preset P] [--input N] [--save FILE] | --model-config JSON | --model FILE | --checkpoint PTH) [--parameters]",
                        desc, args, values))
  {
    return 0;
  }
  if ((!c.arch.empty()) + (!c.model.empty()) + (!c.checkpoint.empty()) + (!c.config.empty() && c.checkpoint.empty()) != 1)
    throw UsageError("give one of --arch, --model-config, --model, --checkpoint");
  if (c.arch.empty() && (values.count("input") || !values["preset"].defaulted()))
    throw UsageError("--preset and --input go with --arch");
  if (c.input < 0)
    throw UsageError("--input must be positive");
  if (!c.save.empty() && c.arch.empty())
    throw UsageError("--save goes with --arch");
  sinus::Segmenter network = BuildChosenNetwork(c);
  if (!c.save.empty())
  {
    sinus::SaveSegmenterModel(c.save, *network, sinus::Json{ { "untrained", true } });
    std::cout << "saved the untrained network: " << c.save << "\n";
  }
  if (values.count("parameters"))
    PrintStateDict(*network);
  else
    PrintSize(*network);
  return 0;
}

} // namespace sinusseg
