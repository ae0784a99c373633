// SPDX-License-Identifier: Apache-2.0
#include "sinusEvaluation.h"

#include "itkImageIOFactory.h"
#include "itkSegmentationMetricsImageFilter.h"
#include "sinus/Json.h"
#include "sinusImageIO.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iomanip>
#include <map>
#include <set>
#include <sstream>

namespace sinus
{
namespace fs = std::filesystem;

namespace
{
std::string
Full(double v)
{
  if (std::isnan(v))
    return "nan";
  char buffer[40];
  std::snprintf(buffer, sizeof(buffer), "%.17g", v);
  return buffer;
}

std::vector<std::string>
RegularFiles(const std::string & folder)
{
  std::vector<std::string> names;
  for (const auto & entry : fs::directory_iterator(folder))
  {
    const std::string name = entry.path().filename().string();
    if (entry.is_regular_file() && name[0] != '.')
      names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

/** 2 or 3: the number of axes with more than one sample beyond the first two. */
unsigned
MaskDimension(const std::string & path)
{
  if (!fs::exists(path))
    throw std::runtime_error(path + ": file not found");
  RequireCodecReadable(path);
  auto io = ProbeImageIO(path);
  if (!io)
    throw std::runtime_error(path + ": not a readable image");
  io->SetFileName(path);
  try
  {
    io->ReadImageInformation();
  }
  catch (const itk::ExceptionObject & e)
  {
    throw std::runtime_error(path + ": cannot read the image header: " + std::string(e.GetDescription()));
  }
  if (io->GetNumberOfComponents() != 1)
    throw std::runtime_error(path + ": a mask must have one component per pixel, found " +
                             std::to_string(io->GetNumberOfComponents()));
  unsigned dimension = 2;
  for (unsigned d = 2; d < io->GetNumberOfDimensions(); ++d)
  {
    if (io->GetDimensions(d) > 1)
    {
      if (d >= 3)
        throw std::runtime_error(path + ": masks of more than 3 dimensions are not supported");
      dimension = 3;
    }
  }
  return dimension;
}

template <unsigned int D>
SegmentationMetrics
EvaluatePair(const EvaluationCase & c, const EvaluationOptions & options)
{
  using ImageType = itk::Image<float, D>;
  const auto read = [](const std::string & path) { return ReadImageChecked<ImageType>(path); };
  auto filter = itk::SegmentationMetricsImageFilter<ImageType>::New();
  filter->SetPredictionImage(read(c.predictionPath));
  filter->SetReferenceImage(read(c.referencePath));
  if (options.label)
    filter->SetForegroundLabel(*options.label);
  filter->SetHD95Mode(options.mode);
  try
  {
    filter->Update();
  }
  catch (const itk::ExceptionObject & e)
  {
    throw std::runtime_error(c.predictionPath + " vs " + c.referencePath + ": " + std::string(e.GetDescription()));
  }
  return filter->GetMetrics();
}

} // namespace

std::vector<EvaluationCase>
PairEvaluationCases(const std::string & prediction, const std::string & reference)
{
  for (const std::string & path : { prediction, reference })
  {
    if (!fs::exists(path))
      throw std::runtime_error(path + ": not found");
  }
  const bool predictionFolder = fs::is_directory(prediction), referenceFolder = fs::is_directory(reference);
  if (predictionFolder != referenceFolder)
  {
    throw std::runtime_error("--pred and --gt must both be files or both be folders (" + prediction + ", " + reference + ")");
  }
  std::vector<EvaluationCase> cases;
  if (!predictionFolder)
  {
    cases.push_back({ fs::path(prediction).filename().string(), prediction, reference, {} });
    return cases;
  }
  const auto                  predictions = RegularFiles(prediction), references = RegularFiles(reference);
  const std::set<std::string> referenceSet(references.begin(), references.end());
  const std::set<std::string> predictionSet(predictions.begin(), predictions.end());
  std::string                 unmatched;
  for (const auto & name : predictions)
    if (!referenceSet.count(name))
      unmatched += "\n  prediction without reference: " + (fs::path(prediction) / name).string();
  for (const auto & name : references)
    if (!predictionSet.count(name))
      unmatched += "\n  reference without prediction: " + (fs::path(reference) / name).string();
  if (!unmatched.empty())
  {
    throw std::runtime_error("prediction and reference folders do not hold the same file names:" + unmatched);
  }
  if (predictions.empty())
  {
    throw std::runtime_error(prediction + ": no files to evaluate");
  }
  for (const auto & name : predictions)
  {
    cases.push_back({ name, (fs::path(prediction) / name).string(), (fs::path(reference) / name).string(), {} });
  }
  return cases;
}

void
EvaluateCases(std::vector<EvaluationCase> & cases, const EvaluationOptions & options)
{
  for (EvaluationCase & c : cases)
  {
    const unsigned dimension = MaskDimension(c.predictionPath);
    if (MaskDimension(c.referencePath) != dimension)
    {
      throw std::runtime_error(c.predictionPath + " vs " + c.referencePath + ": one is 2-D, the other 3-D");
    }
    c.metrics = dimension == 2 ? EvaluatePair<2>(c, options) : EvaluatePair<3>(c, options);
  }
}

namespace
{
std::vector<MetricSummary>
SummarizeColumns(const std::vector<EvaluationCase> & cases)
{
  std::vector<const SegmentationMetrics *> metrics;
  for (const EvaluationCase & c : cases)
    metrics.push_back(&c.metrics);
  return SummarizeMetricColumns(metrics);
}

const std::vector<std::pair<const char *, double MetricSummary::*>> kStatistics = {
  { "mean", &MetricSummary::mean }, { "std", &MetricSummary::std },  { "median", &MetricSummary::median },
  { "min", &MetricSummary::min },   { "max", &MetricSummary::max },
};
} // namespace

std::string
FormatEvaluationTable(const std::vector<EvaluationCase> & cases, const EvaluationOptions & options)
{
  const auto & columns = MetricColumns();
  size_t       nameWidth = 6;
  for (const EvaluationCase & c : cases)
    nameWidth = std::max(nameWidth, c.name.size());
  std::ostringstream out;
  const auto         cell = [&](double v) {
    std::ostringstream s;
    if (std::isnan(v))
      s << "nan";
    else
      s << std::fixed << std::setprecision(4) << v;
    out << std::setw(11) << s.str();
  };
  out << std::left << std::setw(static_cast<int>(nameWidth)) << "case" << std::right;
  for (const MetricColumn & column : columns)
    out << std::setw(11) << column.name;
  out << "\n";
  for (const EvaluationCase & c : cases)
  {
    out << std::left << std::setw(static_cast<int>(nameWidth)) << c.name << std::right;
    for (const MetricColumn & column : columns)
      cell(column.value(c.metrics));
    out << "\n";
  }
  const std::vector<MetricSummary> summaries = SummarizeColumns(cases);
  out << std::string(nameWidth + 11 * columns.size(), '-') << "\n";
  for (const auto & [label, member] : kStatistics)
  {
    out << std::left << std::setw(static_cast<int>(nameWidth)) << label << std::right;
    for (const MetricSummary & s : summaries)
      cell(s.*member);
    out << "\n";
  }
  std::string replaced;
  for (size_t i = 0; i < columns.size(); ++i)
    if (summaries[i].replaced)
      replaced += " " + columns[i].name + " " + std::to_string(summaries[i].replaced);
  out << cases.size() << " case(s); HD95 " << ToString(options.mode) << ", foreground "
      << (options.label ? "== " + Full(*options.label) : std::string("!= 0"))
      << "; distances in physical units, _px in pixels, _norm / image diagonal\n";
  if (!replaced.empty())
  {
    out << "undefined values (one mask empty) replaced by the worst case in the summary:" << replaced << "\n";
  }
  return out.str();
}

std::string
FormatEvaluationCsv(const std::vector<EvaluationCase> & cases)
{
  const auto & columns = MetricColumns();
  std::string  out = "case";
  for (const MetricColumn & column : columns)
    out += "," + column.name;
  out += ",prediction_voxels,reference_voxels,true_positives\n";
  const auto quote = [](const std::string & s) {
    if (s.find_first_of(",\"\n") == std::string::npos)
      return s;
    std::string q = "\"";
    for (char ch : s)
      q += ch == '"' ? std::string("\"\"") : std::string(1, ch);
    return q + "\"";
  };
  for (const EvaluationCase & c : cases)
  {
    out += quote(c.name);
    for (const MetricColumn & column : columns)
      out += "," + Full(column.value(c.metrics));
    out += "," + std::to_string(c.metrics.predictionVoxels) + "," + std::to_string(c.metrics.referenceVoxels) + "," +
           std::to_string(c.metrics.truePositives) + "\n";
  }
  const std::vector<MetricSummary> summaries = SummarizeColumns(cases);
  for (const auto & [label, member] : kStatistics)
  {
    out += std::string("summary:") + label;
    for (const MetricSummary & s : summaries)
      out += "," + Full(s.*member);
    out += ",,,\n";
  }
  out += "summary:replaced";
  for (const MetricSummary & s : summaries)
    out += "," + std::to_string(s.replaced);
  return out + ",,,\n";
}

std::string
FormatEvaluationJson(const std::vector<EvaluationCase> & cases, const EvaluationOptions & options)
{
  const auto number = [](double v) { return std::isnan(v) ? Json() : Json(v); };
  Json       root = Json::object();
  Json       definition = Json::object();
  definition["foreground"] = options.label ? "pixel == " + Full(*options.label) : std::string("pixel != 0");
  definition["border"] = "foreground pixels with a face-connected background neighbour; outside the image is background";
  definition["hd95_mode"] = ToString(options.mode);
  definition["percentile"] = "numpy linear interpolation";
  definition["units"] = "physical (spacing), pixels, normalised by the image diagonal";
  definition["undefined"] = "null; summaries replace it by the worst case (0 for overlap, the diagonal for distances)";
  root["definition"] = definition;
  Json list = Json::array();
  for (const EvaluationCase & c : cases)
  {
    Json entry = Json::object();
    entry["case"] = c.name;
    entry["prediction"] = c.predictionPath;
    entry["reference"] = c.referencePath;
    for (const MetricColumn & column : MetricColumns())
      entry[column.name] = number(column.value(c.metrics));
    entry["prediction_voxels"] = c.metrics.predictionVoxels;
    entry["reference_voxels"] = c.metrics.referenceVoxels;
    entry["true_positives"] = c.metrics.truePositives;
    entry["diagonal"] = c.metrics.diagonal.physical;
    entry["diagonal_px"] = c.metrics.diagonal.pixels;
    list.push_back(entry);
  }
  root["cases"] = list;
  Json                             summary = Json::object();
  const std::vector<MetricSummary> summaries = SummarizeColumns(cases);
  for (size_t i = 0; i < summaries.size(); ++i)
  {
    Json s = Json::object();
    for (const auto & [label, member] : kStatistics)
      s[label] = number(summaries[i].*member);
    s["replaced"] = summaries[i].replaced;
    summary[MetricColumns()[i].name] = s;
  }
  root["summary"] = summary;
  return root.dump(2) + "\n";
}

} // namespace sinus
