// SPDX-License-Identifier: Apache-2.0
// Evaluation of teacher and student on the test list, on the radiographs' own grids, each with the
// postprocessing chosen for it on the validation images.
#include "PipelineStages.h"

#include "sinus/FileUtilities.h"

namespace sinus
{
namespace fs = std::filesystem;

namespace
{
std::vector<EvaluatedCase>
ScoreProbabilities(const std::vector<Raster<float>> & probabilities, const std::string & modelName,
                   const std::vector<SegmentationSample> & samples, const MaskPostprocessing & postprocessing)
{
  std::vector<EvaluatedCase> cases;
  for (size_t i = 0; i < samples.size(); ++i)
  {
    const SegmentationSample & s = samples[i];
    if (s.fullLabel.Empty())
      throw std::invalid_argument("evaluation: test image " + s.name + " has no label");
    EvaluatedCase c;
    c.model = modelName;
    c.name = s.name;
    c.source = s.source;
    c.reference = s.fullLabel;
    c.prediction = ApplyMaskPostprocessing(probabilities[i], postprocessing);
    c.metrics = ComputeSegmentationMetrics(c.prediction.data.data(), s.fullLabel.data.data(), MaskGrid{ { s.width, s.height }, s.spacing });
    cases.push_back(std::move(c));
  }
  return cases;
}

} // namespace

PipelineResult
RunEvaluationStage(const StageContext & context)
{
  PipelineResult result;
  result.outputDirectory = context.folder.Root().string();
  if (context.data.test.empty())
  {
    context.Message(PipelineStage::Evaluation, "the datalist has no test images: nothing to evaluate");
    return result;
  }
  Json postprocessingReport = Json::object();
  for (const std::string name : { "teacher", "student" })
  {
    const fs::path path = context.folder.File(name + ".sinusseg");
    if (!fs::exists(path))
    {
      context.Message(PipelineStage::Evaluation, path.string() + " does not exist: " + name + " not evaluated");
      continue;
    }
    Json      metadata;
    Segmenter model = LoadStageSegmenter(context, path, PipelineStage::Evaluation, &metadata);
    Json      report = Json::object();
    const bool               mirror = context.config.testTimeMirror;
    const MaskPostprocessing postprocessing =
      ChooseAndStorePostprocessing(context, PipelineStage::Evaluation, path, *model, metadata, name, mirror, &report);
    const std::vector<Raster<float>> probabilities =
      PredictOriginalProbabilities(*model, context.data.test, context.config.predictionBatch, context.device, mirror);
    auto cases = ScoreProbabilities(probabilities, name, context.data.test, postprocessing);
    if (!postprocessing.Plain())
    {
      // The plain threshold's figures beside the chosen ones: what the postprocessing changed.
      const ModelSummary plain = SummarizeModel(ScoreProbabilities(probabilities, name, context.data.test, MaskPostprocessing{}), name);
      report["test_plain"] = ModelSummaryToJson(plain);
      context.Message(PipelineStage::Evaluation, "with the plain > 0.5 instead: " + FormatSummaryLine(plain));
    }
    if (!report.empty())
      postprocessingReport[name] = report;
    result.summaries.push_back(SummarizeModel(cases, name));
    for (auto & c : cases)
      result.cases.push_back(std::move(c));
    context.Progress(PipelineStage::Evaluation, name == "teacher" ? 1 : 2, 2);
  }
  Json evaluation = EvaluationToJson(result.cases, result.summaries);
  evaluation["postprocessing"] = postprocessingReport;
  evaluation["test_time_mirror"] = context.config.testTimeMirror;
  WriteFileAtomically(context.folder.File("evaluation.csv"), FormatEvaluationTableCsv(result.cases));
  WriteFileAtomically(context.folder.File("evaluation.json"), evaluation.dump(2) + "\n");
  for (const auto & s : result.summaries)
    context.Message(PipelineStage::Evaluation, FormatSummaryLine(s));
  return result;
}

} // namespace sinus
