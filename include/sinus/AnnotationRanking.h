// SPDX-License-Identifier: Apache-2.0
#ifndef sinus_AnnotationRanking_h
#define sinus_AnnotationRanking_h

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sinus
{

/** What `sinusseg suggest` measured on one unlabelled radiograph. */
struct AnnotationCandidate
{
  std::string name;
  /** HD95 between the teacher's and the student's masks, in pixels of the radiograph (the image
   *  diagonal when exactly one of them is empty: the largest disagreement there can be). */
  double disagreementHD95 = 0;
  /** Dice of the teacher's and the student's masks (1 when both are empty). */
  double agreementDice = 1;
  /** The student's mean binary entropy (bits) over the union of the two masks. */
  double entropy = 0;
  /** The student's mean per-pixel variance under Monte Carlo feature dropout over the same union;
   *  none when its network has no decoder that reads dropped-out encoder features. */
  std::optional<double> dropoutVariance;
  /** A mean-free, unit-length thumbnail of the radiograph (AppearanceDescriptor): the dot product
   *  of two is the correlation of their pictures. */
  std::vector<float> appearance;
};

enum class SuggestionStrategy
{
  Informative, ///< highest informativeness first, near-duplicates skipped
  Stratified,  ///< labels shared out among groups of alike pictures by their size, the most informative of each group first
  Random       ///< seeded random order: the control a suggestion must beat
};

SuggestionStrategy
ParseSuggestionStrategy(const std::string & text); ///< "informative" | "stratified" | "random"; throws std::invalid_argument
const char *
ToString(SuggestionStrategy strategy);

struct AnnotationRankingOptions
{
  SuggestionStrategy strategy = SuggestionStrategy::Informative;
  int64_t            count = 10;
  uint64_t           seed = 0;
  /** A candidate whose appearance correlates above this with an earlier pick is a near-duplicate
   *  of it and not picked (Informative and Stratified; 1 switches the check off). */
  double maxSimilarity = 0.95;
  /** Weights of the informativeness terms (each term a percentile among the candidates). */
  double weightHD95 = 1, weightDice = 1, weightEntropy = 1, weightDropout = 1;
  /** Weight of representativeness: how typical a candidate is of the pool, the mean appearance
   *  correlation with its `densityNeighbours` most similar other candidates ("information
   *  density", Settles & Craven 2008), so that disagreement on outliers does not fill a round. */
  double  weightRepresentativeness = 1;
  int64_t densityNeighbours = 10;

  /** Throws std::invalid_argument naming the first bad setting. */
  void Validate() const;
};

/** One candidate's place in the ranking. Percentiles are among all candidates, 0 (least) to 1
 *  (most informative); the dropout one is absent when no candidate has a dropout variance. */
struct RankedCandidate
{
  size_t                index = 0; ///< into the candidates given
  int64_t               rank = 0;  ///< 1..count for a pick, 0 otherwise
  double                informativeness = 0;
  double                hd95Percentile = 0, dicePercentile = 0, entropyPercentile = 0;
  std::optional<double> dropoutPercentile;
  double                representativeness = 0; ///< mean correlation with its most similar other candidates
  double                representativenessPercentile = 0;
  std::string           nearDuplicateOf; ///< the pick it was too similar to (not picked for that)
  double                similarity = 0;  ///< its highest appearance correlation with a pick made before it
  std::string           reasons;         ///< the informativeness terms, highest percentile first, in words
  /** Stratified only: the group of alike pictures (labelled and unlabelled) the candidate fell in,
   *  how many unlabelled candidates and labelled images that group holds; -1, 0, 0 otherwise. */
  int64_t group = -1;
  int64_t groupCandidates = 0, groupLabelled = 0;
};

/** Ranks every candidate: the picks first (rank 1..count), then the others by informativeness.
 *  Informativeness is the weighted mean of each term's percentile among the candidates (teacher-
 *  student HD95 and 1 - Dice, entropy, dropout variance when known, representativeness), so that
 *  terms of different units weigh alike. Ties are broken by name; the same candidates and options give the same
 *  ranking on any machine. Fewer than `count` picks remain when near-duplicates leave too few.
 *
 *  Stratified picks share the labels out among kinds of picture in proportion to how common each
 *  kind is, so that the common kinds are not left to the ranking's preference for hard outliers:
 *  the labelled images' and the candidates' appearances are grouped into (labelled + count) groups
 *  of alike pictures (ClusterAppearances, seeded with `seed`; at most one per picture), and each
 *  pick goes to the group with the highest quotient size / (labels + 1), its size counting its
 *  labelled images and candidates, its labels the labelled images and earlier picks (D'Hondt's
 *  highest-averages apportionment); the group with more remaining candidates, then the lower
 *  index, first on a tie. Within the group the most informative remaining candidate is picked.
 *  `labelledAppearances` (AppearanceDescriptor of each labelled image) is used by Stratified only. */
std::vector<RankedCandidate>
RankAnnotationCandidates(const std::vector<AnnotationCandidate> & candidates, const AnnotationRankingOptions & options,
                         const std::vector<std::vector<float>> & labelledAppearances = {});

/** A picture's appearance for the near-duplicate check: area-averaged to side x side, the mean
 *  subtracted and scaled to unit length (all zeros for a flat picture). `grey` is row-major. */
std::vector<float>
AppearanceDescriptor(const std::vector<float> & grey, int64_t height, int64_t width, int64_t side = 32);

/** Dot product of two descriptors of one length (their correlation); throws on unequal lengths. */
double
AppearanceSimilarity(const std::vector<float> & a, const std::vector<float> & b);

} // namespace sinus

#endif
