// SPDX-License-Identifier: Apache-2.0
#ifndef sinusPretraining_h
#define sinusPretraining_h

#include "sinus/MaskedPretraining.h"
#include "sinus/PretrainedEncoder.h"
#include "sinus/SegmenterRegistry.h"

#include <functional>
#include <string>
#include <vector>

namespace sinus
{

/** A `sinusseg pretrain` run: which network, on which images, with which settings, into which folder. */
struct PretrainingJob
{
  std::string              datalist;     ///< its training images, labelled or not (validation and test are left out)
  std::vector<std::string> imageFolders; ///< more unlabelled radiographs (e.g. DC1000)
  SegmenterSpec            network;      ///< what `train` builds for the same --arch and --preset
  MaskedPretrainingOptions options;
  std::string              outputDirectory;
  bool                     resume = false;
  std::string              device = "cpu";
  int                      threads = 0; ///< image preparation threads (0 = all cores)
};

/** Files of a pretraining folder. */
struct PretrainingFiles
{
  static constexpr const char * kModel = kPretrainedModelFileName; ///< what --pretrained loads
  static constexpr const char * kCheckpoint = "pretraining.checkpoint";
  static constexpr const char * kLog = "pretraining_log.csv";
  static constexpr const char * kPicture = "reconstructions.png"; ///< masked input | reconstruction | original
};

struct PretrainingResult
{
  std::string                          modelPath;
  int64_t                              images = 0;
  std::string                          objective;
  double                               maskRatio = 0;
  int64_t                              encoderTensors = 0;
  std::vector<MaskedPretrainingRecord> log;
};

/** Loads and checks every image before training (problems reported together), pretrains the
 *  network's encoder, and writes the model file (atomically, when done), the per-epoch loss CSV and
 *  the reconstruction picture. With `resume`, continues from the folder's checkpoint. */
PretrainingResult
RunPretraining(const PretrainingJob & job, const MaskedPretrainingCallbacks & callbacks, const std::function<void(const std::string &)> & message);

} // namespace sinus

#endif
