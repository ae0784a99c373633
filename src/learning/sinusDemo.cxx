// SPDX-License-Identifier: Apache-2.0
#include "sinusDemo.h"

#include "sinus/FileUtilities.h"
#include "sinusEvaluation.h"
#include "sinusTrainingReport.h"
#include "sinusViaImport.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>

namespace sinus
{
namespace fs = std::filesystem;

void
DemoOptions::Validate() const
{
  if (count < 10)
    throw std::invalid_argument("--count must be at least 10 (labelled, unlabelled, validation and test images are all needed)");
  if (!(labelledFraction > 0 && labelledFraction <= 1))
    throw std::invalid_argument("--labelled-fraction must lie in (0, 1]");
  config.Validate();
}

std::string
DemoCommandLine(const DemoOptions & o)
{
  char text[400];
  std::snprintf(text, sizeof(text), "sinusseg demo --out %s --count %d --size %lldx%lld --seed %llu --labelled-fraction %g",
                o.outputDirectory.c_str(), o.count, static_cast<long long>(o.width), static_cast<long long>(o.height),
                static_cast<unsigned long long>(o.seed), o.labelledFraction);
  std::string command = text;
  for (const auto & argument : o.trainingArguments)
    command += " " + argument;
  return command;
}

namespace
{
using Clock = std::chrono::steady_clock;

double
SecondsSince(Clock::time_point start)
{
  return std::chrono::duration<double>(Clock::now() - start).count();
}

/** An earlier demo's output is replaced; any other non-empty folder is refused. */
void
ClearEarlierDemo(const std::string & out)
{
  if (!fs::exists(out) || fs::is_empty(out))
    return;
  if (!fs::exists(fs::path(out) / "sinusseg-demo.json"))
    throw std::runtime_error(out + ": folder exists, is not empty and is not an earlier demo output; choose another --out");
  RemoveTree(out);
}

PhantomDatasetSummary
MakePhantoms(const DemoOptions & o, const fs::path & folder)
{
  PhantomDatasetOptions phantoms;
  phantoms.outputDirectory = (folder / "phantoms").string();
  phantoms.count = o.count;
  phantoms.width = o.width;
  phantoms.height = o.height;
  phantoms.seed = o.seed;
  phantoms.labeledFraction = o.labelledFraction;
  phantoms.threads = o.threads;
  phantoms.previewPath = (folder / "phantoms_preview.png").string();
  return WritePhantomDataset(phantoms);
}

/** The VIA CSV rasterised back must reproduce the masks; returns the mean and minimum Dice. */
std::pair<double, double>
CheckViaRoundTrip(const fs::path & folder)
{
  ViaImportOptions via;
  via.csvPath = (folder / "phantoms" / "annotations_via.csv").string();
  via.imagesDirectory = (folder / "phantoms" / "images").string();
  via.outputDirectory = (folder / "via_masks").string();
  ImportViaAnnotations(via);
  std::vector<EvaluationCase> cases = PairEvaluationCases(via.outputDirectory, (folder / "phantoms" / "masks").string());
  EvaluateCases(cases, EvaluationOptions{});
  double minimum = 1, sum = 0;
  for (const auto & c : cases)
  {
    minimum = std::min(minimum, c.metrics.dice);
    sum += c.metrics.dice;
  }
  WriteFileAtomically(folder / "via_round_trip_metrics.csv", FormatEvaluationCsv(cases));
  return { sum / static_cast<double>(std::max<size_t>(cases.size(), 1)), minimum };
}

const PipelineResult &
TrainOnPhantoms(const DemoOptions & o, const fs::path & folder, const DemoCallbacks & callbacks,
                itk::SemiSupervisedSegmentationTrainer * trainer)
{
  trainer->SetDatalistFileName((folder / "phantoms" / "dataset.json").string());
  trainer->SetOutputDirectory((folder / "training").string());
  trainer->SetConfiguration(o.config);
  trainer->SetDevice(o.device);
  trainer->SetInitCheckpoint(o.initCheckpoint);
  trainer->SetPretrained(o.pretrained);
  trainer->SetNumberOfWorkUnits(static_cast<unsigned>(std::max(o.threads, 1)));
  if (callbacks.runTrainer)
    return callbacks.runTrainer(trainer);
  trainer->Update();
  return trainer->GetResult();
}

std::string
Discussion(const DemoResult & r)
{
  std::string          text = "## Reading this report\n\n";
  const ModelSummary * teacher = nullptr;
  const ModelSummary * student = nullptr;
  for (const auto & s : r.training.summaries)
    (s.model == "teacher" ? teacher : student) = &s;
  if (teacher && student)
    text += std::string("The student ") + (student->dice.mean > teacher->dice.mean ? "beats" : "does not beat") +
            " the teacher on Dice (" + std::to_string(student->dice.mean) + " vs " + std::to_string(teacher->dice.mean) + ") and " +
            (student->hd95Pixels.mean < teacher->hd95Pixels.mean ? "has the lower" : "does not have the lower") + " mean HD95 (" +
            std::to_string(student->hd95Pixels.mean) + " vs " + std::to_string(teacher->hd95Pixels.mean) + " px). ";
  text += "Both networks are trained from scratch on the CPU (no pretrained MedSAM weights can be downloaded here), on " +
          std::to_string(r.phantoms.labeled) + " labelled and " + std::to_string(r.phantoms.unlabeled) + " unlabelled phantoms, and scored on " +
          std::to_string(r.phantoms.test) +
          " held-out phantoms: a test of the whole pipeline, not a reproduction of the paper's numbers. The student gets the unlabelled "
          "images through the teacher's refined pseudo-labels and its logits (weighted KD); with so few test images, differences of a "
          "few hundredths are within the run-to-run spread of a different seed.\n";
  return text;
}

void
WriteDemoReport(const DemoOptions & o, const DemoResult & r, const fs::path & folder)
{
  char timing[200];
  std::snprintf(timing, sizeof(timing), "%.0f s in all (training %.0f s) on %d threads", r.totalSeconds, r.trainingSeconds, o.threads);
  TrainingReportOptions report;
  report.outputDirectory = (folder / "training").string();
  report.title = "SinusSeg demo: semi-supervised sinus segmentation on phantoms";
  report.command = r.command;
  report.facts = { { "data", std::to_string(r.phantoms.labeled) + " labelled + " + std::to_string(r.phantoms.unlabeled) +
                               " unlabelled training, " + std::to_string(r.phantoms.validation) + " validation, " +
                               std::to_string(r.phantoms.test) + " test phantoms, " + std::to_string(o.width) + "x" + std::to_string(o.height) },
                   { "preset", o.config.preset + " (teacher " + std::to_string(o.config.teacher.epochs) + " epochs, refiner " +
                                 std::to_string(o.config.refinerTraining.epochs) + ", student " + std::to_string(o.config.student.epochs) + ")" },
                   { "time", timing } };
  report.discussion = Discussion(r);
  WriteTrainingReport(r.training, report);
  // report.md sits at the top of the output; its pictures stay next to the training files.
  std::string md = ReadTextFile(folder / "training" / "report.md");
  for (const std::string link : { "](loss_curves.png)", "](overlays/" })
    for (size_t at = md.find(link); at != std::string::npos; at = md.find(link, at + 1))
      md.insert(at + 2, "training/");
  WriteFileAtomically(folder / "report.md", md);
}

Json
DemoSummaryJson(const DemoOptions & o, const DemoResult & r)
{
  Json j = Json::object();
  j["command"] = r.command;
  j["threads"] = o.threads;
  j["phantom_seconds"] = r.phantoms.seconds;
  j["via_round_trip_dice_mean"] = r.viaRoundTripDiceMean;
  j["training_seconds"] = r.trainingSeconds;
  for (const auto & s : r.training.summaries)
  {
    Json m = Json::object();
    m["dice_mean"] = s.dice.mean;
    m["recall_mean"] = s.recall.mean;
    m["precision_mean"] = s.precision.mean;
    m["hd95_px_mean"] = s.hd95Pixels.mean;
    j[s.model] = m;
  }
  j["total_seconds"] = r.totalSeconds;
  return j;
}
} // namespace

DemoResult
RunDemo(const DemoOptions & options, const DemoCallbacks & callbacks)
{
  options.Validate();
  const auto say = [&](const std::string & line) {
    if (callbacks.onLine)
      callbacks.onLine(line);
  };
  const auto start = Clock::now();
  ClearEarlierDemo(options.outputDirectory);
  StagingDirectory staging(options.outputDirectory);
  DemoResult       r;
  r.command = DemoCommandLine(options);
  say("[1/3] generating " + std::to_string(options.count) + " phantom radiographs (" + std::to_string(options.width) + "x" +
      std::to_string(options.height) + ")");
  r.phantoms = MakePhantoms(options, staging.Path());
  say("      " + std::to_string(r.phantoms.labeled) + " labelled + " + std::to_string(r.phantoms.unlabeled) + " unlabelled training, " +
      std::to_string(r.phantoms.validation) + " validation, " + std::to_string(r.phantoms.test) + " test images");
  say("[2/3] VIA CSV round trip (masks -> polygons -> masks)");
  std::tie(r.viaRoundTripDiceMean, r.viaRoundTripDiceMin) = CheckViaRoundTrip(staging.Path());
  say("      re-imported vs original masks: Dice mean " + std::to_string(r.viaRoundTripDiceMean) + ", min " + std::to_string(r.viaRoundTripDiceMin));
  say("[3/3] semi-supervised training, preset " + options.config.preset + " on " + options.device + ", " + std::to_string(options.threads) +
      " threads: teacher -> pseudo-labels -> SinusCycle-GAN refinement -> student -> evaluation");
  const auto trainingStart = Clock::now();
  auto       trainer = itk::SemiSupervisedSegmentationTrainer::New();
  r.training = TrainOnPhantoms(options, staging.Path(), callbacks, trainer);
  r.trainingSeconds = SecondsSince(trainingStart);
  r.totalSeconds = SecondsSince(start);
  WriteDemoReport(options, r, staging.Path());
  WriteFileAtomically(staging.Path() / "sinusseg-demo.json", DemoSummaryJson(options, r).dump(2) + "\n");
  staging.Commit();
  return r;
}

} // namespace sinus
