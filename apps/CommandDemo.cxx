// SPDX-License-Identifier: Apache-2.0
// sinusseg demo: the main job on built-in phantom data. Phantom radiographs -> VIA CSV round
// trip -> the whole semi-supervised method (MedSAM-shaped teacher, pseudo-labels, SinusCycle-GAN
// refinement, student) with the small preset on the CPU -> evaluation of teacher and student on
// held-out phantoms -> report.md with overlays and loss curves.
#include "SinusSegCommand.h"
#include "TrainingJobs.h"

#include "sinusDemo.h"

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <tuple>

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
    ("labelled-fraction", po::value(&labelledFraction)->default_value(labelledFraction), "fraction of the training images with labels (also spelt --labeled-fraction)")
    ("seed", po::value(&seed)->default_value(0), "data-set seed");
  settings.AddOptions(desc);
  po::variables_map values;
  if (!ParseCommandLine("demo", "[options]", desc, args, values))
  {
    return 0;
  }
  sinus::DemoOptions demo;
  std::tie(demo.width, demo.height) = ParseSize(size, "size");
  demo.outputDirectory = out;
  demo.count = count;
  demo.labelledFraction = labelledFraction;
  demo.seed = seed;
  demo.config = settings.Resolve();
  demo.device = settings.device;
  demo.initCheckpoint = settings.initCheckpoint;
  demo.pretrained = settings.pretrained;
  demo.trainingArguments = settings.Arguments();
  try
  {
    demo.Validate();
  }
  catch (const std::invalid_argument & e)
  {
    throw UsageError(e.what());
  }
  demo.threads = ConfigureThreads(settings.threads);
  sinus::DemoCallbacks callbacks;
  callbacks.onLine = [](const std::string & line) { std::cout << line << std::endl; };
  callbacks.runTrainer = [](itk::SemiSupervisedSegmentationTrainer * trainer) -> const sinus::PipelineResult & {
    return RunTrainerWithProgress(trainer);
  };
  const sinus::DemoResult result = sinus::RunDemo(demo, callbacks);
  std::vector<std::pair<std::string, sinus::ModelSummary>> rows;
  for (const auto & s : result.training.summaries)
    rows.emplace_back(s.model, s);
  std::printf("\n%s\n%.0f s in all (training %.0f s) on %d threads\n", sinus::FormatSummaryTable(rows, "model", sinus::SummaryTableStyle::Text).c_str(),
              result.totalSeconds, result.trainingSeconds, demo.threads);
  std::cout << "demo output in " << out << "/: report.md (table, overlays, loss curves), training/ (model files "
            << "teacher.sinusseg, refiner.sinusseg, student.sinusseg; CSV logs; evaluation.csv/json), phantoms/, via_masks/\n"
            << "segment a radiograph with the student: sinusseg predict --model " << (fs::path(out) / "training" / "student.sinusseg").string()
            << " --input IMAGE --output MASK.png" << std::endl;
  return 0;
}

} // namespace sinusseg
