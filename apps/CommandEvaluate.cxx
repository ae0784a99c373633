// SPDX-License-Identifier: Apache-2.0
// sinusseg evaluate: Dice, recall, precision, HD95, HD and ASSD of predictions against references.
#include "SinusSegCommand.h"

#include "sinus/FileUtilities.h"
#include "sinusEvaluation.h"

#include <iostream>

namespace sinusseg
{

int
RunEvaluate(const std::vector<std::string> & args)
{
  namespace po = boost::program_options;
  std::string             prediction, reference, mode = "directed", csv, json;
  double                  label = 0;
  po::options_description desc("Options");
  desc.add_options()
    ("pred", po::value(&prediction)->required(), "predicted mask, or a folder of them")
    ("gt", po::value(&reference)->required(), "reference mask, or a folder of them (matched by file name)")
    ("label", po::value(&label), "foreground is pixel == LABEL (default: pixel != 0)")
    ("hd95-mode", po::value(&mode)->default_value(mode), "directed: max of the two directed P95 (MONAI); pooled: P95 of both sets (medpy)")
    ("csv", po::value(&csv), "also write every number with full precision as CSV")
    ("json", po::value(&json), "also write every number with full precision as JSON");
  po::variables_map values;
  if (!ParseCommandLine("evaluate", "--pred P --gt G [options]", desc, args, values))
  {
    return 0;
  }
  sinus::EvaluationOptions options;
  try
  {
    options.mode = sinus::ParseHD95Mode(mode);
  }
  catch (const std::invalid_argument & e)
  {
    throw UsageError(std::string("--hd95-mode: ") + e.what());
  }
  if (values.count("label"))
  {
    options.label = label;
  }
  std::vector<sinus::EvaluationCase> cases = sinus::PairEvaluationCases(prediction, reference);
  sinus::EvaluateCases(cases, options);
  std::cout << sinus::FormatEvaluationTable(cases, options);
  if (!csv.empty())
  {
    sinus::WriteFileAtomically(csv, sinus::FormatEvaluationCsv(cases));
  }
  if (!json.empty())
  {
    sinus::WriteFileAtomically(json, sinus::FormatEvaluationJson(cases, options));
  }
  return 0;
}

} // namespace sinusseg
