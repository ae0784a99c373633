// SPDX-License-Identifier: Apache-2.0
// The ranking behind `sinusseg suggest`: informativeness, determinism, near-duplicates, the
// random control.
#include "sinus/AnnotationRanking.h"
#include "sinus/PortableRandom.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>

using namespace sinus;

namespace
{
/** A random picture's descriptor; pictures of different seeds are nearly uncorrelated. */
std::vector<float>
RandomAppearance(uint64_t seed, double noise = 0.0, uint64_t noiseSeed = 0)
{
  PortableRandom     picture(seed), jitter(noiseSeed + 1000);
  std::vector<float> grey(64 * 64);
  for (float & g : grey)
    g = static_cast<float>(picture.Uniform(0, 255) + noise * jitter.Normal(0, 1));
  return AppearanceDescriptor(grey, 64, 64, 16);
}

AnnotationCandidate
Candidate(const std::string & name, double hd95, double dice, double entropy, uint64_t picture)
{
  AnnotationCandidate c;
  c.name = name;
  c.disagreementHD95 = hd95;
  c.agreementDice = dice;
  c.entropy = entropy;
  c.appearance = RandomAppearance(picture);
  return c;
}

std::vector<AnnotationCandidate>
ManyCandidates(int count, uint64_t seed)
{
  PortableRandom                   random(seed);
  std::vector<AnnotationCandidate> candidates;
  for (int i = 0; i < count; ++i)
    candidates.push_back(Candidate("image_" + std::to_string(i), random.Uniform(1, 60), random.Uniform(0.5, 1), random.Uniform(0, 1),
                                   static_cast<uint64_t>(i) + 1));
  return candidates;
}

std::vector<std::string>
PickedNames(const std::vector<RankedCandidate> & ranking, const std::vector<AnnotationCandidate> & candidates)
{
  std::vector<std::string> names;
  for (const auto & r : ranking)
    if (r.rank > 0)
      names.push_back(candidates[r.index].name);
  return names;
}
} // namespace

TEST(AnnotationRanking, TheMostDisagreedAndUncertainImageComesFirst)
{
  std::vector<AnnotationCandidate> candidates{ Candidate("agreed", 2, 0.97, 0.1, 1), Candidate("disputed", 40, 0.6, 0.8, 2),
                                               Candidate("middle", 10, 0.9, 0.4, 3) };
  AnnotationRankingOptions options;
  options.count = 2;
  options.weightRepresentativeness = 0; // three unrelated pictures: none is typical
  const auto ranking = RankAnnotationCandidates(candidates, options);
  ASSERT_EQ(ranking.size(), 3u);
  EXPECT_EQ(candidates[ranking[0].index].name, "disputed");
  EXPECT_EQ(ranking[0].rank, 1);
  EXPECT_DOUBLE_EQ(ranking[0].informativeness, 1.0);
  EXPECT_EQ(candidates[ranking[1].index].name, "middle");
  EXPECT_EQ(ranking[1].rank, 2);
  EXPECT_EQ(candidates[ranking[2].index].name, "agreed");
  EXPECT_EQ(ranking[2].rank, 0);
  EXPECT_DOUBLE_EQ(ranking[2].informativeness, 0.0);
  EXPECT_FALSE(ranking[0].dropoutPercentile.has_value()); // no candidate has a dropout variance
  // The reasons name the measurements, the most telling first.
  EXPECT_NE(ranking[0].reasons.find("teacher-student HD95 40 px (higher than 100% of the candidates)"), std::string::npos)
    << ranking[0].reasons;
  EXPECT_NE(ranking[0].reasons.find("teacher-student Dice 0.6 (lower than 100%"), std::string::npos) << ranking[0].reasons;
}

TEST(AnnotationRanking, WeightsChooseWhichMeasurementCounts)
{
  // "sharp" disagrees in outline (HD95) only, "vague" is uncertain (entropy) only.
  std::vector<AnnotationCandidate> candidates{ Candidate("sharp", 50, 0.9, 0.1, 1), Candidate("vague", 5, 0.9, 0.9, 2) };
  AnnotationRankingOptions          options;
  options.count = 1;
  options.weightRepresentativeness = 0;
  options.weightEntropy = 0;
  EXPECT_EQ(candidates[RankAnnotationCandidates(candidates, options)[0].index].name, "sharp");
  options.weightEntropy = 1;
  options.weightHD95 = 0;
  EXPECT_EQ(candidates[RankAnnotationCandidates(candidates, options)[0].index].name, "vague");
}

TEST(AnnotationRanking, IsDeterministicWithASeedAndIndependentOfTheCandidatesOrder)
{
  const std::vector<AnnotationCandidate> candidates = ManyCandidates(40, 7);
  std::vector<AnnotationCandidate>       reversed(candidates.rbegin(), candidates.rend());
  for (SuggestionStrategy strategy : { SuggestionStrategy::Informative, SuggestionStrategy::Stratified, SuggestionStrategy::Random })
  {
    AnnotationRankingOptions options;
    options.strategy = strategy;
    options.count = 10;
    options.seed = 3;
    const auto first = PickedNames(RankAnnotationCandidates(candidates, options), candidates);
    EXPECT_EQ(first.size(), 10u);
    EXPECT_EQ(PickedNames(RankAnnotationCandidates(candidates, options), candidates), first) << ToString(strategy);
    EXPECT_EQ(PickedNames(RankAnnotationCandidates(reversed, options), reversed), first) << ToString(strategy);
    options.seed = 4;
    const auto otherSeed = PickedNames(RankAnnotationCandidates(candidates, options), candidates);
    if (strategy == SuggestionStrategy::Random)
    {
      EXPECT_NE(otherSeed, first);
    }
    else if (strategy == SuggestionStrategy::Informative)
    {
      EXPECT_EQ(otherSeed, first); // the seed only drives random choices (and the stratified grouping)
    }
  }
}

TEST(AnnotationRanking, RandomPicksAreSpreadOverTheInformativenessRange)
{
  // The control is not the informative ranking in disguise: over seeds, its picks' mean
  // informativeness is near the candidates' mean (0.5 by construction of percentiles).
  const std::vector<AnnotationCandidate> candidates = ManyCandidates(100, 11);
  double                                 sum = 0;
  int                                    picks = 0;
  for (uint64_t seed = 0; seed < 20; ++seed)
  {
    AnnotationRankingOptions options;
    options.strategy = SuggestionStrategy::Random;
    options.count = 10;
    options.seed = seed;
    for (const auto & r : RankAnnotationCandidates(candidates, options))
      if (r.rank > 0)
      {
        sum += r.informativeness;
        ++picks;
      }
  }
  EXPECT_EQ(picks, 200);
  EXPECT_NEAR(sum / picks, 0.5, 0.05);
}

TEST(AnnotationRanking, DiversityRemovesNearDuplicates)
{
  // Three copies of the most informative picture (rescans: the same picture with a little noise)
  // and distinct others: only one copy is picked, the others name it.
  std::vector<AnnotationCandidate> candidates = ManyCandidates(12, 5);
  for (int copy = 0; copy < 3; ++copy)
  {
    AnnotationCandidate c = Candidate("rescan_" + std::to_string(copy), 100 + copy, 0.3, 0.99, 0);
    c.appearance = RandomAppearance(99, 2.0, static_cast<uint64_t>(copy));
    candidates.push_back(c);
  }
  EXPECT_GT(AppearanceSimilarity(candidates[12].appearance, candidates[13].appearance), 0.95);
  EXPECT_LT(AppearanceSimilarity(candidates[0].appearance, candidates[1].appearance), 0.5);
  AnnotationRankingOptions options;
  options.count = 5;
  const auto               ranking = RankAnnotationCandidates(candidates, options);
  const auto               picked = PickedNames(ranking, candidates);
  ASSERT_EQ(picked.size(), 5u);
  EXPECT_EQ(picked[0].rfind("rescan", 0), 0u) << picked[0]; // the copies are the most informative
  for (size_t i = 1; i < picked.size(); ++i)
    EXPECT_EQ(picked[i].rfind("rescan", 0), std::string::npos) << picked[i];
  int skipped = 0;
  for (const auto & r : ranking)
    if (!r.nearDuplicateOf.empty())
    {
      ++skipped;
      EXPECT_EQ(r.nearDuplicateOf, picked[0]);
      EXPECT_GT(r.similarity, options.maxSimilarity);
      EXPECT_EQ(r.rank, 0);
    }
  EXPECT_EQ(skipped, 2);
  // Switched off, the copies fill the first places.
  options.maxSimilarity = 1.0;
  const auto all = PickedNames(RankAnnotationCandidates(candidates, options), candidates);
  EXPECT_EQ(std::set<std::string>(all.begin(), all.begin() + 3), (std::set<std::string>{ "rescan_0", "rescan_1", "rescan_2" }));
}

TEST(AnnotationRanking, StratifiedPicksShareTheLabelsOutAmongKindsByHowCommonTheyAre)
{
  // Three kinds of radiograph (three pictures, noisy copies of each): a common kind a (one of it
  // labelled, eight candidates), a rarer kind b (four) and a rare, most disputed kind c (two). The
  // informative ranking takes the two of kind c; stratified picks go by each kind's size over its
  // labels + 1 (a: 9 / 2, b: 4 / 1, c: 2 / 1): the most disputed of kind a, then of kind b.
  const auto copyOf = [](uint64_t picture, uint64_t copy) { return RandomAppearance(picture, 40.0, copy); };
  std::vector<AnnotationCandidate> candidates;
  const auto add = [&](const std::string & kind, int members, double hd95, uint64_t picture) {
    for (int k = 0; k < members; ++k)
    {
      candidates.push_back(Candidate(kind + std::to_string(k), hd95 + k, 0.9, 0.5, 0));
      candidates.back().appearance = copyOf(picture, 10 * picture + static_cast<uint64_t>(k));
    }
  };
  add("a", 8, 5, 1);
  add("b", 4, 10, 2);
  add("c", 2, 50, 3);
  ASSERT_GT(AppearanceSimilarity(candidates[0].appearance, candidates[7].appearance), 0.6);
  ASSERT_LT(AppearanceSimilarity(candidates[0].appearance, candidates[8].appearance), 0.3);
  const std::vector<std::vector<float>> labelled{ copyOf(1, 99) };
  AnnotationRankingOptions              options;
  options.count = 2;
  options.weightRepresentativeness = 0;
  options.weightDice = 0;
  options.weightEntropy = 0;
  EXPECT_EQ(PickedNames(RankAnnotationCandidates(candidates, options, labelled), candidates), (std::vector<std::string>{ "c1", "c0" }));
  options.strategy = SuggestionStrategy::Stratified;
  const auto ranking = RankAnnotationCandidates(candidates, options, labelled);
  EXPECT_EQ(PickedNames(ranking, candidates), (std::vector<std::string>{ "a7", "b3" }));
  // Every candidate names its group, the group's candidates and its labelled images.
  for (const RankedCandidate & r : ranking)
  {
    const char kind = candidates[r.index].name[0];
    ASSERT_GE(r.group, 0);
    EXPECT_EQ(r.groupCandidates, kind == 'a' ? 8 : kind == 'b' ? 4 : 2) << candidates[r.index].name;
    EXPECT_EQ(r.groupLabelled, kind == 'a' ? 1 : 0) << candidates[r.index].name;
  }
  EXPECT_EQ(ranking[0].reasons.rfind("group ", 0), 0u) << ranking[0].reasons;
  // A labelled descriptor of another length than the candidates' is refused.
  EXPECT_THROW(RankAnnotationCandidates(candidates, options, { std::vector<float>(3, 0.0f) }), std::invalid_argument);
}

TEST(AnnotationRanking, FewerPicksWhenNearDuplicatesLeaveTooFew)
{
  std::vector<AnnotationCandidate> candidates;
  for (int i = 0; i < 4; ++i)
    candidates.push_back(Candidate("same_" + std::to_string(i), 10 + i, 0.8, 0.5, 42));
  AnnotationRankingOptions options;
  options.count = 3;
  const auto ranking = RankAnnotationCandidates(candidates, options);
  EXPECT_EQ(PickedNames(ranking, candidates).size(), 1u);
}

TEST(AnnotationRanking, DropoutVarianceCountsWhereKnown)
{
  std::vector<AnnotationCandidate> candidates{ Candidate("steady", 10, 0.8, 0.5, 1), Candidate("shaky", 10, 0.8, 0.5, 2) };
  candidates[0].dropoutVariance = 0.001;
  candidates[1].dropoutVariance = 0.02;
  AnnotationRankingOptions options;
  options.count = 1;
  const auto ranking = RankAnnotationCandidates(candidates, options);
  EXPECT_EQ(candidates[ranking[0].index].name, "shaky");
  ASSERT_TRUE(ranking[0].dropoutPercentile.has_value());
  EXPECT_DOUBLE_EQ(*ranking[0].dropoutPercentile, 1.0);
  EXPECT_NE(ranking[0].reasons.find("dropout variance 0.02"), std::string::npos) << ranking[0].reasons;
}

TEST(AnnotationRanking, TypicalImagesGoBeforeOutliersOfEqualDisagreement)
{
  // Ten radiographs that look alike (one picture with noise) and one unlike them, all with the
  // same measurements: the outlier is the least representative and comes last; without the
  // term, names decide.
  std::vector<AnnotationCandidate> candidates;
  for (int i = 0; i < 10; ++i)
  {
    AnnotationCandidate c = Candidate("typical_" + std::to_string(i), 10, 0.8, 0.5, 0);
    c.appearance = RandomAppearance(7, 60.0, static_cast<uint64_t>(i));
    candidates.push_back(c);
  }
  candidates.push_back(Candidate("a_outlier", 10, 0.8, 0.5, 8));
  AnnotationRankingOptions options;
  options.count = 11;
  options.maxSimilarity = 1;
  options.densityNeighbours = 3;
  const auto ranking = RankAnnotationCandidates(candidates, options);
  EXPECT_EQ(candidates[ranking.back().index].name, "a_outlier");
  EXPECT_DOUBLE_EQ(ranking.back().representativenessPercentile, 0.0);
  EXPECT_LT(ranking.back().representativeness, 0.2);
  EXPECT_GT(ranking.front().representativeness, 0.5);
  EXPECT_NE(ranking.front().reasons.find("typicality"), std::string::npos) << ranking.front().reasons;
  options.weightRepresentativeness = 0;
  EXPECT_EQ(candidates[RankAnnotationCandidates(candidates, options).front().index].name, "a_outlier");
}

TEST(AnnotationRanking, BadSettingsAndMeasurementsAreRefused)
{
  std::vector<AnnotationCandidate> candidates{ Candidate("a", 1, 0.9, 0.1, 1) };
  AnnotationRankingOptions          options;
  options.count = 0;
  EXPECT_THROW(RankAnnotationCandidates(candidates, options), std::invalid_argument);
  options.count = 1;
  options.weightHD95 = options.weightDice = options.weightEntropy = options.weightRepresentativeness = 0;
  options.weightDropout = 1;
  EXPECT_THROW(RankAnnotationCandidates(candidates, options), std::invalid_argument); // only dropout counts, none known
  options.weightHD95 = -1;
  EXPECT_THROW(RankAnnotationCandidates(candidates, options), std::invalid_argument);
  options.weightHD95 = 1;
  options.densityNeighbours = 0;
  EXPECT_THROW(RankAnnotationCandidates(candidates, options), std::invalid_argument);
  options.densityNeighbours = 10;
  candidates[0].entropy = std::nan("");
  EXPECT_THROW(RankAnnotationCandidates(candidates, options), std::invalid_argument);
  EXPECT_THROW(ParseSuggestionStrategy("best"), std::invalid_argument);
  EXPECT_EQ(ParseSuggestionStrategy("random"), SuggestionStrategy::Random);
}

TEST(AnnotationRanking, AppearanceIsACorrelation)
{
  std::vector<float> ramp(20 * 30);
  for (size_t i = 0; i < ramp.size(); ++i)
    ramp[i] = static_cast<float>(i % 30);
  std::vector<float> brighter = ramp, inverted = ramp;
  for (size_t i = 0; i < ramp.size(); ++i)
  {
    brighter[i] = 2 * ramp[i] + 40; // contrast and brightness do not change a correlation
    inverted[i] = -ramp[i];
  }
  const auto a = AppearanceDescriptor(ramp, 20, 30, 8);
  EXPECT_NEAR(AppearanceSimilarity(a, a), 1.0, 1e-6);
  EXPECT_NEAR(AppearanceSimilarity(a, AppearanceDescriptor(brighter, 20, 30, 8)), 1.0, 1e-6);
  EXPECT_NEAR(AppearanceSimilarity(a, AppearanceDescriptor(inverted, 20, 30, 8)), -1.0, 1e-6);
  const auto flat = AppearanceDescriptor(std::vector<float>(16, 3.0f), 4, 4, 8); // smaller than the grid, and flat
  EXPECT_EQ(AppearanceSimilarity(flat, flat), 0.0);
  EXPECT_THROW(AppearanceDescriptor(ramp, 21, 30, 8), std::invalid_argument);
}
