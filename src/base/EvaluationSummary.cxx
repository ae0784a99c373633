// SPDX-License-Identifier: Apache-2.0
#include "sinus/EvaluationSummary.h"

#include <cmath>
#include <cstdio>

namespace sinus
{

namespace
{
double MetricDice(const SegmentationMetrics & m) { return m.dice; }
double MetricRecall(const SegmentationMetrics & m) { return m.recall; }
double MetricPrecision(const SegmentationMetrics & m) { return m.precision; }
double MetricHD95(const SegmentationMetrics & m) { return m.hd95.physical; }
double MetricHD95Pixels(const SegmentationMetrics & m) { return m.hd95.pixels; }
double MetricHD95Normalized(const SegmentationMetrics & m) { return m.hd95.normalized; }
double MetricHD(const SegmentationMetrics & m) { return m.hd.physical; }
double MetricHDPixels(const SegmentationMetrics & m) { return m.hd.pixels; }
double MetricHDNormalized(const SegmentationMetrics & m) { return m.hd.normalized; }
double MetricASSD(const SegmentationMetrics & m) { return m.assd.physical; }
double MetricASSDPixels(const SegmentationMetrics & m) { return m.assd.pixels; }
double MetricASSDNormalized(const SegmentationMetrics & m) { return m.assd.normalized; }
double WorstOverlap(const SegmentationMetrics &) { return 0.0; }
double WorstPhysical(const SegmentationMetrics & m) { return m.diagonal.physical; }
double WorstPixels(const SegmentationMetrics & m) { return m.diagonal.pixels; }
double WorstNormalized(const SegmentationMetrics & m) { return m.diagonal.normalized; }
} // namespace

const std::vector<MetricColumn> &
MetricColumns()
{
  static const std::vector<MetricColumn> columns = {
    { "dice", MetricDice, WorstOverlap },
    { "recall", MetricRecall, WorstOverlap },
    { "precision", MetricPrecision, WorstOverlap },
    { "hd95", MetricHD95, WorstPhysical },
    { "hd95_px", MetricHD95Pixels, WorstPixels },
    { "hd95_norm", MetricHD95Normalized, WorstNormalized },
    { "hd", MetricHD, WorstPhysical },
    { "hd_px", MetricHDPixels, WorstPixels },
    { "hd_norm", MetricHDNormalized, WorstNormalized },
    { "assd", MetricASSD, WorstPhysical },
    { "assd_px", MetricASSDPixels, WorstPixels },
    { "assd_norm", MetricASSDNormalized, WorstNormalized },
  };
  return columns;
}

std::vector<MetricSummary>
SummarizeMetricColumns(const std::vector<const SegmentationMetrics *> & metrics)
{
  std::vector<MetricSummary> summaries;
  for (const MetricColumn & column : MetricColumns())
  {
    std::vector<double> values, worst;
    for (const SegmentationMetrics * m : metrics)
    {
      values.push_back(column.value(*m));
      worst.push_back(column.worst(*m));
    }
    summaries.push_back(Summarize(values, worst));
  }
  return summaries;
}

ModelSummary
SummarizeModel(const std::vector<EvaluatedCase> & cases, const std::string & modelName)
{
  std::vector<const SegmentationMetrics *> metrics;
  for (const auto & c : cases)
    if (c.model == modelName)
      metrics.push_back(&c.metrics);
  const std::vector<MetricSummary> columns = SummarizeMetricColumns(metrics);
  ModelSummary                     s;
  s.model = modelName;
  s.dice = columns[0];
  s.recall = columns[1];
  s.precision = columns[2];
  s.hd95Physical = columns[3];
  s.hd95Pixels = columns[4];
  s.hd95Normalized = columns[5];
  return s;
}

std::string
FormatSummaryTable(const std::vector<std::pair<std::string, ModelSummary>> & rows, const std::string & firstColumn,
                   SummaryTableStyle style)
{
  char        line[512];
  std::string out;
  if (style == SummaryTableStyle::Markdown)
  {
    out = "| " + firstColumn + " | Dice | recall | precision | HD95 (px) |\n|---|---|---|---|---|\n";
    for (const auto & [label, s] : rows)
    {
      std::snprintf(line, sizeof(line), "| %s | %.4f ± %.4f | %.4f ± %.4f | %.4f ± %.4f | %.2f ± %.2f |\n", label.c_str(), s.dice.mean,
                    s.dice.std, s.recall.mean, s.recall.std, s.precision.mean, s.precision.std, s.hd95Pixels.mean, s.hd95Pixels.std);
      out += line;
    }
    return out;
  }
  size_t width = firstColumn.size();
  for (const auto & r : rows)
    width = std::max(width, r.first.size());
  std::snprintf(line, sizeof(line), "%-*s  %-17s  %-17s  %-17s  %-17s\n", static_cast<int>(width), firstColumn.c_str(), "Dice", "recall",
                "precision", "HD95 (px)");
  out += line;
  for (const auto & [label, s] : rows)
  {
    std::snprintf(line, sizeof(line), "%-*s  %.4f +- %.4f    %.4f +- %.4f    %.4f +- %.4f    %.2f +- %.2f\n", static_cast<int>(width),
                  label.c_str(), s.dice.mean, s.dice.std, s.recall.mean, s.recall.std, s.precision.mean, s.precision.std,
                  s.hd95Pixels.mean, s.hd95Pixels.std);
    out += line;
  }
  return out;
}

std::string
FormatSummaryCsv(const std::vector<std::pair<std::string, ModelSummary>> & rows)
{
  std::string out = "row,dice_mean,dice_std,recall_mean,recall_std,precision_mean,precision_std,hd95_px_mean,hd95_px_std,cases\n";
  char        line[512];
  for (const auto & [label, s] : rows)
  {
    std::snprintf(line, sizeof(line), ",%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%d\n", s.dice.mean, s.dice.std, s.recall.mean,
                  s.recall.std, s.precision.mean, s.precision.std, s.hd95Pixels.mean, s.hd95Pixels.std, s.dice.count);
    out += "\"" + label + "\"" + line;
  }
  return out;
}

std::string
FormatSummaryLine(const ModelSummary & s)
{
  char text[320];
  std::snprintf(text, sizeof(text), "%s on %d test images: Dice %.4f +- %.4f, recall %.4f, precision %.4f, HD95 %.2f +- %.2f px",
                s.model.c_str(), s.dice.count, s.dice.mean, s.dice.std, s.recall.mean, s.precision.mean, s.hd95Pixels.mean,
                s.hd95Pixels.std);
  return text;
}

std::string
FormatEvaluationTableCsv(const std::vector<EvaluatedCase> & cases)
{
  std::string out = "model,case,dice,recall,precision,hd95_px,hd95_physical,hd95_normalized\n";
  char        line[512];
  for (const auto & c : cases)
  {
    const SegmentationMetrics & m = c.metrics;
    std::snprintf(line, sizeof(line), ",%.17g,%.17g,%.17g,%.17g,%.17g,%.17g\n", m.dice, m.recall, m.precision, m.hd95.pixels,
                  m.hd95.physical, m.hd95.normalized);
    out += c.model + "," + c.name + line;
  }
  return out;
}

Json
MetricSummaryToJson(const MetricSummary & s)
{
  Json j = Json::object();
  j["mean"] = s.mean;
  j["std"] = s.std;
  j["median"] = s.median;
  j["min"] = s.min;
  j["max"] = s.max;
  j["undefined_replaced_by_worst_case"] = static_cast<int64_t>(s.replaced);
  j["count"] = static_cast<int64_t>(s.count);
  return j;
}

namespace
{
Json
FiniteOrNull(double v)
{
  return std::isfinite(v) ? Json(v) : Json(nullptr);
}

Json
CaseToJson(const EvaluatedCase & c)
{
  Json row = Json::object();
  row["model"] = c.model;
  row["case"] = c.name;
  row["dice"] = FiniteOrNull(c.metrics.dice);
  row["recall"] = FiniteOrNull(c.metrics.recall);
  row["precision"] = FiniteOrNull(c.metrics.precision);
  row["hd95_px"] = FiniteOrNull(c.metrics.hd95.pixels);
  row["hd95_physical"] = FiniteOrNull(c.metrics.hd95.physical);
  row["hd95_normalized"] = FiniteOrNull(c.metrics.hd95.normalized);
  return row;
}
} // namespace

Json
ModelSummaryToJson(const ModelSummary & s)
{
  Json m = Json::object();
  m["dice"] = MetricSummaryToJson(s.dice);
  m["recall"] = MetricSummaryToJson(s.recall);
  m["precision"] = MetricSummaryToJson(s.precision);
  m["hd95_px"] = MetricSummaryToJson(s.hd95Pixels);
  m["hd95_physical"] = MetricSummaryToJson(s.hd95Physical);
  m["hd95_normalized"] = MetricSummaryToJson(s.hd95Normalized);
  return m;
}

Json
EvaluationToJson(const std::vector<EvaluatedCase> & cases, const std::vector<ModelSummary> & summaries)
{
  Json j = Json::object();
  Json list = Json::array();
  for (const auto & c : cases)
    list.push_back(CaseToJson(c));
  j["cases"] = list;
  Json summary = Json::object();
  for (const auto & s : summaries)
    summary[s.model] = ModelSummaryToJson(s);
  j["summary"] = summary;
  j["units"] = "hd95_px: pixels of the original image; hd95_physical: image spacing units (mm when the files carry mm); "
               "hd95_normalized: divided by the image diagonal";
  return j;
}

} // namespace sinus
