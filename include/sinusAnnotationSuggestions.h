// SPDX-License-Identifier: Apache-2.0
#ifndef sinusAnnotationSuggestions_h
#define sinusAnnotationSuggestions_h

#include "sinus/AnnotationRanking.h"

#include <functional>
#include <string>
#include <vector>

namespace sinus
{

struct AnnotationSuggestionOptions
{
  std::string runDirectory;    ///< a finished `sinusseg train` run: teacher.sinusseg, student.sinusseg, datalist.json
  std::string datalistPath;    ///< whose unlabelled training images are the candidates; empty: the run's own copy
  std::string outputDirectory; ///< must not exist, or be empty; appears only when complete
  AnnotationRankingOptions ranking;
  /** Monte Carlo feature-dropout passes of the student (0: none); used where its network has a
   *  decoder reading dropped-out encoder features (Segmenter::PerturbsFeatures). */
  int64_t     dropoutSamples = 4;
  double      dropoutRate = 0.2;
  double      polygonTolerance = 0.5; ///< Douglas-Peucker tolerance of the VIA polygons, pixels
  std::string regionLabel = "maxillary_sinus"; ///< region_attributes {"label": ...} of the VIA polygons
  int64_t     batchSize = 4;
  int         threads = 0; ///< images read in parallel; 0 = all cores
  std::function<void(const std::string &)> message;
};

struct AnnotationSuggestionSummary
{
  int64_t                  candidates = 0;
  std::vector<std::string> picks; ///< image files, best first
  int64_t                  nearDuplicatesSkipped = 0;
};

/** `sinusseg suggest`: which unlabelled radiographs to label next. The run's teacher and student
 *  predict every unlabelled training image of the datalist (never a validation or test image);
 *  each is measured (teacher-student HD95 and Dice on the radiograph's grid, the student's entropy
 *  and, where its network allows, its Monte Carlo dropout variance) and ranked
 *  (RankAnnotationCandidates). The output folder receives suggestions.csv and suggestions.json
 *  (every candidate, with its measurements and reasons), overlays/ (each pick with the teacher's
 *  outline in green and the student's in red), via_project.csv (a VIA 2.x CSV of the picks with
 *  the student's polygons, for the annotator to correct) and images.txt (the picks' files). Every
 *  problem is an error naming the file; no output is left then. */
AnnotationSuggestionSummary
SuggestAnnotations(const AnnotationSuggestionOptions & options);

} // namespace sinus

#endif
