// SPDX-License-Identifier: Apache-2.0
#ifndef sinusTrainingReport_h
#define sinusTrainingReport_h

#include "sinus/Raster.h"
#include "sinusReportGraphics.h"
#include "sinus/SemiSupervisedPipeline.h"

#include <string>
#include <utility>
#include <vector>

namespace sinus
{

struct TrainingReportOptions
{
  std::string                                      outputDirectory;
  std::string                                      title = "SinusSeg training report";
  std::string                                      command;     ///< how the run was made
  std::vector<std::pair<std::string, std::string>> facts;       ///< extra "what: value" lines (timings, data)
  std::string                                      discussion;  ///< free Markdown appended at the end
};

/** Writes, next to the training files: overlays/<case>.png (teacher | student panels, prediction
 *  red, ground truth green, Dice and HD95 printed), loss_curves.png, and report.md with the
 *  comparison table (Dice, recall, precision, HD95 px, mean +- std), per-case rows, the facts and
 *  links to the pictures. */
void
WriteTrainingReport(const PipelineResult & result, const TrainingReportOptions & options);

} // namespace sinus

#endif
