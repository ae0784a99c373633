// SPDX-License-Identifier: Apache-2.0
#include "sinus/AblationPlan.h"

#include <cstdio>
#include <map>

namespace sinus
{

const std::vector<AblationVariant> &
AblationVariants()
{
  using D = DistillationMode;
  using R = RefinementMode;
  static const std::vector<AblationVariant> variants{
    { "labelled_only", "Labelled data only (MedSAM fine-tuned)", false, false, R::Off, D::Off },
    { "kd", "+ KD (no w_i)", true, false, R::Off, D::Unweighted },
    { "unlabelled_kd", "+ unlabelled data, KD (no w_i)", true, true, R::Off, D::Unweighted },
    { "refine_no_cbam_kd", "+ refinement without CBAM, KD (no w_i)", true, true, R::WithoutCbam, D::Unweighted },
    { "refine_cbam_kd", "+ refinement with CBAM, KD (no w_i)", true, true, R::WithCbam, D::Unweighted },
    { "weighted_kd", "Weighted KD without refinement", true, true, R::Off, D::Weighted },
    { "full", "Full method (refinement with CBAM + weighted KD)", true, true, R::WithCbam, D::Weighted },
  };
  return variants;
}

const AblationVariant &
FindAblationVariant(const std::string & name)
{
  std::string known;
  for (const auto & v : AblationVariants())
  {
    if (v.name == name)
      return v;
    known += (known.empty() ? "" : ", ") + v.name;
  }
  throw std::invalid_argument("unknown ablation variant '" + name + "' (known: " + known + ")");
}

SemiSupervisedConfig
ApplyAblationVariant(const SemiSupervisedConfig & base, const AblationVariant & variant)
{
  SemiSupervisedConfig c = base;
  c.useUnlabelled = variant.useUnlabelled;
  c.refinement = variant.refinement;
  c.student.distillation = variant.distillation;
  return c;
}

namespace
{
/** Adds a student run, reusing the teacher and the first run of the same refinement mode. */
void
AddStudentRun(AblationPlan & plan, std::map<std::string, std::string> & refinementFolders, const std::string & folder,
              const SemiSupervisedConfig & config)
{
  AblationRun run{ folder, config, false, "teacher", "" };
  const std::string mode = ToString(config.refinement);
  if (config.useUnlabelled)
  {
    const auto shared = refinementFolders.find(mode);
    if (shared != refinementFolders.end())
      run.refinementFrom = shared->second;
    else
      refinementFolders[mode] = folder;
  }
  plan.runs.push_back(run);
}

std::string
AlphaName(const char * format, double alpha)
{
  char text[64];
  std::snprintf(text, sizeof(text), format, alpha);
  return text;
}
} // namespace

AblationPlan
PlanAblation(const SemiSupervisedConfig & base, const std::vector<std::string> & variants, const std::vector<double> & alphas,
             size_t labelledImages, size_t unlabelledImages)
{
  for (double a : alphas)
    if (!(a >= 0 && a <= 1))
      throw std::invalid_argument("alpha " + std::to_string(a) + " is not in [0, 1]");
  AblationPlan         plan;
  SemiSupervisedConfig budget = base;
  if (budget.student.stepsPerEpoch == 0)
    budget.student.stepsPerEpoch =
      (static_cast<int64_t>(std::max(labelledImages, unlabelledImages)) + budget.student.batchSize - 1) / budget.student.batchSize;
  plan.studentStepsPerEpoch = budget.student.stepsPerEpoch;
  plan.runs.push_back(AblationRun{ "teacher", base, true, "", "" });
  std::map<std::string, std::string> refinementFolders;
  bool                               haveFull = false;
  for (const auto & name : variants)
  {
    const AblationVariant & v = FindAblationVariant(name);
    if (!v.trainStudent)
    {
      plan.table2.push_back({ v.description, "teacher", true });
      continue;
    }
    AddStudentRun(plan, refinementFolders, v.name, ApplyAblationVariant(budget, v));
    plan.table2.push_back({ v.description, v.name, false });
    haveFull = haveFull || v.name == "full";
  }
  const SemiSupervisedConfig full = ApplyAblationVariant(budget, FindAblationVariant("full"));
  for (double alpha : alphas)
  {
    const std::string label = AlphaName("alpha = %g", alpha);
    if (haveFull && alpha == full.student.alpha)
    {
      plan.table3.push_back({ label, "full", false }); // the full method's row is this alpha already
      continue;
    }
    SemiSupervisedConfig config = full;
    config.student.alpha = alpha;
    AddStudentRun(plan, refinementFolders, AlphaName("alpha_%g", alpha), config);
    plan.table3.push_back({ label, plan.runs.back().folder, false });
  }
  return plan;
}

namespace
{
std::vector<std::pair<std::string, ModelSummary>>
TableRows(const std::vector<AblationTableRow> & rows, const std::vector<std::pair<std::string, ModelSummary>> & teachers,
          const std::vector<std::pair<std::string, ModelSummary>> & students)
{
  std::vector<std::pair<std::string, ModelSummary>> out;
  for (const auto & row : rows)
  {
    const auto & source = row.teacher ? teachers : students;
    const auto   it = std::find_if(source.begin(), source.end(), [&](const auto & p) { return p.first == row.folder; });
    if (it == source.end())
      throw std::runtime_error("ablation: no evaluation of " + std::string(row.teacher ? "the teacher of " : "") + row.folder);
    out.emplace_back(row.label, it->second);
  }
  return out;
}
} // namespace

AblationTables
FormatAblationTables(const AblationPlan & plan, const std::vector<std::pair<std::string, ModelSummary>> & teacherByFolder,
                     const std::vector<std::pair<std::string, ModelSummary>> & studentByFolder, const std::string & caption)
{
  AblationTables tables;
  if (!plan.table2.empty())
  {
    const auto rows = TableRows(plan.table2, teacherByFolder, studentByFolder);
    tables.table2Markdown = "# Ablation (the paper's Table 2)\n\n" + caption + FormatSummaryTable(rows, "Method", SummaryTableStyle::Markdown);
    tables.table2Csv = FormatSummaryCsv(rows);
  }
  if (!plan.table3.empty())
  {
    const auto rows = TableRows(plan.table3, teacherByFolder, studentByFolder);
    tables.table3Markdown =
      "# Weight of the supervised loss (the paper's Table 3)\n\n" + caption + FormatSummaryTable(rows, "alpha", SummaryTableStyle::Markdown);
    tables.table3Csv = FormatSummaryCsv(rows);
  }
  return tables;
}

} // namespace sinus
