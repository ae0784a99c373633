// SPDX-License-Identifier: Apache-2.0
#include "sinus/EvaluationSummary.h"

#include <cmath>
#include <cstdio>

namespace sinus
{

ModelSummary
SummarizeModel(const std::vector<EvaluatedCase> & cases, const std::string & modelName)
{
  std::vector<double> dice, recall, precision, hdPx, hdPhys, hdNorm, worstPx, worstPhys, worstNorm, zeros;
  for (const auto & c : cases)
  {
    if (c.model != modelName)
      continue;
    const SegmentationMetrics & m = c.metrics;
    dice.push_back(m.dice);
    recall.push_back(m.recall);
    precision.push_back(m.precision);
    hdPx.push_back(m.hd95.pixels);
    hdPhys.push_back(m.hd95.physical);
    hdNorm.push_back(m.hd95.normalized);
    // An undefined HD95 (one mask empty) counts as the worst case, the image diagonal; an
    // undefined recall/precision as 0.
    worstPx.push_back(m.diagonal.pixels);
    worstPhys.push_back(m.diagonal.physical);
    worstNorm.push_back(m.diagonal.normalized);
    zeros.push_back(0.0);
  }
  ModelSummary s;
  s.model = modelName;
  s.dice = Summarize(dice, zeros);
  s.recall = Summarize(recall, zeros);
  s.precision = Summarize(precision, zeros);
  s.hd95Pixels = Summarize(hdPx, worstPx);
  s.hd95Physical = Summarize(hdPhys, worstPhys);
  s.hd95Normalized = Summarize(hdNorm, worstNorm);
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
EvaluationToJson(const std::vector<EvaluatedCase> & cases, const std::vector<ModelSummary> & summaries)
{
  Json j = Json::object();
  Json list = Json::array();
  for (const auto & c : cases)
    list.push_back(CaseToJson(c));
  j["cases"] = list;
  Json summary = Json::object();
  for (const auto & s : summaries)
  {
    Json m = Json::object();
    m["dice"] = MetricSummaryToJson(s.dice);
    m["recall"] = MetricSummaryToJson(s.recall);
    m["precision"] = MetricSummaryToJson(s.precision);
    m["hd95_px"] = MetricSummaryToJson(s.hd95Pixels);
    m["hd95_physical"] = MetricSummaryToJson(s.hd95Physical);
    m["hd95_normalized"] = MetricSummaryToJson(s.hd95Normalized);
    summary[s.model] = m;
  }
  j["summary"] = summary;
  j["units"] = "hd95_px: pixels of the original image; hd95_physical: image spacing units (mm when the files carry mm); "
               "hd95_normalized: divided by the image diagonal";
  return j;
}

} // namespace sinus
