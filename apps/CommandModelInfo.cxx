// SPDX-License-Identifier: Apache-2.0
// sinusseg model-info: the architecture and every state-dict entry of a model.
#include "SinusSegCommand.h"

#include "sinus/FileUtilities.h"
#include "sinus/ModelFile.h"

#include <iostream>

namespace sinusseg
{

int
RunModelInfo(const std::vector<std::string> & args)
{
  namespace po = boost::program_options;
  std::string             arch, config, model, checkpoint;
  po::options_description desc("Options");
  desc.add_options()
    ("arch", po::value(&arch), "a preset architecture: vit_b (SAM / MedSAM ViT-B)")
    ("model-config", po::value(&config), "an architecture JSON (format of tiny_sam_config.json)")
    ("model", po::value(&model), "a SinusSeg model file")
    ("checkpoint", po::value(&checkpoint), "an official checkpoint (with --model-config, or ViT-B)")
    ("parameters", "print key<TAB>shape<TAB>dtype of every state-dict entry, in state-dict order");
  po::variables_map values;
  if (!ParseCommandLine("model-info", "(--arch vit_b | --model-config JSON | --model FILE | --checkpoint PTH) [--parameters]",
                        desc, args, values))
  {
    return 0;
  }
  if (!arch.empty() && arch != "vit_b")
    throw UsageError("--arch: the preset is vit_b");
  if ((!arch.empty()) + (!model.empty()) + (!checkpoint.empty()) + (!config.empty() && checkpoint.empty()) != 1)
    throw UsageError("give one of --arch, --model-config, --model, --checkpoint");
  sinus::Sam network{ nullptr };
  if (!model.empty())
    network = sinus::LoadSamModel(model);
  else if (!checkpoint.empty())
    network = sinus::LoadSamFromCheckpoint(checkpoint, config.empty() ? std::nullopt : std::optional<std::string>(config));
  else if (!config.empty())
    network = sinus::Sam(sinus::SamConfig::FromJson(sinus::ParseJson(sinus::ReadTextFile(config))));
  else
    network = sinus::Sam(sinus::SamConfig::VitB());

  const sinus::StateDict entries = sinus::ModelStateDict(*network);
  if (values.count("parameters"))
  {
    for (const auto & [name, tensor] : entries)
    {
      std::cout << name << "\t";
      for (int64_t d = 0; d < tensor.dim(); ++d)
        std::cout << (d ? "," : "") << tensor.size(d);
      std::cout << "\t" << (tensor.scalar_type() == torch::kFloat32 ? "float32" : std::string(c10::toString(tensor.scalar_type())))
                << "\n";
    }
    return 0;
  }
  std::map<std::string, int64_t> perModule;
  int64_t                        total = 0;
  for (const auto & [name, tensor] : entries)
  {
    perModule[name.substr(0, name.find('.'))] += tensor.numel();
    total += tensor.numel();
  }
  std::cout << network->config.ToJson().dump(2) << "\n";
  for (const auto & [module, count] : perModule)
    std::cout << module << ": " << count << " elements\n";
  std::cout << "state dict: " << entries.size() << " tensors, " << total << " elements" << std::endl;
  return 0;
}

} // namespace sinusseg
