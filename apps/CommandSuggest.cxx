// SPDX-License-Identifier: Apache-2.0
// sinusseg suggest: which unlabelled radiographs of a finished run to label next.
#include "SinusSegCommand.h"

#include "TrainingJobs.h"
#include "sinusAnnotationSuggestions.h"

#include <filesystem>
#include <iostream>

namespace sinusseg
{

int
RunSuggest(const std::vector<std::string> & args)
{
  namespace po = boost::program_options;
  sinus::AnnotationSuggestionOptions options;
  std::string                        strategy = "informative";
  int                                threads = 0;
  po::options_description            desc("Options");
  desc.add_options()
    ("run", po::value(&options.runDirectory)->required(), "a finished `sinusseg train` folder (teacher.sinusseg, student.sinusseg, datalist.json)")
    ("count", po::value(&options.ranking.count)->required(), "how many images to suggest")
    ("out", po::value(&options.outputDirectory)->required(), "output folder (must not exist, or be empty): suggestions.csv/.json, overlays/, via_project.csv, images.txt")
    ("datalist", po::value(&options.datalistPath), "rank this datalist's unlabelled training images instead of the run's copy (e.g. after labels were added)")
    ("strategy", po::value(&strategy)->default_value(strategy), "informative (disagreement, uncertainty, diversity), stratified (labels shared out among groups of alike radiographs by their size, the most informative of each group first) or random (the control)")
    ("seed", po::value(&options.ranking.seed)->default_value(0), "seed of the dropout passes and of the random strategy")
    ("max-similarity", po::value(&options.ranking.maxSimilarity)->default_value(options.ranking.maxSimilarity),
     "images whose thumbnails correlate above this with an earlier pick are near-duplicates, not picked (1: off)")
    ("weight-hd95", po::value(&options.ranking.weightHD95)->default_value(1.0), "weight of the teacher-student HD95 percentile")
    ("weight-dice", po::value(&options.ranking.weightDice)->default_value(1.0), "weight of the teacher-student (1 - Dice) percentile")
    ("weight-entropy", po::value(&options.ranking.weightEntropy)->default_value(1.0), "weight of the student's entropy percentile")
    ("weight-dropout", po::value(&options.ranking.weightDropout)->default_value(1.0), "weight of the student's Monte Carlo dropout variance percentile")
    ("weight-representativeness", po::value(&options.ranking.weightRepresentativeness)->default_value(1.0),
     "weight of the typicality percentile (mean thumbnail correlation with its most similar candidates; 0: rank outliers like the rest)")
    ("density-neighbours", po::value(&options.ranking.densityNeighbours)->default_value(options.ranking.densityNeighbours), "how many most similar candidates typicality averages over")
    ("dropout-samples", po::value(&options.dropoutSamples)->default_value(options.dropoutSamples), "Monte Carlo feature-dropout passes (0: off; networks without feature dropout skip it)")
    ("dropout-rate", po::value(&options.dropoutRate)->default_value(options.dropoutRate), "channel dropout rate of those passes")
    ("region-label", po::value(&options.regionLabel)->default_value(options.regionLabel), "region_attributes label of the VIA polygons")
    ("polygon-tolerance", po::value(&options.polygonTolerance)->default_value(options.polygonTolerance), "Douglas-Peucker tolerance of the VIA polygons, pixels")
    ("threads", po::value(&threads)->default_value(0), "threads (0: all cores)");
  po::variables_map values;
  if (!ParseCommandLine("suggest", "--run DIR --count N --out DIR [options]", desc, args, values))
    return 0;
  try
  {
    options.ranking.strategy = sinus::ParseSuggestionStrategy(strategy);
    options.ranking.Validate();
  }
  catch (const std::invalid_argument & e)
  {
    throw UsageError(std::string("suggest: ") + e.what());
  }
  options.threads = ConfigureThreads(threads);
  options.message = [](const std::string & text) { std::cout << "suggest: " << text << std::endl; };
  const sinus::AnnotationSuggestionSummary summary = sinus::SuggestAnnotations(options);
  std::cout << "suggested " << summary.picks.size() << " of " << summary.candidates << " unlabelled images ("
            << sinus::ToString(options.ranking.strategy) << ", " << summary.nearDuplicatesSkipped << " near-duplicates skipped):\n";
  for (size_t i = 0; i < summary.picks.size(); ++i)
    std::cout << "  " << i + 1 << ". " << summary.picks[i] << "\n";
  const std::filesystem::path out(options.outputDirectory);
  std::cout << "ranking with reasons: " << (out / "suggestions.csv").string() << "; VIA project to correct: " << (out / "via_project.csv").string()
            << " (then `sinusseg import-via --csv CORRECTED.csv --images DIR --out MASKS --datalist DATALIST`)" << std::endl;
  return 0;
}

} // namespace sinusseg
