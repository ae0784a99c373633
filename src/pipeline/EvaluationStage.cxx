// SPDX-License-Identifier: Apache-2.0
// Evaluation of teacher and student on the test list, on the radiographs' own grids.
#include "PipelineStages.h"

#include "sinus/FileUtilities.h"

namespace sinus
{
namespace fs = std::filesystem;

std::vector<EvaluatedCase>
EvaluateModelOnSamples(SegmenterImpl & model, const std::string & modelName, const std::vector<SegmentationSample> & samples,
                       int64_t batchSize, const torch::Device & device)
{
  const torch::Tensor        logits = PredictSampleLogits(model, samples, batchSize, device);
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
    c.prediction = LogitsToOriginalMask(logits[static_cast<int64_t>(i)], s.height, s.width);
    c.metrics = ComputeSegmentationMetrics(c.prediction.data.data(), s.fullLabel.data.data(), MaskGrid{ { s.width, s.height }, s.spacing });
    cases.push_back(std::move(c));
  }
  return cases;
}

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
  for (const std::string name : { "teacher", "student" })
  {
    const fs::path path = context.folder.File(name + ".sinusseg");
    if (!fs::exists(path))
    {
      context.Message(PipelineStage::Evaluation, path.string() + " does not exist: " + name + " not evaluated");
      continue;
    }
    Segmenter model = LoadStageSegmenter(context, path, PipelineStage::Evaluation);
    auto      cases = EvaluateModelOnSamples(*model, name, context.data.test, context.config.predictionBatch, context.device);
    result.summaries.push_back(SummarizeModel(cases, name));
    for (auto & c : cases)
      result.cases.push_back(std::move(c));
    context.Progress(PipelineStage::Evaluation, name == "teacher" ? 1 : 2, 2);
  }
  WriteFileAtomically(context.folder.File("evaluation.csv"), FormatEvaluationTableCsv(result.cases));
  WriteFileAtomically(context.folder.File("evaluation.json"), EvaluationToJson(result.cases, result.summaries).dump(2) + "\n");
  for (const auto & s : result.summaries)
    context.Message(PipelineStage::Evaluation, FormatSummaryLine(s));
  return result;
}

} // namespace sinus
