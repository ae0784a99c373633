// SPDX-License-Identifier: Apache-2.0
// sinusseg.suggest: which unlabelled radiographs of a finished run to label next.
#include "sinusPythonBindings.h"

#include "sinus/FileUtilities.h"
#include "sinusAnnotationSuggestions.h"

#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <filesystem>

namespace sinus::python
{
namespace
{
py::object
Suggest(const std::filesystem::path & run, int64_t count, const std::filesystem::path & out, const std::optional<std::filesystem::path> & datalist,
        const std::string & strategy, uint64_t seed, double maxSimilarity, const std::map<std::string, double> & weights, int64_t dropoutSamples,
        double dropoutRate, const std::string & regionLabel, int threads)
{
  AnnotationSuggestionOptions options;
  options.runDirectory = run.string();
  options.outputDirectory = out.string();
  options.datalistPath = datalist ? datalist->string() : std::string();
  options.ranking.strategy = ParseSuggestionStrategy(strategy);
  options.ranking.count = count;
  options.ranking.seed = seed;
  options.ranking.maxSimilarity = maxSimilarity;
  for (const auto & [name, weight] : weights)
  {
    double * target = name == "hd95" ? &options.ranking.weightHD95 : name == "dice" ? &options.ranking.weightDice
                    : name == "entropy" ? &options.ranking.weightEntropy : name == "dropout" ? &options.ranking.weightDropout
                    : name == "representativeness" ? &options.ranking.weightRepresentativeness : nullptr;
    if (!target)
      throw py::value_error("unknown weight '" + name + "' (known: hd95, dice, entropy, dropout, representativeness)");
    *target = weight;
  }
  options.dropoutSamples = dropoutSamples;
  options.dropoutRate = dropoutRate;
  options.regionLabel = regionLabel;
  options.threads = threads;
  {
    py::gil_scoped_release released;
    SuggestAnnotations(options);
  }
  return ToPython(ReadTextFile(out / "suggestions.json"));
}
} // namespace

void
RegisterSuggestions(py::module_ & module)
{
  module.def("suggest", &Suggest, py::arg("run"), py::arg("count"), py::arg("out"), py::kw_only(), py::arg("datalist") = py::none(),
             py::arg("strategy") = "informative", py::arg("seed") = 0, py::arg("max_similarity") = 0.95,
             py::arg("weights") = std::map<std::string, double>{}, py::arg("dropout_samples") = 4, py::arg("dropout_rate") = 0.2,
             py::arg("region_label") = "maxillary_sinus", py::arg("threads") = 0,
             R"(Ranks the unlabelled training images of the finished run in `run` by what labelling them would
teach, as `sinusseg suggest`, into the folder `out` (which must not exist, or be empty):
suggestions.csv/.json, overlays/, via_project.csv (the picks with the student's polygons, for an
annotator to correct in VIA 2.x) and images.txt. strategy "informative" ranks the whole pool,
"stratified" shares the picks out among groups of alike radiographs by their size (the most
informative of each group first), "random" is the control; weights maps
hd95, dice, entropy, dropout, representativeness to their weights (default 1 each). Returns suggestions.json as a
dict: "ranking" lists every candidate, picks first (rank 1..count), with its measurements,
percentiles and reasons.)");
}

} // namespace sinus::python
