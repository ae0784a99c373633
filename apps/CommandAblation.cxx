// sinusseg ablation: the rows of the paper's Table 2 (which parts of the method matter) and the
// alpha sweep of Table 3, each a full student training on one shared teacher, printed in the
// paper's layout and written as Markdown and CSV.
#include "SinusSegCommand.h"
#include "TrainingJobs.h"
#include "sinus/FileUtilities.h"
#include "sinusTrainingDatalist.h"
#include "sinusTrainingReport.h"

#include <filesystem>
#include <iostream>
#include <map>
#include <sstream>

namespace sinusseg
{
namespace fs = std::filesystem;

namespace
{
std::vector<std::string>
SplitList(const std::string & text)
{
  std::vector<std::string> items;
  std::stringstream        stream(text);
  std::string              item;
  while (std::getline(stream, item, ','))
    if (!item.empty())
      items.push_back(item);
  return items;
}

struct AblationRow
{
  std::string         label;
  sinus::ModelSummary summary;
};

std::string
MarkdownTable(const std::vector<AblationRow> & rows, const std::string & firstColumn)
{
  std::string out = "| " + firstColumn + " | Dice | Recall | Precision | HD95 (px) |\n|---|---|---|---|---|\n";
  char        line[512];
  for (const auto & r : rows)
  {
    const sinus::ModelSummary & s = r.summary;
    std::snprintf(line, sizeof(line), "| %s | %.4f ± %.4f | %.4f ± %.4f | %.4f ± %.4f | %.2f ± %.2f |\n", r.label.c_str(), s.dice.mean,
                  s.dice.std, s.recall.mean, s.recall.std, s.precision.mean, s.precision.std, s.hd95Pixels.mean, s.hd95Pixels.std);
    out += line;
  }
  return out;
}

std::string
CsvTable(const std::vector<AblationRow> & rows)
{
  std::string out = "row,dice_mean,dice_std,recall_mean,recall_std,precision_mean,precision_std,hd95_px_mean,hd95_px_std,cases\n";
  char        line[512];
  for (const auto & r : rows)
  {
    const sinus::ModelSummary & s = r.summary;
    std::snprintf(line, sizeof(line), ",%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%d\n", s.dice.mean, s.dice.std, s.recall.mean,
                  s.recall.std, s.precision.mean, s.precision.std, s.hd95Pixels.mean, s.hd95Pixels.std, s.dice.count);
    out += "\"" + r.label + "\"" + line;
  }
  return out;
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
  const sinus::SemiSupervisedConfig base = settings.Resolve();
  std::vector<const sinus::AblationVariant *> variants;
  std::vector<double>                         alphas;
  try
  {
    if (variantList == "all")
      for (const auto & v : sinus::AblationVariants())
        variants.push_back(&v);
    else
      for (const auto & name : SplitList(variantList))
        variants.push_back(&sinus::FindAblationVariant(name));
    if (alphaList != "none")
      for (const auto & text : SplitList(alphaList))
      {
        size_t       used = 0;
        const double a = std::stod(text, &used);
        if (used != text.size() || !(a >= 0 && a <= 1))
          throw std::invalid_argument("--alphas: '" + text + "' is not a number in [0, 1]");
        alphas.push_back(a);
      }
    sinus::ParseTrainingDevice(settings.device);
  }
  catch (const std::invalid_argument & e)
  {
    throw UsageError(e.what());
  }
  const int threads = ConfigureThreads(settings.threads);

  // The data are read once and shared by every run.
  sinus::DatalistLoadOptions load;
  load.inputSize = base.teacherModel.imageEncoder.imgSize;
  load.threads = threads;
  std::cout << "reading " << datalist << std::endl;
  const sinus::SemiSupervisedData data = sinus::LoadSemiSupervisedData(datalist, load);
  if (data.test.empty())
    throw std::runtime_error(datalist + ": the ablation needs a \"test\" list");
  fs::create_directories(out);

  std::map<std::string, std::string> refinementFolders; // refinement mode -> the first folder that ran it
  const fs::path                     teacherFolder = fs::path(out) / "teacher";
  const auto trainRow = [&](const std::string & folder, const sinus::SemiSupervisedConfig & config, bool teacherOnly) {
    std::cout << "\n=== " << folder << " ===" << std::endl;
    auto trainer = itk::SemiSupervisedSegmentationTrainer::New();
    trainer->SetData(data);
    trainer->SetOutputDirectory((fs::path(out) / folder).string());
    trainer->SetConfiguration(config);
    trainer->SetResume(true); // rerunning the ablation continues where it stopped
    trainer->SetDevice(settings.device);
    trainer->SetInitCheckpoint(settings.initCheckpoint);
    if (teacherOnly)
    {
      trainer->SetStages({ sinus::PipelineStage::Teacher, sinus::PipelineStage::PseudoLabels, sinus::PipelineStage::Evaluation });
    }
    else
    {
      trainer->SetTeacherFrom(teacherFolder.string());
      const auto shared = refinementFolders.find(sinus::ToString(config.refinement));
      if (shared != refinementFolders.end() && config.useUnlabelled)
        trainer->SetRefinementFrom(shared->second);
    }
    const sinus::PipelineResult & result = RunTrainerWithProgress(trainer);
    // Each row's folder gets its report: table, overlays of every test case, loss curves.
    sinus::TrainingReportOptions report;
    report.outputDirectory = (fs::path(out) / folder).string();
    report.title = "SinusSeg ablation row: " + folder;
    report.command = "sinusseg ablation --datalist " + datalist + " --out " + out;
    sinus::WriteTrainingReport(result, report);
    if (!teacherOnly && config.useUnlabelled && !refinementFolders.count(sinus::ToString(config.refinement)))
      refinementFolders[sinus::ToString(config.refinement)] = (fs::path(out) / folder).string();
    for (const auto & s : result.summaries)
      if (s.model == (teacherOnly ? "teacher" : "student"))
        return s;
    throw std::runtime_error((fs::path(out) / folder).string() + ": the run has no evaluation (evaluation.json)");
  };

  // Every student row gets the optimisation budget of the full method (one pass over the longer of
  // the labelled and unlabelled lists per epoch), so rows without unlabelled images are not
  // simply trained for fewer steps.
  sinus::SemiSupervisedConfig budget = base;
  if (budget.student.stepsPerEpoch == 0)
    budget.student.stepsPerEpoch =
      (static_cast<int64_t>(std::max(data.labelled.size(), data.unlabelled.size())) + budget.student.batchSize - 1) / budget.student.batchSize;
  std::cout << "every student: " << budget.student.epochs << " epochs of " << budget.student.stepsPerEpoch << " steps" << std::endl;

  std::vector<AblationRow> table2, table3;
  const sinus::ModelSummary teacher = trainRow("teacher", base, true);
  sinus::ModelSummary       full;
  bool                      haveFull = false;
  for (const auto * v : variants)
  {
    if (!v->trainStudent)
    {
      table2.push_back({ v->description, teacher });
      continue;
    }
    const sinus::ModelSummary s = trainRow(v->name, sinus::ApplyAblationVariant(budget, *v), false);
    table2.push_back({ v->description, s });
    if (v->name == "full")
    {
      full = s;
      haveFull = true;
    }
  }
  for (double alpha : alphas)
  {
    char label[64];
    std::snprintf(label, sizeof(label), "alpha = %g", alpha);
    sinus::SemiSupervisedConfig config = sinus::ApplyAblationVariant(budget, sinus::FindAblationVariant("full"));
    if (haveFull && alpha == config.student.alpha)
    {
      table3.push_back({ label, full }); // the full method's row is this alpha already
      continue;
    }
    config.student.alpha = alpha;
    char folder[64];
    std::snprintf(folder, sizeof(folder), "alpha_%g", alpha);
    table3.push_back({ label, trainRow(folder, config, false) });
  }

  const std::string caption = "Test set of " + datalist + " (" + std::to_string(data.test.size()) +
                              " images), mean ± std; HD95 in pixels of the original images. Preset " + base.preset + ".\n\n";
  if (!table2.empty())
  {
    const std::string md = "# Ablation (the paper's Table 2)\n\n" + caption + MarkdownTable(table2, "Method");
    sinus::WriteFileAtomically(fs::path(out) / "ablation.md", md);
    sinus::WriteFileAtomically(fs::path(out) / "ablation.csv", CsvTable(table2));
    std::cout << "\n" << md;
  }
  if (!table3.empty())
  {
    const std::string md = "# Weight of the supervised loss (the paper's Table 3)\n\n" + caption + MarkdownTable(table3, "alpha");
    sinus::WriteFileAtomically(fs::path(out) / "alpha_sweep.md", md);
    sinus::WriteFileAtomically(fs::path(out) / "alpha_sweep.csv", CsvTable(table3));
    std::cout << "\n" << md;
  }
  return 0;
}

} // namespace sinusseg
