// SPDX-License-Identifier: Apache-2.0
#ifndef sinus_EvaluationSummary_h
#define sinus_EvaluationSummary_h

#include "sinus/Json.h"
#include "sinus/Raster.h"
#include "sinus/SegmentationMetrics.h"

#include <string>
#include <utility>
#include <vector>

namespace sinus
{

/** One test image scored for one model. */
struct EvaluatedCase
{
  std::string         model; ///< "teacher", "student", or whatever the caller names it
  std::string         name;
  std::string         source; ///< the image file, when known
  SegmentationMetrics metrics;
  Raster<uint8_t>     prediction; ///< 0/1 on the original grid (may be empty when only numbers matter)
  Raster<uint8_t>     reference;  ///< 0/1 on the original grid (may be empty)
};

/** One reported metric: its column name, its value in a case, and the worst case that replaces an
 *  undefined (NaN) value in summaries: 0 for Dice, recall and precision, the image diagonal for
 *  distances. The one list every summary and table of SinusSeg is made from. */
struct MetricColumn
{
  std::string name;
  double (*value)(const SegmentationMetrics &);
  double (*worst)(const SegmentationMetrics &);
};
/** dice, recall, precision, hd95 (physical), hd95_px, hd95_norm, hd, hd_px, hd_norm, assd,
 *  assd_px, assd_norm. */
const std::vector<MetricColumn> &
MetricColumns();
/** One summary per column of MetricColumns(), over the given cases. */
std::vector<MetricSummary>
SummarizeMetricColumns(const std::vector<const SegmentationMetrics *> & metrics);

/** The summary of one model over its cases: the one model of "how good is it" that `evaluate`,
 *  `train`, `ablation`, `demo`, the reports and the Slicer module print. Undefined values count
 *  as the worst case (0 for overlaps, the image diagonal for HD95). */
struct ModelSummary
{
  std::string   model;
  MetricSummary dice, recall, precision, hd95Pixels, hd95Physical, hd95Normalized;
};

ModelSummary
SummarizeModel(const std::vector<EvaluatedCase> & cases, const std::string & modelName);

/** Rows of (label, summary) as a table of mean ± std: Dice, recall, precision, HD95 in pixels.
 *  Markdown for reports and tables, or aligned text for the console. */
enum class SummaryTableStyle
{
  Markdown,
  Text
};
std::string
FormatSummaryTable(const std::vector<std::pair<std::string, ModelSummary>> & rows, const std::string & firstColumn,
                   SummaryTableStyle style);
/** The same rows with full precision (%.17g), one CSV line each. */
std::string
FormatSummaryCsv(const std::vector<std::pair<std::string, ModelSummary>> & rows);
/** One line for logs: "<model> on N test images: Dice m +- s, recall, precision, HD95 m +- s px". */
std::string
FormatSummaryLine(const ModelSummary & summary);

/** evaluation.csv (one row per model and case, %.17g) and the JSON with cases and summaries. */
std::string
FormatEvaluationTableCsv(const std::vector<EvaluatedCase> & cases);
Json
EvaluationToJson(const std::vector<EvaluatedCase> & cases, const std::vector<ModelSummary> & summaries);
/** The JSON of one model's summary: dice, recall, precision, hd95_px, hd95_physical, hd95_normalized. */
Json
ModelSummaryToJson(const ModelSummary & summary);
/** The JSON of one metric's summary (mean, std, median, min, max, replaced, count). */
Json
MetricSummaryToJson(const MetricSummary & summary);

} // namespace sinus

#endif
