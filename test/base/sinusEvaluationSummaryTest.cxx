// SPDX-License-Identifier: Apache-2.0
// The one metrics-summary model and its formats.
#include "sinus/EvaluationSummary.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace sinus;

namespace
{
EvaluatedCase
Case(const std::string & model, double dice, double hd95)
{
  EvaluatedCase c;
  c.model = model;
  c.name = "case";
  c.metrics.dice = dice;
  c.metrics.recall = dice;
  c.metrics.precision = dice;
  c.metrics.hd95.pixels = hd95;
  c.metrics.hd95.physical = hd95;
  c.metrics.hd95.normalized = hd95 / 100;
  c.metrics.diagonal = { 100, 100, 1 };
  return c;
}
} // namespace

TEST(EvaluationSummary, UndefinedValuesCountAsTheWorstCase)
{
  const std::vector<EvaluatedCase> cases{ Case("student", 0.8, 10), Case("student", 0.0, std::nan("")), Case("teacher", 0.5, 20) };
  const ModelSummary               s = SummarizeModel(cases, "student");
  EXPECT_EQ(s.dice.count, 2);
  EXPECT_DOUBLE_EQ(s.dice.mean, 0.4);
  EXPECT_DOUBLE_EQ(s.hd95Pixels.mean, 55.0); // the empty prediction's HD95 is the diagonal, 100
  EXPECT_EQ(s.hd95Pixels.replaced, 1);
  EXPECT_EQ(SummarizeModel(cases, "teacher").dice.count, 1);
}

TEST(EvaluationSummary, TablesCsvAndJson)
{
  const std::vector<EvaluatedCase> cases{ Case("student", 0.8, 10), Case("student", 0.6, std::nan("")) };
  const ModelSummary               s = SummarizeModel(cases, "student");
  const std::string md = FormatSummaryTable({ { "student", s } }, "model", SummaryTableStyle::Markdown);
  EXPECT_EQ(md.substr(0, md.find('\n')), "| model | Dice | recall | precision | HD95 (px) |");
  EXPECT_NE(md.find("| student | 0.7000 ± 0.1000 |"), std::string::npos) << md;
  const std::string text = FormatSummaryTable({ { "student", s } }, "model", SummaryTableStyle::Text);
  EXPECT_NE(text.find("student  0.7000 +- 0.1000"), std::string::npos) << text;
  EXPECT_NE(FormatSummaryCsv({ { "a", s } }).find("\"a\",0.69999999999999996,"), std::string::npos);
  EXPECT_NE(FormatSummaryLine(s).find("student on 2 test images: Dice 0.7000 +- 0.1000"), std::string::npos);
  const Json json = EvaluationToJson(cases, { s });
  EXPECT_TRUE(json.at("cases")[1].at("hd95_px").is_null()); // NaN is written as null, never as a number
  EXPECT_EQ(json.at("summary").at("student").at("hd95_px").at("undefined_replaced_by_worst_case").get<int>(), 1);
  EXPECT_EQ(FormatEvaluationTableCsv(cases).substr(0, 11), "model,case,");
}

TEST(EvaluationSummary, OneColumnListForEveryTable)
{
  // `sinusseg evaluate`'s table and the training reports summarise from the same columns, so an
  // undefined value is replaced by the same worst case everywhere.
  std::vector<std::string> names;
  for (const auto & c : MetricColumns())
    names.push_back(c.name);
  EXPECT_EQ(names, (std::vector<std::string>{ "dice", "recall", "precision", "hd95", "hd95_px", "hd95_norm", "hd", "hd_px", "hd_norm",
                                              "assd", "assd_px", "assd_norm" }));
  const std::vector<EvaluatedCase> cases{ Case("m", 0.8, 10), Case("m", 0.0, std::nan("")) };
  const auto                       columns = SummarizeMetricColumns({ &cases[0].metrics, &cases[1].metrics });
  const ModelSummary               s = SummarizeModel(cases, "m");
  EXPECT_EQ(columns[4].mean, s.hd95Pixels.mean);
  EXPECT_EQ(columns[0].mean, s.dice.mean);
}
