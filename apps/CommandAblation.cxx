// SPDX-License-Identifier: Apache-2.0
// sinusseg ablation: the rows of the paper's Table 2 (which parts of the method matter) and the
// alpha sweep of Table 3, each a full student training on one shared teacher, printed in the
// paper's layout and written as Markdown and CSV.
#include "SinusSegCommand.h"
#include "TrainingJobs.h"
#include "sinus/FileUtilities.h"
#include "sinusTrainingDatalist.h"
#include "sinusTrainingReport.h"
#include "sinus/AblationPlan.h"

#include <tuple>

#include <filesystem>
#include <iostream>
#include <map>
#include <sstream>

namespace sinusseg
{
namespace fs = std::filesystem;

namespace
{
std::vector<double>
ParseAlphas(const std::string & text)
{
  std::vector<double> alphas;
  if (text == "none")
    return alphas;
  for (const auto & item : SplitCommaList(text))
  {
    size_t used = 0;
    double a = 0;
    try
    {
      a = std::stod(item, &used);
    }
    catch (const std::exception &)
    {
      used = 0;
    }
    if (used == 0 || used != item.size())
      throw std::invalid_argument("--alphas: '" + item + "' is not a number");
    alphas.push_back(a);
  }
  return alphas;
}
} // namespace

int
RunAblation(const std::vector<std::string> & args)
{
  namespace po = boost::program_options;
  std::string             datalist, out, variantList = "all", alphaList = "0.1,0.3,0.5,0.7,0.9";
  TrainingSettings        settings;
  po::options_description desc("Options");
  std::string             variantHelp = "comma-separated rows of Table 2, or all:";
  for (const auto & v : sinus::AblationVariants())
    variantHelp += "\n  " + v.name + ": " + v.description;
  desc.add_options()
    ("datalist", po::value(&datalist)->required(), "MONAI-style datalist JSON (needs a test list)")
    ("out", po::value(&out)->required(), "output folder; a folder per row, ablation.md/.csv, alpha_sweep.md/.csv; rerunning continues")
    ("variants", po::value(&variantList)->default_value(variantList), variantHelp.c_str())
    ("alphas", po::value(&alphaList)->default_value(alphaList), "alpha values of the Table 3 sweep on the full method, or none");
  settings.AddOptions(desc);
  po::variables_map values;
  if (!ParseCommandLine("ablation", "--datalist FILE --out DIR [options]", desc, args, values))
    return 0;
  const sinus::SemiSupervisedConfig base = settings.Resolve(datalist);
  std::vector<std::string>          variants;
  std::vector<double>               alphas;
  try
  {
    if (variantList == "all")
      for (const auto & v : sinus::AblationVariants())
        variants.push_back(v.name);
    else
      variants = SplitCommaList(variantList);
    alphas = ParseAlphas(alphaList);
    sinus::PlanAblation(base, variants, alphas, 1, 1); // names and values checked before any data is read
    sinus::ParseTrainingDevice(settings.device);
  }
  catch (const std::invalid_argument & e)
  {
    throw UsageError(e.what());
  }
  const sinus::DataParallelGroup & group = JoinLaunchedJob(settings.device);
  const int                        threads = ConfigureThreads(settings.threads);

  // The data are read once and shared by every run.
  std::cout << "reading " << datalist << std::endl;
  const sinus::SemiSupervisedData data = sinus::LoadSemiSupervisedData(datalist, sinus::DatalistLoadOptions::For(base, threads));
  if (data.test.empty())
    throw std::runtime_error(datalist + ": the ablation needs a \"test\" list");
  const sinus::AblationPlan plan = sinus::PlanAblation(base, variants, alphas, data.labelled.size(), data.unlabelled.size());
  std::cout << "every student: " << plan.runs.front().config.student.epochs << " epochs of " << plan.studentStepsPerEpoch << " steps"
            << std::endl;
  fs::create_directories(out);
  std::vector<std::pair<std::string, sinus::ModelSummary>> teachers, students;
  for (const sinus::AblationRun & run : plan.runs)
    for (const auto & summary : RunPipelineRow(run, data, settings, out, "sinusseg ablation --datalist " + datalist + " --out " + out).summaries)
      (summary.model == "teacher" ? teachers : students).emplace_back(run.folder, summary);
  if (!group.Leader())
    return 0; // the evaluations and tables are rank 0's
  const std::string caption = "Test set of " + datalist + " (" + std::to_string(data.test.size()) +
                              " images), mean ± std; HD95 in pixels of the original images. Preset " + base.preset + ".\n\n";
  const sinus::AblationTables tables = sinus::FormatAblationTables(plan, teachers, students, caption);
  for (const auto & [name, markdown, csv] : { std::tuple<std::string, std::string, std::string>{ "ablation", tables.table2Markdown, tables.table2Csv },
                                              { "alpha_sweep", tables.table3Markdown, tables.table3Csv } })
  {
    if (markdown.empty())
      continue;
    sinus::WriteFileAtomically(fs::path(out) / (name + ".md"), markdown);
    sinus::WriteFileAtomically(fs::path(out) / (name + ".csv"), csv);
    std::cout << "\n" << markdown;
  }
  return 0;
}

} // namespace sinusseg
