// SPDX-License-Identifier: Apache-2.0
// Which unlabelled radiographs an expert should label next, from a finished run's teacher and
// student: their disagreement, the student's uncertainty, and diversity among the picks.
#include "sinusAnnotationSuggestions.h"

#include "sinus/Csv.h"
#include "sinus/FileUtilities.h"
#include "sinus/MaskPostprocessing.h"
#include "sinus/SegmentationMetrics.h"
#include "sinus/SegmenterInference.h"
#include "sinus/SegmenterRegistry.h"
#include "sinus/TestTimeMirror.h"
#include "sinus/ViaAnnotations.h"
#include "sinusImageIO.h"
#include "sinusReportGraphics.h"
#include "sinusTrainingDatalist.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <map>

namespace sinus
{
namespace fs = std::filesystem;

namespace
{
/** One of the run's networks with what its model file says about predicting with it. */
struct RunNetwork
{
  Segmenter          model{ nullptr };
  bool               mirror = false;
  MaskPostprocessing postprocessing;
};

RunNetwork
LoadRunNetwork(const fs::path & path)
{
  if (!fs::exists(path))
    throw std::runtime_error(path.string() + " is missing: suggestions need a run whose teacher and student stages finished");
  Json       metadata;
  RunNetwork network;
  network.model = LoadSegmenterModel(path.string(), &metadata);
  network.model->eval();
  network.mirror = ReadTestTimeMirror(metadata, path.string());
  network.postprocessing = MaskPostprocessing::FromModelMetadata(metadata, path.string()).value_or(MaskPostprocessing{});
  return network;
}

/** The candidates (the datalist's unlabelled training images) and the labelled training images,
 *  prepared for both networks. */
SemiSupervisedData
LoadCandidates(const std::string & datalist, const RunNetwork & teacher, const RunNetwork & student, int threads)
{
  if (!fs::exists(datalist))
    throw std::runtime_error(datalist + " is missing: the run was made before runs kept their datalist; give the datalist it was "
                                        "trained on with --datalist");
  DatalistLoadOptions load;
  load.inputSize = std::max(teacher.model->InputSize(), student.model->InputSize());
  load.labelGrids = { teacher.model->LogitSize(), student.model->LogitSize() };
  load.threads = threads;
  SemiSupervisedData data = LoadSemiSupervisedData(datalist, load);
  if (data.unlabelled.empty())
    throw std::runtime_error(datalist + ": no unlabelled training image left to suggest");
  return data;
}

/** The appearance descriptor of a prepared image's first channel. */
std::vector<float>
AppearanceOf(const SegmentationSample & sample)
{
  const torch::Tensor      grey = sample.image[0].to(torch::kFloat32).contiguous();
  const std::vector<float> pixels(grey.data_ptr<float>(), grey.data_ptr<float>() + grey.numel());
  return AppearanceDescriptor(pixels, grey.size(0), grey.size(1));
}

double
MeanOverMask(const float * values, const uint8_t * mask, size_t count, double (*term)(double))
{
  double  sum = 0;
  int64_t inside = 0;
  for (size_t i = 0; i < count; ++i)
    if (mask[i])
    {
      sum += term(values[i]);
      ++inside;
    }
  return inside ? sum / static_cast<double>(inside) : 0.0;
}

double
BinaryEntropyBits(double p)
{
  const double q = std::min(std::max(p, 1e-12), 1.0 - 1e-12);
  return -(q * std::log2(q) + (1.0 - q) * std::log2(1.0 - q));
}

Raster<uint8_t>
UnionOf(const Raster<uint8_t> & a, const Raster<uint8_t> & b)
{
  Raster<uint8_t> u = a;
  for (size_t i = 0; i < u.data.size(); ++i)
    u.data[i] = (a.data[i] || b.data[i]) ? 1 : 0;
  return u;
}

/** The student's mean per-pixel variance over `samples` Monte Carlo feature-dropout passes, over
 *  the union of its clean and its mean mask, per image of the batch. */
std::vector<double>
DropoutVariances(SegmenterImpl & student, const std::vector<SegmentationSample> & batch, const AnnotationSuggestionOptions & options)
{
  torch::NoGradGuard         noGradient;
  std::vector<torch::Tensor> images;
  for (const auto & s : batch)
    images.push_back(s.image);
  const torch::Tensor        input = SegmenterInput(student, torch::stack(images));
  std::vector<torch::Tensor> passes;
  torch::Tensor              clean;
  for (int64_t k = 0; k < options.dropoutSamples; ++k)
  {
    auto [plain, perturbed] = student.LogitsWithPerturbedFeatures(input, options.dropoutRate);
    clean = torch::sigmoid(plain.to(torch::kFloat32));
    passes.push_back(torch::sigmoid(perturbed.to(torch::kFloat32)));
  }
  const torch::Tensor stacked = torch::stack(passes);
  const torch::Tensor variance = stacked.var(0, /*unbiased=*/false);
  const torch::Tensor region = ((clean > 0.5) | (stacked.mean(0) > 0.5)).to(torch::kFloat32);
  const torch::Tensor inside = region.sum({ 1, 2, 3 });
  const torch::Tensor mean = (variance * region).sum({ 1, 2, 3 }) / inside.clamp_min(1);
  std::vector<double> result;
  for (int64_t i = 0; i < mean.size(0); ++i)
    result.push_back(mean[i].item<double>());
  return result;
}

/** The masks both networks give one image, as training's evaluation makes them. */
struct PredictedMasks
{
  Raster<uint8_t> teacher, student;
  Raster<float>   studentProbability;
};

std::vector<PredictedMasks>
PredictMasks(const RunNetwork & teacher, const RunNetwork & student, const std::vector<SegmentationSample> & batch, int64_t batchSize)
{
  const torch::Device              cpu(torch::kCPU);
  const std::vector<Raster<float>> t = PredictOriginalProbabilities(*teacher.model.ptr(), batch, batchSize, cpu, teacher.mirror);
  std::vector<Raster<float>>       s = PredictOriginalProbabilities(*student.model.ptr(), batch, batchSize, cpu, student.mirror);
  std::vector<PredictedMasks>      masks(batch.size());
  for (size_t i = 0; i < batch.size(); ++i)
  {
    masks[i].teacher = ApplyMaskPostprocessing(t[i], teacher.postprocessing);
    masks[i].student = ApplyMaskPostprocessing(s[i], student.postprocessing);
    masks[i].studentProbability = std::move(s[i]);
  }
  return masks;
}

AnnotationCandidate
MeasureCandidate(const SegmentationSample & sample, const PredictedMasks & masks)
{
  AnnotationCandidate c;
  c.name = sample.name;
  const SegmentationMetrics m =
    ComputeSegmentationMetrics(masks.student.data.data(), masks.teacher.data.data(), MaskGrid{ { sample.width, sample.height }, { 1.0, 1.0 } });
  // Exactly one network found nothing: as far apart as two masks can be.
  c.disagreementHD95 = std::isnan(m.hd95.pixels) ? m.diagonal.pixels : m.hd95.pixels;
  c.agreementDice = m.dice;
  const Raster<uint8_t> both = UnionOf(masks.teacher, masks.student);
  c.entropy = MeanOverMask(masks.studentProbability.data.data(), both.data.data(), both.data.size(), BinaryEntropyBits);
  c.appearance = AppearanceOf(sample);
  return c;
}

/** Every candidate measured, a batch at a time so that the probability maps of thousands of
 *  full-resolution radiographs are never held at once. */
std::vector<AnnotationCandidate>
MeasureCandidates(const std::vector<SegmentationSample> & samples, const RunNetwork & teacher, const RunNetwork & student,
                  const AnnotationSuggestionOptions & options)
{
  const bool dropout = options.dropoutSamples > 0 && student.model->PerturbsFeatures();
  // Dropout draws from LibTorch's global generator: seeded once, the batches in a fixed order.
  torch::manual_seed(options.ranking.seed);
  std::vector<AnnotationCandidate> candidates;
  const size_t                     step = static_cast<size_t>(std::max<int64_t>(1, options.batchSize));
  for (size_t begin = 0; begin < samples.size(); begin += step)
  {
    const std::vector<SegmentationSample> batch(samples.begin() + static_cast<std::ptrdiff_t>(begin),
                                                samples.begin() + static_cast<std::ptrdiff_t>(std::min(samples.size(), begin + step)));
    const std::vector<PredictedMasks>     masks = PredictMasks(teacher, student, batch, options.batchSize);
    const std::vector<double>             variances = dropout ? DropoutVariances(*student.model.ptr(), batch, options) : std::vector<double>();
    for (size_t i = 0; i < batch.size(); ++i)
    {
      candidates.push_back(MeasureCandidate(batch[i], masks[i]));
      if (dropout)
        candidates.back().dropoutVariance = variances[i];
    }
    if (options.message)
      options.message("measured " + std::to_string(candidates.size()) + " of " + std::to_string(samples.size()) + " unlabelled images");
  }
  return candidates;
}

std::string
Number(double value)
{
  char text[40];
  std::snprintf(text, sizeof(text), "%.6g", value);
  return text;
}

std::string
FormatSuggestionsCsv(const std::vector<RankedCandidate> & ranking, const std::vector<AnnotationCandidate> & candidates,
                     const std::vector<SegmentationSample> & samples)
{
  std::string csv = "rank,image,file,informativeness,teacher_student_hd95_px,teacher_student_dice,entropy_bits,dropout_variance,"
                    "representativeness,hd95_percentile,dice_percentile,entropy_percentile,dropout_percentile,representativeness_percentile,"
                    "near_duplicate_of,similarity,group,group_candidates,group_labelled,reasons\n";
  for (const RankedCandidate & r : ranking)
  {
    const AnnotationCandidate & c = candidates[r.index];
    csv += std::to_string(r.rank) + "," + QuoteCsvField(c.name) + "," + QuoteCsvField(samples[r.index].source) + "," +
           Number(r.informativeness) + "," + Number(c.disagreementHD95) + "," + Number(c.agreementDice) + "," + Number(c.entropy) + "," +
           (c.dropoutVariance ? Number(*c.dropoutVariance) : "") + "," + Number(r.representativeness) + "," + Number(r.hd95Percentile) + "," +
           Number(r.dicePercentile) + "," + Number(r.entropyPercentile) + "," + (r.dropoutPercentile ? Number(*r.dropoutPercentile) : "") +
           "," + Number(r.representativenessPercentile) + "," +
           QuoteCsvField(r.nearDuplicateOf) + "," + Number(r.similarity) + "," +
           (r.group >= 0 ? std::to_string(r.group) + "," + std::to_string(r.groupCandidates) + "," + std::to_string(r.groupLabelled) : ",,") +
           "," + QuoteCsvField(r.reasons) + "\n";
  }
  return csv;
}

Json
SuggestionsJson(const std::vector<RankedCandidate> & ranking, const std::vector<AnnotationCandidate> & candidates,
                const std::vector<SegmentationSample> & samples, const AnnotationSuggestionOptions & options, const std::string & datalist,
                bool dropout)
{
  const AnnotationRankingOptions & o = options.ranking;
  Json                             j = Json::object();
  j["run"] = fs::absolute(options.runDirectory).lexically_normal().string();
  j["datalist"] = fs::absolute(datalist).lexically_normal().string();
  j["strategy"] = ToString(o.strategy);
  j["count"] = o.count;
  j["seed"] = o.seed;
  j["max_similarity"] = o.maxSimilarity;
  j["weights"] = { { "hd95", o.weightHD95 }, { "dice", o.weightDice }, { "entropy", o.weightEntropy }, { "dropout", o.weightDropout },
                   { "representativeness", o.weightRepresentativeness } };
  j["density_neighbours"] = o.densityNeighbours;
  j["dropout"] = dropout ? Json{ { "samples", options.dropoutSamples }, { "rate", options.dropoutRate } } : Json(nullptr);
  j["candidates"] = static_cast<int64_t>(candidates.size());
  Json list = Json::array();
  for (const RankedCandidate & r : ranking)
  {
    const AnnotationCandidate & c = candidates[r.index];
    Json                        e = Json::object();
    e["rank"] = r.rank;
    e["image"] = c.name;
    e["file"] = samples[r.index].source;
    e["informativeness"] = r.informativeness;
    e["teacher_student_hd95_px"] = c.disagreementHD95;
    e["teacher_student_dice"] = c.agreementDice;
    e["entropy_bits"] = c.entropy;
    e["dropout_variance"] = c.dropoutVariance ? Json(*c.dropoutVariance) : Json(nullptr);
    e["representativeness"] = r.representativeness;
    e["percentiles"] = { { "hd95", r.hd95Percentile },
                         { "dice", r.dicePercentile },
                         { "entropy", r.entropyPercentile },
                         { "dropout", r.dropoutPercentile ? Json(*r.dropoutPercentile) : Json(nullptr) },
                         { "representativeness", r.representativenessPercentile } };
    if (!r.nearDuplicateOf.empty())
      e["near_duplicate_of"] = r.nearDuplicateOf;
    e["similarity"] = r.similarity;
    if (r.group >= 0)
      e["group"] = { { "index", r.group }, { "candidates", r.groupCandidates }, { "labelled", r.groupLabelled } };
    e["reasons"] = r.reasons;
    list.push_back(e);
  }
  j["ranking"] = list;
  return j;
}

/** The picks' overlays and VIA annotations (the student's polygons) into the staging folder. */
std::vector<ViaImageAnnotation>
WritePickPictures(const std::vector<RankedCandidate> & picks, const std::vector<SegmentationSample> & samples, const RunNetwork & teacher,
                  const RunNetwork & student, const AnnotationSuggestionOptions & options, const fs::path & folder)
{
  std::vector<SegmentationSample>    chosen;
  std::map<std::string, std::string> byFileName;
  for (const RankedCandidate & r : picks)
  {
    const std::string & file = samples[r.index].source;
    const auto          other = byFileName.emplace(fs::path(file).filename().string(), file);
    if (!other.second)
      throw std::runtime_error("suggested " + other.first->second + " and " + file +
                               " share a file name, which VIA matches images by: rename one of them");
    chosen.push_back(samples[r.index]);
  }
  const std::vector<PredictedMasks> masks = PredictMasks(teacher, student, chosen, options.batchSize);
  fs::create_directories(folder / "overlays");
  std::vector<ViaImageAnnotation> via;
  for (size_t i = 0; i < chosen.size(); ++i)
  {
    const SegmentationSample & s = chosen[i];
    char                       prefix[16];
    std::snprintf(prefix, sizeof(prefix), "%03lld_", static_cast<long long>(picks[i].rank));
    WriteRgbPng(OverlayOutlines(ReadGreyForDisplay(s.source), masks[i].student, masks[i].teacher),
                (folder / "overlays" / (prefix + fs::path(s.source).stem().string() + ".png")).string());
    ViaImageAnnotation annotation;
    annotation.filename = fs::path(s.source).filename().string();
    annotation.fileSize = static_cast<int64_t>(fs::file_size(s.source));
    annotation.fileAttributes["suggestion_rank"] = std::to_string(picks[i].rank);
    annotation.fileAttributes["suggestion_reasons"] = picks[i].reasons;
    // VIA polygons have no holes: a hole in the student's mask is filled, and said so.
    int holes = 0;
    for (const Polygon2 & polygon : TraceMaskPolygons(masks[i].student, options.polygonTolerance, &holes))
    {
      ViaRegion region;
      region.shape = MakePolygonShape(polygon);
      region.attributes["label"] = options.regionLabel;
      annotation.regions.push_back(region);
    }
    if (holes > 0)
      annotation.fileAttributes["holes_filled"] = std::to_string(holes);
    via.push_back(std::move(annotation));
  }
  return via;
}
} // namespace

AnnotationSuggestionSummary
SuggestAnnotations(const AnnotationSuggestionOptions & options)
{
  options.ranking.Validate();
  if (options.dropoutSamples < 0 || options.dropoutSamples == 1 || !(options.dropoutRate > 0 && options.dropoutRate < 1))
    throw std::invalid_argument("Monte Carlo dropout needs 0 (off) or at least 2 passes at a rate in (0, 1)");
  // Created first, so that an output folder in the way is refused before any work.
  StagingDirectory  staging(options.outputDirectory);
  const fs::path    run(options.runDirectory);
  const std::string datalist = options.datalistPath.empty() ? RunDatalistPath(options.runDirectory) : options.datalistPath;
  const RunNetwork  teacher = LoadRunNetwork(run / "teacher.sinusseg");
  const RunNetwork  student = LoadRunNetwork(run / "student.sinusseg");
  const SemiSupervisedData               data = LoadCandidates(datalist, teacher, student, options.threads);
  const std::vector<SegmentationSample> & samples = data.unlabelled;
  const std::vector<AnnotationCandidate>  candidates = MeasureCandidates(samples, teacher, student, options);
  std::vector<std::vector<float>>         labelled;
  for (const SegmentationSample & s : data.labelled)
    labelled.push_back(AppearanceOf(s));
  const std::vector<RankedCandidate> ranking = RankAnnotationCandidates(candidates, options.ranking, labelled);

  AnnotationSuggestionSummary summary;
  summary.candidates = static_cast<int64_t>(candidates.size());
  std::vector<RankedCandidate> picks;
  std::string                  files;
  for (const RankedCandidate & r : ranking)
  {
    if (r.rank > 0)
    {
      picks.push_back(r);
      summary.picks.push_back(samples[r.index].source);
      files += samples[r.index].source + "\n";
    }
    summary.nearDuplicatesSkipped += !r.nearDuplicateOf.empty();
  }
  const bool dropout = !candidates.empty() && candidates.front().dropoutVariance.has_value();
  WriteFileAtomically(staging.Path() / "suggestions.csv", FormatSuggestionsCsv(ranking, candidates, samples));
  WriteFileAtomically(staging.Path() / "suggestions.json", SuggestionsJson(ranking, candidates, samples, options, datalist, dropout).dump(2) + "\n");
  WriteFileAtomically(staging.Path() / "via_project.csv", FormatViaCsv(WritePickPictures(picks, samples, teacher, student, options, staging.Path())));
  WriteFileAtomically(staging.Path() / "images.txt", files);
  staging.Commit();
  return summary;
}

} // namespace sinus
