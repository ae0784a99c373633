// sinusseg demo: the main job on built-in phantom data. Phantom radiographs -> VIA CSV round
// trip -> the whole semi-supervised method (MedSAM-shaped teacher, pseudo-labels, SinusCycle-GAN
// refinement, student) with the small preset on the CPU -> evaluation of teacher and student on
// held-out phantoms -> report.md with overlays and loss curves.
#include "SinusSegCommand.h"
#include "TrainingJobs.h"

#include "sinus/FileUtilities.h"
#include "sinus/Json.h"
#include "sinusEvaluation.h"
#include "sinusPhantomDataset.h"
#include "sinusTrainingReport.h"
#include "sinusViaImport.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iomanip>
#include <iostream>

namespace sinusseg
{
namespace fs = std::filesystem;

int
RunDemo(const std::vector<std::string> & args)
{
  namespace po = boost::program_options;
  std::string             out = "sinusseg-demo";
  std::string             size = "1024x512";
  int                     count = 60;
  double                  labelledFraction = 0.3;
  uint64_t                seed = 0;
  TrainingSettings        settings;
  po::options_description desc("Options");
  desc.add_options()
    ("out", po::value(&out)->default_value(out), "output folder; a previous demo output there is replaced")
    ("count", po::value(&count)->default_value(count), "number of phantoms")
    ("size", po::value(&size)->default_value(size), "phantom size WIDTHxHEIGHT")
    ("labelled-fraction", po::value(&labelledFraction)->default_value(labelledFraction), "fraction of the training images with labels")
    ("seed", po::value(&seed)->default_value(0), "data-set seed");
  settings.AddOptions(desc);
  po::variables_map values;
  if (!ParseCommandLine("demo", "[options]", desc, args, values))
  {
    return 0;
  }
  const auto [width, height] = ParseSize(size, "size");
  if (count < 10)
  {
    throw UsageError("--count must be at least 10 (labelled, unlabelled, validation and test images are all needed)");
  }
  const sinus::SemiSupervisedConfig config = settings.Resolve();
  const int                         torchThreads = ConfigureThreads(settings.threads);
  const auto                        clock = [] { return std::chrono::steady_clock::now(); };
  const auto                        seconds = [](auto a, auto b) { return std::chrono::duration<double>(b - a).count(); };
  const auto                        start = clock();

  const fs::path marker = fs::path(out) / "sinusseg-demo.json";
  if (fs::exists(out) && !fs::is_empty(out))
  {
    if (!fs::exists(marker))
    {
      throw std::runtime_error(out + ": folder exists, is not empty and is not an earlier demo output; choose "
                                     "another --out");
    }
    fs::remove_all(out);
  }
  sinus::StagingDirectory staging(out);
  sinus::Json             report = sinus::Json::Object();
  std::string             command = "sinusseg demo --out " + out + " --count " + std::to_string(count) + " --size " + size +
                        " --seed " + std::to_string(seed);
  // The other options as given, so report.md shows how to make the same run again.
  for (size_t i = 0; i < args.size(); ++i)
  {
    const bool shown = args[i] == "--out" || args[i] == "--count" || args[i] == "--size" || args[i] == "--seed";
    const bool hasValue = i + 1 < args.size() && args[i + 1].rfind("--", 0) != 0;
    if (!shown && args[i].rfind("--", 0) == 0)
      command += " " + args[i] + (hasValue ? " " + args[i + 1] : std::string());
    if (hasValue)
      ++i;
  }
  report["command"] = command;
  report["threads"] = torchThreads;

  // 1. Phantom data set.
  std::cout << "[1/3] generating " << count << " phantom radiographs (" << width << "x" << height << ")" << std::endl;
  sinus::PhantomDatasetOptions phantomOptions;
  phantomOptions.outputDirectory = (staging.Path() / "phantoms").string();
  phantomOptions.count = count;
  phantomOptions.width = width;
  phantomOptions.height = height;
  phantomOptions.seed = seed;
  phantomOptions.labeledFraction = labelledFraction;
  phantomOptions.threads = settings.threads;
  phantomOptions.previewPath = (staging.Path() / "phantoms_preview.png").string();
  const sinus::PhantomDatasetSummary phantoms = sinus::WritePhantomDataset(phantomOptions);
  std::cout << "      " << phantoms.labeled << " labelled + " << phantoms.unlabeled << " unlabelled training, "
            << phantoms.validation << " validation, " << phantoms.test << " test images in " << std::fixed
            << std::setprecision(1) << phantoms.seconds << " s" << std::endl;
  report["phantom_seconds"] = phantoms.seconds;

  // 2. VIA round trip: the annotation CSV rasterised back must reproduce the masks.
  std::cout << "[2/3] VIA CSV round trip (masks -> polygons -> masks)" << std::endl;
  sinus::ViaImportOptions viaOptions;
  viaOptions.csvPath = (staging.Path() / "phantoms" / "annotations_via.csv").string();
  viaOptions.imagesDirectory = (staging.Path() / "phantoms" / "images").string();
  viaOptions.outputDirectory = (staging.Path() / "via_masks").string();
  sinus::ImportViaAnnotations(viaOptions);
  std::vector<sinus::EvaluationCase> cases = sinus::PairEvaluationCases(viaOptions.outputDirectory,
                                                                        (staging.Path() / "phantoms" / "masks").string());
  sinus::EvaluateCases(cases, sinus::EvaluationOptions{});
  double minDice = 1, sumDice = 0;
  for (const auto & c : cases)
  {
    minDice = std::min(minDice, c.metrics.dice);
    sumDice += c.metrics.dice;
  }
  sinus::WriteFileAtomically(staging.Path() / "via_round_trip_metrics.csv", sinus::FormatEvaluationCsv(cases));
  std::cout << "      re-imported vs original masks: Dice mean " << std::setprecision(6) << sumDice / count << ", min " << minDice
            << std::endl;
  report["via_round_trip_dice_mean"] = sumDice / count;

  // 3. The semi-supervised method, evaluated on the held-out phantoms.
  std::cout << "[3/3] semi-supervised training, preset " << config.preset << " on " << settings.device << ", " << torchThreads
            << " threads: teacher -> pseudo-labels -> SinusCycle-GAN refinement -> student -> evaluation" << std::endl;
  const fs::path training = staging.Path() / "training";
  auto           trainer = itk::SemiSupervisedSegmentationTrainer::New();
  trainer->SetDatalistFileName((staging.Path() / "phantoms" / "dataset.json").string());
  trainer->SetOutputDirectory(training.string());
  trainer->SetConfiguration(config);
  trainer->SetDevice(settings.device);
  trainer->SetInitCheckpoint(settings.initCheckpoint);
  trainer->SetNumberOfWorkUnits(static_cast<unsigned>(torchThreads));
  const auto                    trainingStart = clock();
  const sinus::PipelineResult & result = RunTrainerWithProgress(trainer);
  const double                  trainingSeconds = seconds(trainingStart, clock());
  report["training_seconds"] = trainingSeconds;

  std::vector<std::pair<std::string, sinus::ModelSummary>> rows;
  for (const auto & s : result.summaries)
  {
    rows.emplace_back(s.model, s);
    sinus::Json m = sinus::Json::Object();
    m["dice_mean"] = s.dice.mean;
    m["recall_mean"] = s.recall.mean;
    m["precision_mean"] = s.precision.mean;
    m["hd95_px_mean"] = s.hd95Pixels.mean;
    report[s.model] = m;
  }
  const double totalSeconds = seconds(start, clock());
  report["total_seconds"] = totalSeconds;
  char timing[200];
  std::snprintf(timing, sizeof(timing), "%.0f s in all (training %.0f s) on %d threads", totalSeconds, trainingSeconds, torchThreads);

  std::string discussion = "## Reading this report\n\n";
  const sinus::ModelSummary * teacher = nullptr;
  const sinus::ModelSummary * student = nullptr;
  for (const auto & s : result.summaries)
    (s.model == "teacher" ? teacher : student) = &s;
  if (teacher && student)
  {
    const bool better = student->dice.mean > teacher->dice.mean;
    discussion += std::string("The student ") + (better ? "beats" : "does not beat") + " the teacher on Dice (" +
                  std::to_string(student->dice.mean) + " vs " + std::to_string(teacher->dice.mean) + ") and " +
                  (student->hd95Pixels.mean < teacher->hd95Pixels.mean ? "has the lower" : "does not have the lower") + " mean HD95 (" +
                  std::to_string(student->hd95Pixels.mean) + " vs " + std::to_string(teacher->hd95Pixels.mean) + " px). ";
  }
  discussion += "Both networks are trained from scratch on the CPU with the small preset (no pretrained MedSAM weights can be "
                "downloaded here), on " + std::to_string(phantoms.labeled) + " labelled and " + std::to_string(phantoms.unlabeled) +
                " unlabelled phantoms, and scored on " + std::to_string(phantoms.test) +
                " held-out phantoms: a test of the whole pipeline, not a reproduction of the paper's numbers. The student gets "
                "the unlabelled images through the teacher's refined pseudo-labels and its logits (weighted KD); with so few test "
                "images, differences of a few hundredths are within the run-to-run spread of a different seed.\n";

  sinus::TrainingReportOptions reportOptions;
  reportOptions.outputDirectory = training.string();
  reportOptions.title = "SinusSeg demo: semi-supervised sinus segmentation on phantoms";
  reportOptions.command = command;
  reportOptions.facts = { { "data", std::to_string(phantoms.labeled) + " labelled + " + std::to_string(phantoms.unlabeled) +
                                      " unlabelled training, " + std::to_string(phantoms.validation) + " validation, " +
                                      std::to_string(phantoms.test) + " test phantoms, " + size },
                          { "preset", config.preset + " (teacher " + std::to_string(config.teacher.epochs) + " epochs, refiner " +
                                        std::to_string(config.refinerTraining.epochs) + ", student " +
                                        std::to_string(config.student.epochs) + ")" },
                          { "time", timing } };
  reportOptions.discussion = discussion;
  sinus::WriteTrainingReport(result, reportOptions);
  // report.md sits at the top of the output; its pictures stay next to the training files.
  std::string md = sinus::ReadTextFile(training / "report.md");
  for (const std::string link : { "](loss_curves.png)", "](overlays/" })
    for (size_t at = md.find(link); at != std::string::npos; at = md.find(link, at + 1))
      md.insert(at + 2, "training/");
  sinus::WriteFileAtomically(staging.Path() / "report.md", md);
  sinus::WriteFileAtomically(staging.Path() / "sinusseg-demo.json", report.Dump(2) + "\n");
  staging.Commit();

  std::cout << "\n" << FormatSummaryTable(rows) << "\n"
            << timing << "\n"
            << "demo output in " << out << "/: report.md (table, overlays, loss curves), training/ (model files "
            << "teacher.sinusseg, refiner.sinusseg, student.sinusseg; CSV logs; evaluation.csv/json), phantoms/, via_masks/\n"
            << "segment a radiograph with the student: sinusseg predict --model " << (fs::path(out) / "training" / "student.sinusseg").string()
            << " --input IMAGE --output MASK.png" << std::endl;
  return 0;
}

} // namespace sinusseg
