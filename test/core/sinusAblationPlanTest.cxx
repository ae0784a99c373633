// SPDX-License-Identifier: Apache-2.0
// Which runs an ablation makes, what they share, and how its tables come out.
#include "sinus/AblationPlan.h"

#include <gtest/gtest.h>

using namespace sinus;

namespace
{
std::vector<std::string>
AllVariantNames()
{
  std::vector<std::string> names;
  for (const auto & v : AblationVariants())
    names.push_back(v.name);
  return names;
}

ModelSummary
SummaryWithDice(const std::string & model, double dice)
{
  ModelSummary s;
  s.model = model;
  s.dice.mean = dice;
  s.dice.count = 3;
  return s;
}
} // namespace

TEST(AblationPlan, OneTeacherSharedRefinementsAndEqualBudgets)
{
  SemiSupervisedConfig base = SemiSupervisedConfig::Preset("small");
  base.student.batchSize = 4;
  const AblationPlan plan = PlanAblation(base, AllVariantNames(), { 0.3, 0.5 }, 10, 29);
  // teacher + 6 student rows of Table 2 + alpha 0.3 (alpha 0.5 is the full method's row).
  ASSERT_EQ(plan.runs.size(), 8u);
  EXPECT_EQ(plan.runs[0].folder, "teacher");
  EXPECT_TRUE(plan.runs[0].teacherOnly);
  EXPECT_EQ(plan.studentStepsPerEpoch, 8); // ceil(max(10, 29) / 4)
  for (size_t i = 1; i < plan.runs.size(); ++i)
  {
    EXPECT_EQ(plan.runs[i].teacherFrom, "teacher");
    EXPECT_EQ(plan.runs[i].config.student.stepsPerEpoch, 8) << plan.runs[i].folder;
  }
  const auto run = [&](const std::string & folder) {
    for (const auto & r : plan.runs)
      if (r.folder == folder)
        return r;
    ADD_FAILURE() << "no run " << folder;
    return plan.runs.front();
  };
  // The first row of each refinement mode trains it; later rows of that mode reuse it.
  EXPECT_EQ(run("unlabelled_kd").refinementFrom, "");
  EXPECT_EQ(run("weighted_kd").refinementFrom, "unlabelled_kd");
  EXPECT_EQ(run("refine_cbam_kd").refinementFrom, "");
  EXPECT_EQ(run("full").refinementFrom, "refine_cbam_kd");
  EXPECT_EQ(run("alpha_0.3").refinementFrom, "refine_cbam_kd");
  EXPECT_EQ(run("alpha_0.3").config.student.alpha, 0.3);
  EXPECT_FALSE(run("kd").config.useUnlabelled);
  EXPECT_EQ(run("kd").refinementFrom, ""); // no unlabelled images, nothing to refine
  // Table rows point at the runs that hold their numbers.
  ASSERT_EQ(plan.table2.size(), 7u);
  EXPECT_TRUE(plan.table2[0].teacher);
  EXPECT_EQ(plan.table2[0].folder, "teacher");
  ASSERT_EQ(plan.table3.size(), 2u);
  EXPECT_EQ(plan.table3[1].folder, "full");
  EXPECT_EQ(plan.table3[1].label, "alpha = 0.5");
}

TEST(AblationPlan, BadNamesAndAlphasAreRefused)
{
  const SemiSupervisedConfig base = SemiSupervisedConfig::Preset("small");
  EXPECT_THROW(PlanAblation(base, { "everything" }, {}, 1, 1), std::invalid_argument);
  EXPECT_THROW(PlanAblation(base, { "full" }, { 1.5 }, 1, 1), std::invalid_argument);
  // Without the full row, alpha 0.5 is a run of its own.
  const AblationPlan plan = PlanAblation(base, { "kd" }, { 0.5 }, 4, 4);
  EXPECT_EQ(plan.runs.back().folder, "alpha_0.5");
}

TEST(AblationPlan, TablesShowEachRowsRun)
{
  const AblationPlan   plan = PlanAblation(SemiSupervisedConfig::Preset("small"), { "labelled_only", "full" }, { 0.5 }, 4, 4);
  const AblationTables tables =
    FormatAblationTables(plan, { { "teacher", SummaryWithDice("teacher", 0.61) } }, { { "full", SummaryWithDice("student", 0.72) } }, "caption\n\n");
  EXPECT_NE(tables.table2Markdown.find("| Labelled data only (MedSAM fine-tuned) | 0.6100"), std::string::npos) << tables.table2Markdown;
  EXPECT_NE(tables.table2Markdown.find("| Full method (refinement with CBAM + weighted KD) | 0.7200"), std::string::npos);
  EXPECT_NE(tables.table3Markdown.find("| alpha = 0.5 | 0.7200"), std::string::npos) << tables.table3Markdown;
  EXPECT_EQ(tables.table2Csv.substr(0, 4), "row,");
  EXPECT_THROW(FormatAblationTables(plan, {}, {}, ""), std::runtime_error); // a row without its run's numbers
}
