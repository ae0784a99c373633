// sinusseg demo: the main job on the built-in phantom data. It runs every stage that exists so
// far: phantom data set -> VIA CSV round trip -> MedSAM preprocessing; the learning stages
// (teacher, SinusCycle-GAN refinement, student) join here as they land.
#include "SinusSegCommand.h"

#include "itkMedSAMPreprocessImageFilter.h"
#include "sinus/FileUtilities.h"
#include "sinus/Json.h"
#include "sinusEvaluation.h"
#include "sinusImageIO.h"
#include "sinusPhantomDataset.h"
#include "sinusViaImport.h"

#include <algorithm>
#include <chrono>
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
  int                     count = 12;
  uint64_t                seed = 0;
  int                     threads = 0;
  po::options_description desc("Options");
  desc.add_options()
    ("out", po::value(&out)->default_value(out), "output folder; a previous demo output there is replaced")
    ("count", po::value(&count)->default_value(count), "number of phantoms")
    ("size", po::value(&size)->default_value(size), "phantom size WIDTHxHEIGHT")
    ("seed", po::value(&seed)->default_value(0), "data-set seed")
    ("threads", po::value(&threads)->default_value(0), "threads (0 = all cores)");
  po::variables_map values;
  if (!ParseCommandLine("demo", "[options]", desc, args, values))
  {
    return 0;
  }
  const auto [width, height] = ParseSize(size, "size");
  if (count < 2)
  {
    throw UsageError("--count must be at least 2");
  }
  const int  torchThreads = ConfigureThreads(threads);
  const auto clock = [] { return std::chrono::steady_clock::now(); };
  const auto seconds = [](auto a, auto b) { return std::chrono::duration<double>(b - a).count(); };

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
  report["command"] = "sinusseg demo --out " + out + " --count " + std::to_string(count) + " --size " + size +
                      " --seed " + std::to_string(seed);
  report["threads"] = torchThreads;

  // 1. Phantom data set.
  std::cout << "[1/3] generating " << count << " phantom radiographs (" << width << "x" << height << ")" << std::endl;
  sinus::PhantomDatasetOptions phantomOptions;
  phantomOptions.outputDirectory = (staging.Path() / "phantoms").string();
  phantomOptions.count = count;
  phantomOptions.width = width;
  phantomOptions.height = height;
  phantomOptions.seed = seed;
  phantomOptions.threads = threads;
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
  double minDice = 1, sumDice = 0, maxHD95 = 0;
  for (const auto & c : cases)
  {
    minDice = std::min(minDice, c.metrics.dice);
    sumDice += c.metrics.dice;
    maxHD95 = std::max(maxHD95, c.metrics.hd95.pixels);
  }
  sinus::WriteFileAtomically(staging.Path() / "via_round_trip_metrics.csv", sinus::FormatEvaluationCsv(cases));
  std::cout << "      re-imported vs original masks: Dice mean " << std::setprecision(6) << sumDice / count << ", min "
            << minDice << "; HD95 max " << maxHD95 << " px (all metrics: via_round_trip_metrics.csv)" << std::endl;
  report["via_round_trip_dice_mean"] = sumDice / count;
  report["via_round_trip_dice_min"] = minDice;
  report["via_round_trip_hd95_max_px"] = maxHD95;

  // 3. MedSAM preprocessing of the first test image.
  std::cout << "[3/3] MedSAM preprocessing (1024x1024x3, golden-exact)" << std::endl;
  const fs::path input = staging.Path() / "phantoms" / "images" / "phantom_00000.png";
  const auto     t0 = clock();
  auto           filter = itk::MedSAMPreprocessImageFilter<sinus::RadiographImageType>::New();
  filter->SetInput(sinus::ReadRadiograph(input.string()));
  filter->SetRescaleInputTo8BitRange(false);
  filter->Update();
  const double preprocessSeconds = seconds(t0, clock());
  fs::create_directories(staging.Path() / "preprocessed");
  sinus::WriteImage(filter->GetOutput(), (staging.Path() / "preprocessed" / "phantom_00000_input.nrrd").string());
  sinus::WriteImage(filter->GetResizedUInt8Output(), (staging.Path() / "preprocessed" / "phantom_00000_1024.png").string());
  std::cout << "      " << std::setprecision(2) << preprocessSeconds << " s" << std::endl;
  report["preprocess_seconds"] = preprocessSeconds;

  sinus::WriteFileAtomically(staging.Path() / "sinusseg-demo.json", report.Dump(2) + "\n");
  staging.Commit();
  std::cout << "demo output in " << out
            << "/ (phantoms/, via_masks/, via_round_trip_metrics.csv, preprocessed/, phantoms_preview.png)\n"
            << "Not in this build yet: MedSAM teacher fine-tuning and student training. SinusCycle-GAN refinement is\n"
               "in: sinusseg train-refiner / refine (evidence run: build/bin/RefinerBenchmark)."
            << std::endl;
  return 0;
}

} // namespace sinusseg
