// SPDX-License-Identifier: Apache-2.0
#ifndef sinusEvaluation_h
#define sinusEvaluation_h

#include "sinus/EvaluationSummary.h"
#include "sinus/SegmentationMetrics.h"

#include <optional>
#include <string>
#include <vector>

namespace sinus
{

struct EvaluationOptions
{
  std::optional<double> label;   ///< foreground is == label; otherwise != 0
  HD95Mode              mode = HD95Mode::Directed;
};

struct EvaluationCase
{
  std::string         name;
  std::string         predictionPath;
  std::string         referencePath;
  SegmentationMetrics metrics;
};

/** Prediction/reference pairs from two files, or from two folders matched by file name. Files
 *  present on one side only are an error that lists them all; so is a file paired with a folder. */
std::vector<EvaluationCase>
PairEvaluationCases(const std::string & prediction, const std::string & reference);

/** Reads each pair (2-D or 3-D, any pixel type) and computes its metrics with
 *  itk::SegmentationMetricsImageFilter. A grid mismatch is an error naming both files. */
void
EvaluateCases(std::vector<EvaluationCase> & cases, const EvaluationOptions & options);


/** The aligned text table: one row per case, then mean, std, median, min and max, then how many
 *  undefined values each summary replaced. */
std::string
FormatEvaluationTable(const std::vector<EvaluationCase> & cases, const EvaluationOptions & options);
/** The same numbers with full precision (%.17g; undefined values as "nan" / null). */
std::string
FormatEvaluationCsv(const std::vector<EvaluationCase> & cases);
std::string
FormatEvaluationJson(const std::vector<EvaluationCase> & cases, const EvaluationOptions & options);

} // namespace sinus

#endif
