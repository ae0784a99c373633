// SPDX-License-Identifier: Apache-2.0
#include "sinus/TableOnePlan.h"

#include "sinus/Csv.h"
#include "sinus/PaperTableOne.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>

namespace sinus
{

namespace
{
std::string
TableOneRowLabel(const std::string & name)
{
  const PaperTableOneRow * row = FindPaperTableOneRow(name);
  return row ? row->label : name;
}

TableOneRow
TableOneBaselineRow(const SemiSupervisedConfig & base, const std::string & name, const std::string & preset, const DatasetFingerprint * fingerprint)
{
  ArchitectureChoice choice;
  choice.teacher = name;
  choice.preset = preset;
  choice.inputSize = base.teacherModel.InputSize();
  TableOneRow row;
  row.name = name;
  row.label = TableOneRowLabel(name) + " (labelled only)";
  row.run.folder = name;
  row.run.config = WithArchitectures(base, choice, fingerprint);
  row.run.teacherOnly = true;
  // A supervised baseline has no pseudo-labels to refine; "off" whatever the method's setting, so
  // that rows trained under another method setting resume.
  row.run.config.refinement = RefinementMode::Off;
  row.reported = row.run.config.teacherModel;
  return row;
}

/** The semi-supervised methods users compare with, beside the paper's ("ours"): the same teacher,
 *  student network and student budget, only the use of the unlabelled images differs. */
const std::vector<std::pair<std::string, std::string>> &
SemiSupervisedRows()
{
  static const std::vector<std::pair<std::string, std::string>> rows{
    { "self_training", "Self-training" }, { "mean_teacher", "Mean Teacher" }, { "cps", "CPS" }, { "unimatch", "UniMatch" }
  };
  return rows;
}

SemiSupervisedConfig
SemiSupervisedRowConfig(const SemiSupervisedConfig & base, const std::string & name)
{
  SemiSupervisedConfig config = base;
  if (name == "self_training")
  {
    // Teacher -> pseudo-labels -> student: no refinement, no distillation.
    config.student.distillation = DistillationMode::Off;
    config.refinement = RefinementMode::Off;
  }
  else
    config.student.semiSupervised = name;
  return config;
}

/** The run folder whose teacher (and pseudo-labels) a method row reuses: the supervised row of
 *  the same teacher, else an earlier method row. */
std::string
SharedTeacherFolder(const TableOnePlan & plan, const SemiSupervisedConfig & base)
{
  for (const auto & row : plan.rows)
    if (row.run.config.teacherModel.ToJson() == base.teacherModel.ToJson() && row.run.config.teacher.ToJson() == base.teacher.ToJson() &&
        (!row.method || row.run.teacherFrom.empty()))
      return row.run.folder;
  return {};
}

TableOneRow
MethodRow(const TableOnePlan & plan, const SemiSupervisedConfig & base, const std::string & name, const std::string & label)
{
  TableOneRow row;
  row.name = name;
  row.label = label + " (" + base.teacherModel.architecture + " teacher, " + base.studentModel.architecture + " student)";
  row.run = AblationRun{ name, name == "ours" ? base : SemiSupervisedRowConfig(base, name), false, SharedTeacherFolder(plan, base), "" };
  row.reported = base.studentModel;
  row.method = true;
  return row;
}
} // namespace

TableOnePlan
PlanTableOne(const SemiSupervisedConfig & base, const std::vector<std::string> & rows, const std::string & preset,
             const DatasetFingerprint * fingerprint)
{
  std::vector<std::string> order = TableOneArchitectures();
  order.push_back("ours");
  for (const auto & [name, label] : SemiSupervisedRows())
    order.push_back(name);
  for (const auto & name : rows)
    if (std::find(order.begin(), order.end(), name) == order.end())
    {
      std::string known;
      for (const auto & k : order)
        known += (known.empty() ? "" : ", ") + k;
      throw std::invalid_argument("unknown Table 1 row '" + name + "' (known: " + known + ")");
    }
  TableOnePlan plan;
  for (const auto & name : order)
  {
    if (std::find(rows.begin(), rows.end(), name) == rows.end())
      continue;
    const auto semi = std::find_if(SemiSupervisedRows().begin(), SemiSupervisedRows().end(), [&](const auto & r) { return r.first == name; });
    if (name == "ours")
      plan.rows.push_back(MethodRow(plan, base, name, "Ours"));
    else if (semi != SemiSupervisedRows().end())
      plan.rows.push_back(MethodRow(plan, base, name, semi->second));
    else
      plan.rows.push_back(TableOneBaselineRow(base, name, preset, fingerprint));
  }
  return plan;
}

double
RunFolderTrainingSeconds(const std::string & folder)
{
  double total = 0;
  for (const char * log : { "teacher_log.csv", "refinement_log.csv", "student_log.csv" })
  {
    const std::filesystem::path path = std::filesystem::path(folder) / log;
    if (!std::filesystem::exists(path))
      continue;
    const auto columns = ReadCsvColumns(path.string());
    const auto seconds = columns.find("seconds");
    if (seconds == columns.end())
      throw std::runtime_error(path.string() + ": no 'seconds' column");
    for (double s : seconds->second)
      total += s;
  }
  return total;
}

namespace
{
std::string
TableOneMeanStd(const MetricSummary & m, const char * format)
{
  char text[96];
  std::snprintf(text, sizeof(text), format, m.mean, m.std);
  return text;
}
} // namespace

std::string
FormatTableOneMarkdown(const std::vector<TableOneResult> & results, const std::string & caption)
{
  std::string out = caption;
  out += "| method | Dice | recall | precision | HD95 (px) | HD95 (normalised) | Params (M) | GFLOPs (input) | training (s) | paper Dice |\n";
  out += "|---|---|---|---|---|---|---|---|---|---|\n";
  for (const auto & r : results)
  {
    const PaperTableOneRow * paper = FindPaperTableOneRow(r.name);
    char                     sizes[160];
    std::snprintf(sizes, sizeof(sizes), " | %.2f | %.2f (%lld) | %.0f | %s |\n", r.parametersMillions, r.gigaFlops,
                  static_cast<long long>(r.inputSize), r.trainingSeconds, paper ? std::to_string(paper->dice).substr(0, 6).c_str() : "-");
    out += "| " + r.label + " | " + TableOneMeanStd(r.summary.dice, "%.4f ± %.4f") + " | " + TableOneMeanStd(r.summary.recall, "%.4f ± %.4f") + " | " +
           TableOneMeanStd(r.summary.precision, "%.4f ± %.4f") + " | " + TableOneMeanStd(r.summary.hd95Pixels, "%.2f ± %.2f") + " | " +
           TableOneMeanStd(r.summary.hd95Normalized, "%.4f ± %.4f") + sizes;
  }
  return out;
}

std::string
FormatTableOneCsv(const std::vector<TableOneResult> & results)
{
  std::string out = "row,label,dice_mean,dice_std,recall_mean,recall_std,precision_mean,precision_std,hd95_px_mean,hd95_px_std,"
                    "hd95_norm_mean,hd95_norm_std,parameters_m,gflops,input_size,training_seconds\n";
  for (const auto & r : results)
  {
    char line[640];
    std::snprintf(line, sizeof(line), "%s,\"%s\",%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.6f,%.6f,%lld,%.3f\n",
                  r.name.c_str(), r.label.c_str(), r.summary.dice.mean, r.summary.dice.std, r.summary.recall.mean, r.summary.recall.std,
                  r.summary.precision.mean, r.summary.precision.std, r.summary.hd95Pixels.mean, r.summary.hd95Pixels.std,
                  r.summary.hd95Normalized.mean, r.summary.hd95Normalized.std, r.parametersMillions, r.gigaFlops,
                  static_cast<long long>(r.inputSize), r.trainingSeconds);
    out += line;
  }
  return out;
}

Json
TableOneToJson(const std::vector<TableOneResult> & results)
{
  Json rows = Json::array();
  for (const auto & r : results)
  {
    Json j = Json::object();
    j["row"] = r.name;
    j["label"] = r.label;
    j["dice"] = MetricSummaryToJson(r.summary.dice);
    j["recall"] = MetricSummaryToJson(r.summary.recall);
    j["precision"] = MetricSummaryToJson(r.summary.precision);
    j["hd95_px"] = MetricSummaryToJson(r.summary.hd95Pixels);
    j["hd95_norm"] = MetricSummaryToJson(r.summary.hd95Normalized);
    j["parameters_m"] = r.parametersMillions;
    j["gflops"] = r.gigaFlops;
    j["input_size"] = r.inputSize;
    j["training_seconds"] = r.trainingSeconds;
    if (const PaperTableOneRow * paper = FindPaperTableOneRow(r.name))
      j["paper_dice"] = paper->dice;
    rows.push_back(j);
  }
  return rows;
}

} // namespace sinus
