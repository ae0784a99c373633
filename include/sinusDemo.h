// SPDX-License-Identifier: Apache-2.0
#ifndef sinusDemo_h
#define sinusDemo_h

#include "itkSemiSupervisedSegmentationTrainer.h"
#include "sinusPhantomDataset.h"

#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace sinus
{

/** Everything `sinusseg demo` runs with. */
struct DemoOptions
{
  std::string          outputDirectory = "sinusseg-demo";
  int                  count = 60;
  int64_t              width = 1024, height = 512;
  double               labelledFraction = 0.3;
  uint64_t             seed = 0;
  SemiSupervisedConfig config;
  std::string          device = "cpu";
  std::string          initCheckpoint;
  std::string          pretrained; ///< a `sinusseg pretrain` model file or folder
  int                  threads = 0; ///< LibTorch threads in use
  /** The training options as the user gave them ("--preset small", "--teacher-epochs 5", ...), so
   *  the report shows how to make the same run again. */
  std::vector<std::string> trainingArguments;

  void Validate() const; ///< throws std::invalid_argument
};

/** What the demo prints and how it trains (the command supplies a console display). */
struct DemoCallbacks
{
  std::function<void(const std::string &)>                                             onLine;
  std::function<const PipelineResult &(itk::SemiSupervisedSegmentationTrainer *)>      runTrainer;
};

struct DemoResult
{
  PhantomDatasetSummary phantoms;
  double                viaRoundTripDiceMean = 0, viaRoundTripDiceMin = 0;
  PipelineResult        training;
  double                trainingSeconds = 0, totalSeconds = 0;
  std::string           command; ///< the command line that makes this run again
};

/** The main job on built-in data: phantom radiographs -> VIA CSV round trip (masks -> polygons ->
 *  masks must agree) -> the whole semi-supervised method -> evaluation of teacher and student on
 *  held-out phantoms -> report.md (table, overlays, loss curves) and sinusseg-demo.json. The
 *  output folder appears only when everything is done; a folder that is neither empty nor an
 *  earlier demo's output is refused. */
DemoResult
RunDemo(const DemoOptions & options, const DemoCallbacks & callbacks);

/** The command line that makes the same demo run again. */
std::string
DemoCommandLine(const DemoOptions & options);

} // namespace sinus

#endif
