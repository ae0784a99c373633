// SPDX-License-Identifier: Apache-2.0
// sinusseg benchmark table1: the paper's Table 1 on a datalist -- every segmenter trained on the
// labelled images alone, and the semi-supervised method -- with the paper's Figure 5.
#include "SinusSegCommand.h"
#include "TrainingJobs.h"

#include "sinus/FileUtilities.h"
#include "sinus/OperationCounter.h"
#include "sinus/TableOnePlan.h"
#include "sinusTableOneFigure.h"
#include "sinusTrainingDatalist.h"

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <set>

namespace sinusseg
{
namespace fs = std::filesystem;

namespace
{
/** The images every row needs: the largest input, every network's logit grid. */
sinus::DatalistLoadOptions
LoadOptionsForRows(const sinus::TableOnePlan & plan, int threads)
{
  sinus::DatalistLoadOptions options = sinus::DatalistLoadOptions::For(plan.rows.front().run.config, threads);
  std::set<int64_t>          grids(options.labelGrids.begin(), options.labelGrids.end());
  for (const auto & row : plan.rows)
  {
    const sinus::DatalistLoadOptions own = sinus::DatalistLoadOptions::For(row.run.config, threads);
    options.inputSize = std::max(options.inputSize, own.inputSize);
    grids.insert(own.labelGrids.begin(), own.labelGrids.end());
  }
  options.labelGrids.assign(grids.begin(), grids.end());
  return options;
}

sinus::TableOneResult
MeasureRow(const sinus::TableOneRow & row, const sinus::PipelineResult & result, const std::string & out)
{
  sinus::TableOneResult r;
  r.name = row.name;
  r.label = row.label;
  const std::string model = row.method ? "student" : "teacher";
  const auto        found = std::find_if(result.summaries.begin(), result.summaries.end(), [&](const auto & s) { return s.model == model; });
  if (found == result.summaries.end())
    throw std::runtime_error((fs::path(out) / row.run.folder).string() + ": the run has no evaluated " + model);
  r.summary = *found;
  sinus::Segmenter network = sinus::BuildSegmenter(row.reported);
  r.parametersMillions = static_cast<double>(sinus::CountParameters(*network)) / 1e6;
  r.gigaFlops = static_cast<double>(sinus::CountSegmenterOperations(*network).MultiplyAdds()) / 1e9;
  r.inputSize = network->InputSize();
  r.trainingSeconds = sinus::RunFolderTrainingSeconds((fs::path(out) / row.run.folder).string());
  return r;
}

/** The rows whose networks start from the --pretrained encoder say so in the table; the others
 *  start from random weights (RunPipelineRow). */
void
MarkPretrainedRows(sinus::TableOnePlan & plan, const std::string & pretrained)
{
  for (auto & row : plan.rows)
    if (RowStartsFromPretrained(row.run, pretrained))
      row.label += " from the pretrained encoder";
}

/** Figure 5 on the best, median and worst test image of the method (of the last row without it). */
void
WriteFigure(const sinus::TableOnePlan & plan, const sinus::PipelineResult & last, const sinus::SemiSupervisedData & data, const std::string & out)
{
  const std::string model = plan.rows.back().method ? "student" : "teacher";
  std::vector<std::pair<double, size_t>> byDice;
  for (const auto & c : last.cases)
    if (c.model == model)
      for (size_t i = 0; i < data.test.size(); ++i)
        if (data.test[i].name == c.name)
          byDice.emplace_back(c.metrics.dice, i);
  if (byDice.empty())
    return;
  std::sort(byDice.begin(), byDice.end());
  std::vector<sinus::SegmentationSample> cases;
  for (size_t pick : { byDice.size() - 1, byDice.size() / 2, size_t{ 0 } })
    cases.push_back(data.test[byDice[pick].second]);
  std::vector<std::pair<std::string, std::string>> models;
  for (const auto & row : plan.rows)
    models.emplace_back(row.name, (fs::path(out) / row.run.folder / (row.method ? "student.sinusseg" : "teacher.sinusseg")).string());
  sinus::WriteTableOneFigure(models, cases, (fs::path(out) / "figure5.png").string());
}
} // namespace

int
RunBenchmark(const std::vector<std::string> & args)
{
  namespace po = boost::program_options;
  std::string             table, datalist, out, rowList = "unet,deeplabv3plus,transunet,unetr,nnunet,medsam,ours";
  TrainingSettings        settings;
  settings.preset = "radiograph";
  po::options_description desc("Options");
  desc.add_options()
    ("table", po::value(&table)->required(), "which table: table1 (the paper's comparison of segmenters)")
    ("datalist", po::value(&datalist)->required(), "MONAI-style datalist JSON with labelled, unlabelled, validation and test images")
    ("out", po::value(&out)->required(), "output folder: a folder per row, table1.md/.csv/.json, figure5.png; rerunning continues")
    ("rows", po::value(&rowList)->default_value(rowList), "rows to train: unet, deeplabv3plus, transunet, unetr, nnunet, medsam, ours; also the semi-supervised methods "
     "self_training, mean_teacher, cps, unimatch (same teacher, student network and budget as ours)");
  settings.AddOptions(desc);
  po::positional_options_description positional;
  positional.add("table", 1);
  po::variables_map values;
  if (!ParseCommandLine("benchmark", "table1 --datalist FILE --out DIR [--rows LIST] [options]", desc, args, values, &positional))
    return 0;
  if (table != "table1")
    throw UsageError("unknown table '" + table + "' (known: table1)");
  const sinus::SemiSupervisedConfig base = settings.Resolve(datalist);
  const sinus::DatasetFingerprint   fingerprint = sinus::ReadLabelledFingerprint(datalist);
  sinus::TableOnePlan               plan;
  try
  {
    plan = sinus::PlanTableOne(base, SplitCommaList(rowList), settings.preset == "vit_b" ? "paper" : "cpu", &fingerprint);
    sinus::ParseTrainingDevice(settings.device);
  }
  catch (const std::invalid_argument & e)
  {
    throw UsageError(e.what());
  }
  if (plan.rows.empty())
    throw UsageError("--rows: no row to train");
  MarkPretrainedRows(plan, settings.pretrained);
  const int threads = ConfigureThreads(settings.threads);
  std::cout << "reading " << datalist << std::endl;
  const sinus::SemiSupervisedData data = sinus::LoadSemiSupervisedData(datalist, LoadOptionsForRows(plan, threads));
  if (data.test.empty())
    throw std::runtime_error(datalist + ": Table 1 needs a \"test\" list");
  fs::create_directories(out);
  std::vector<sinus::TableOneResult> results;
  sinus::PipelineResult              last;
  for (const auto & row : plan.rows)
  {
    last = RunPipelineRow(row.run, data, settings, out, "sinusseg benchmark table1 --datalist " + datalist + " --out " + out);
    results.push_back(MeasureRow(row, last, out));
  }
  const std::string caption = "Table 1 on the test set of " + datalist + " (" + std::to_string(data.test.size()) +
                              " images), mean ± std; HD95 in pixels of the original images and normalised by their diagonal; "
                              "FLOPs = multiply-adds of one forward pass at the input size in brackets; training: wall time of "
                              "all training stages from the runs' logs. Baselines: labelled images only. Preset " + base.preset + "." +
                              (settings.pretrained.empty() ? "" : " Pretrained encoder: " + settings.pretrained + ".") + "\n\n";
  const std::string markdown = sinus::FormatTableOneMarkdown(results, caption);
  sinus::WriteFileAtomically(fs::path(out) / "table1.md", markdown);
  sinus::WriteFileAtomically(fs::path(out) / "table1.csv", sinus::FormatTableOneCsv(results));
  sinus::WriteFileAtomically(fs::path(out) / "table1.json", sinus::TableOneToJson(results).dump(2) + "\n");
  WriteFigure(plan, last, data, out);
  std::cout << "\n" << markdown << "\nFigure 5: " << (fs::path(out) / "figure5.png").string() << std::endl;
  return 0;
}

} // namespace sinusseg
