// SPDX-License-Identifier: Apache-2.0
#ifndef sinus_ModelFile_h
#define sinus_ModelFile_h

#include "sinus/Json.h"
#include "sinus/SamModel.h"
#include "sinus/SinusCycleGAN.h"

#include <optional>
#include <string>

namespace sinus
{

/** The contents of a model file: which network ("sam", "sinus-cyclegan"), its configuration, free
 *  metadata and the tensors in state-dict order. */
struct ModelArchive
{
  std::string architecture;
  Json        config;
  Json        metadata;
  StateDict   tensors;
};

/** Writes any module's state dict with its architecture name and configuration (the format below);
 *  atomic. */
void
WriteModelArchive(const std::string & path, const std::string & architecture, const Json & config, torch::nn::Module & module,
                  const Json & metadata = Json::object());

/** Reads a model file; with `expectedArchitecture`, another architecture is an error naming both. */
ModelArchive
ReadModelArchive(const std::string & path, const std::string & expectedArchitecture = "");

/** ReadModelArchive without the tensors: what to build before reading them (AdoptStateDictStrict). */
ModelArchive
ReadModelDescription(const std::string & path, const std::string & expectedArchitecture = "");

/** The model file's tensors alone. */
StateDict
ReadModelTensors(const std::string & path);

/** SinusSeg's own model file: one zip archive (LibTorch's stream format, no pickle) holding
 *  `sinusseg_model.json` -- format version, architecture config, tensor index, free metadata such
 *  as the training stage -- and one raw little-endian record per tensor. `--model FILE` needs
 *  nothing else. Written to a temporary name and renamed, so a crash never leaves half a file. */
void
SaveSamModel(const std::string & path, SamImpl & model, const Json & metadata = Json::object());

/** Reads a model file; errors name the file and the problem (not a SinusSeg model, missing or
 *  truncated tensor records, config/weights mismatch). */
Sam
LoadSamModel(const std::string & path, Json * metadata = nullptr);

/** An official checkpoint (medsam_vit_b.pth, sam_vit_b_01ec64.pth) with the ViT-B architecture, or
 *  with the architecture of a JSON config (the format of tiny_sam_config.json); strict loading. */
Sam
LoadSamFromCheckpoint(const std::string & checkpoint, const std::optional<std::string> & configPath = std::nullopt);

/** A trained SinusCycle-GAN (all six networks and the RefinerConfig) in the same file format,
 *  architecture "sinus-cyclegan". */
void
SaveRefinerModel(const std::string & path, SinusCycleGANImpl & model, const Json & metadata = Json::object());

SinusCycleGAN
LoadRefinerModel(const std::string & path, Json * metadata = nullptr);

} // namespace sinus

#endif
