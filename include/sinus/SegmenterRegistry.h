// SPDX-License-Identifier: Apache-2.0
#ifndef sinus_SegmenterRegistry_h
#define sinus_SegmenterRegistry_h

#include "sinus/Segmenter.h"

#include <functional>
#include <string>
#include <vector>

namespace sinus
{

/** Which network and how it is built: the architecture's name and its configuration (the same
 *  pair a model file holds). */
struct SegmenterSpec
{
  std::string architecture = "sam";
  Json        config = Json::object();

  /** A named preset: "small" (SAM shrunk for CPUs, 256), "vit_b" (MedSAM ViT-B, 1024), "unet"
   *  (a plain U-Net, 256, full-resolution logits). `inputSize` > 0 replaces the preset's. */
  static SegmenterSpec Preset(const std::string & name, int64_t inputSize = 0);
  /** An architecture by its command-line name (unet, deeplabv3plus, transunet, unetr, nnunet,
   *  medsam; sam = medsam) and preset: "cpu" (256 pixels, widths for a 2-core CPU) or "paper"
   *  (1024 pixels, the paper's Table 1 sizes). `inputSize` > 0 replaces the preset's. */
  static SegmenterSpec ForArchitecture(const std::string & name, const std::string & preset = "cpu", int64_t inputSize = 0);
  /** {"architecture": NAME, "config": {...}}; a bare SAM configuration (the format before
   *  SinusSeg 0.2) is read as architecture "sam". */
  static SegmenterSpec FromJson(const Json & json);
  Json                 ToJson() const;

  int64_t InputSize() const;    ///< without building the network
  int64_t OutputStride() const; ///< without building the network
  int64_t LogitSize() const { return InputSize() / OutputStride(); }
};

/** One network family the engine can build. Adding a network = one Segmenter implementation and
 *  one entry here. */
struct SegmenterArchitecture
{
  std::string                                         name;
  std::vector<std::string>                            presets;
  std::function<Json(const std::string &, int64_t)>  presetConfig; ///< (preset, inputSize) -> config
  std::function<Segmenter(const Json &)>              build;
  std::function<std::pair<int64_t, int64_t>(const Json &)> geometry; ///< config -> (input size, output stride)
};

const std::vector<SegmenterArchitecture> &
SegmenterArchitectures();
/** The command-line names of the paper's Table 1 rows, in its order. */
const std::vector<std::string> &
TableOneArchitectures();
/** Throws std::invalid_argument listing the known architectures. */
const SegmenterArchitecture &
FindSegmenterArchitecture(const std::string & name);

/** Builds a randomly initialised network; configuration errors name the architecture. */
Segmenter
BuildSegmenter(const SegmenterSpec & spec);

/** Saves any segmenter in SinusSeg's model-file format (architecture and config inside). */
void
SaveSegmenterModel(const std::string & path, SegmenterImpl & segmenter, const Json & metadata = Json::object());

/** Loads whichever segmenter a model file holds; a refiner or other non-segmenter file is an
 *  error naming the file and what it holds. */
Segmenter
LoadSegmenterModel(const std::string & path, Json * metadata = nullptr);

} // namespace sinus

#endif
