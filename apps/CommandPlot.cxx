// SPDX-License-Identifier: Apache-2.0
// sinusseg plot: training curves (losses per stage, validation Dice) from a training folder's CSV
// logs, drawn by the renderer the training reports use (no display needed).
#include "SinusSegCommand.h"
#include "sinusReportGraphics.h"

#include <iostream>

namespace sinusseg
{

int
RunPlot(const std::vector<std::string> & args)
{
  namespace po = boost::program_options;
  std::string             training, out;
  po::options_description desc("Options");
  desc.add_options()
    ("training", po::value(&training)->required(), "folder written by sinusseg train (teacher_log.csv, refinement_log.csv, student_log.csv)")
    ("out", po::value(&out)->required(), "PNG to write");
  po::variables_map values;
  if (!ParseCommandLine("plot", "--training DIR --out PNG", desc, args, values))
    return 0;
  if (!sinus::WriteLossCurvesPng(training, out))
    throw std::runtime_error(training + ": no training log (teacher_log.csv, refinement_log.csv or student_log.csv) to plot");
  std::cout << out << std::endl;
  return 0;
}

} // namespace sinusseg
