// SPDX-License-Identifier: Apache-2.0
#include "sinus/AnnotationRanking.h"

#include "sinus/PortableRandom.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <numeric>
#include <stdexcept>

namespace sinus
{

SuggestionStrategy
ParseSuggestionStrategy(const std::string & text)
{
  if (text == "informative")
    return SuggestionStrategy::Informative;
  if (text == "random")
    return SuggestionStrategy::Random;
  throw std::invalid_argument("unknown strategy '" + text + "' (known: informative, random)");
}

const char *
ToString(SuggestionStrategy strategy)
{
  return strategy == SuggestionStrategy::Random ? "random" : "informative";
}

void
AnnotationRankingOptions::Validate() const
{
  if (count < 1)
    throw std::invalid_argument("the number of suggestions must be at least 1");
  if (!(maxSimilarity > -1 && maxSimilarity <= 1))
    throw std::invalid_argument("the near-duplicate similarity must lie in (-1, 1]");
  for (double w : { weightHD95, weightDice, weightEntropy, weightDropout, weightRepresentativeness })
    if (!(w >= 0) || !std::isfinite(w))
      throw std::invalid_argument("informativeness weights must be finite and >= 0");
  if (weightHD95 + weightDice + weightEntropy + weightDropout + weightRepresentativeness <= 0)
    throw std::invalid_argument("at least one informativeness weight must be positive");
  if (densityNeighbours < 1)
    throw std::invalid_argument("representativeness needs at least 1 neighbour");
}

namespace
{
/** Mid-rank percentile of every value among all (0 = lowest, 1 = highest; 1 for a single value). */
std::vector<double>
Percentiles(const std::vector<double> & values)
{
  const size_t        n = values.size();
  std::vector<double> result(n, 1.0);
  if (n < 2)
    return result;
  for (size_t i = 0; i < n; ++i)
  {
    size_t below = 0, equal = 0;
    for (double v : values)
    {
      below += v < values[i];
      equal += v == values[i];
    }
    result[i] = (static_cast<double>(below) + 0.5 * static_cast<double>(equal - 1)) / static_cast<double>(n - 1);
  }
  return result;
}

void
CheckCandidates(const std::vector<AnnotationCandidate> & candidates)
{
  for (const AnnotationCandidate & c : candidates)
  {
    if (!std::isfinite(c.disagreementHD95) || !std::isfinite(c.agreementDice) || !std::isfinite(c.entropy) ||
        (c.dropoutVariance && !std::isfinite(*c.dropoutVariance)))
      throw std::invalid_argument("candidate " + c.name + ": its measurements must be finite");
    if (c.appearance.size() != candidates.front().appearance.size())
      throw std::invalid_argument("candidate " + c.name + ": its appearance descriptor has another length than the others'");
  }
}

std::string
Term(const char * what, double value, const char * unit, double percentile, bool lowerIsInformative)
{
  char text[160];
  std::snprintf(text, sizeof(text), "%s %.4g%s (%s than %.0f%% of the candidates)", what, value, unit, lowerIsInformative ? "lower" : "higher",
                100.0 * percentile);
  return text;
}

/** The terms in words, most informative first. */
std::string
Reasons(const AnnotationCandidate & c, const RankedCandidate & r)
{
  std::vector<std::pair<double, std::string>> terms{
    { r.hd95Percentile, Term("teacher-student HD95", c.disagreementHD95, " px", r.hd95Percentile, false) },
    { r.dicePercentile, Term("teacher-student Dice", c.agreementDice, "", r.dicePercentile, true) },
    { r.entropyPercentile, Term("entropy", c.entropy, " bits", r.entropyPercentile, false) }
  };
  if (r.dropoutPercentile && c.dropoutVariance)
    terms.emplace_back(*r.dropoutPercentile, Term("dropout variance", *c.dropoutVariance, "", *r.dropoutPercentile, false));
  terms.emplace_back(r.representativenessPercentile,
                     Term("typicality (correlation with its most similar candidates)", r.representativeness, "", r.representativenessPercentile, false));
  std::stable_sort(terms.begin(), terms.end(), [](const auto & a, const auto & b) { return a.first > b.first; });
  std::string text;
  for (const auto & t : terms)
    text += (text.empty() ? "" : "; ") + t.second;
  return text;
}

/** Each candidate's mean appearance correlation with its `neighbours` most similar others (all of
 *  them when there are fewer); 0 for a single candidate. */
std::vector<double>
Representativeness(const std::vector<AnnotationCandidate> & candidates, int64_t neighbours)
{
  const size_t        n = candidates.size();
  std::vector<double> density(n, 0.0);
  for (size_t i = 0; i < n; ++i)
  {
    std::vector<double> similarities;
    for (size_t j = 0; j < n; ++j)
      if (j != i)
        similarities.push_back(AppearanceSimilarity(candidates[i].appearance, candidates[j].appearance));
    const size_t k = std::min(similarities.size(), static_cast<size_t>(neighbours));
    std::partial_sort(similarities.begin(), similarities.begin() + static_cast<std::ptrdiff_t>(k), similarities.end(), std::greater<>());
    if (k > 0)
      density[i] = std::accumulate(similarities.begin(), similarities.begin() + static_cast<std::ptrdiff_t>(k), 0.0) / static_cast<double>(k);
  }
  return density;
}

/** Every candidate's informativeness and term percentiles; rank and reasons not yet set. */
std::vector<RankedCandidate>
ScoreCandidates(const std::vector<AnnotationCandidate> & candidates, const AnnotationRankingOptions & options)
{
  const size_t        n = candidates.size();
  std::vector<double> hd95(n), disagreement(n), entropy(n), dropout(n);
  bool                anyDropout = false;
  for (size_t i = 0; i < n; ++i)
  {
    hd95[i] = candidates[i].disagreementHD95;
    disagreement[i] = 1.0 - candidates[i].agreementDice;
    entropy[i] = candidates[i].entropy;
    // A network without feature dropout gives no variance: it ranks as least informative there.
    dropout[i] = candidates[i].dropoutVariance.value_or(-1.0);
    anyDropout = anyDropout || candidates[i].dropoutVariance.has_value();
  }
  const std::vector<double> ph = Percentiles(hd95), pd = Percentiles(disagreement), pe = Percentiles(entropy), pv = Percentiles(dropout);
  const std::vector<double> density = Representativeness(candidates, options.densityNeighbours), pr = Percentiles(density);
  const double              dropoutWeight = anyDropout ? options.weightDropout : 0.0;
  const double total = options.weightHD95 + options.weightDice + options.weightEntropy + dropoutWeight + options.weightRepresentativeness;
  if (total <= 0)
    throw std::invalid_argument("the only positive informativeness weight is dropout's, and no candidate has a dropout variance");
  std::vector<RankedCandidate> ranked(n);
  for (size_t i = 0; i < n; ++i)
  {
    RankedCandidate & r = ranked[i];
    r.index = i;
    r.hd95Percentile = ph[i];
    r.dicePercentile = pd[i];
    r.entropyPercentile = pe[i];
    if (anyDropout)
      r.dropoutPercentile = pv[i];
    r.representativeness = density[i];
    r.representativenessPercentile = pr[i];
    r.informativeness = (options.weightHD95 * ph[i] + options.weightDice * pd[i] + options.weightEntropy * pe[i] +
                         (anyDropout ? dropoutWeight * pv[i] : 0.0) + options.weightRepresentativeness * pr[i]) /
                        total;
  }
  return ranked;
}

/** Indices in the order picks are considered: by informativeness (ties by name), or shuffled. */
std::vector<size_t>
ConsiderationOrder(const std::vector<AnnotationCandidate> & candidates, const std::vector<RankedCandidate> & ranked,
                   const AnnotationRankingOptions & options)
{
  std::vector<size_t> order(candidates.size());
  std::iota(order.begin(), order.end(), size_t{ 0 });
  // Sorted by name first, so that the seeded shuffle does not depend on the candidates' order.
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return candidates[a].name < candidates[b].name; });
  if (options.strategy == SuggestionStrategy::Random)
  {
    PortableRandom random(options.seed);
    random.Shuffle(order);
  }
  else
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return ranked[a].informativeness > ranked[b].informativeness; });
  return order;
}
} // namespace

std::vector<RankedCandidate>
RankAnnotationCandidates(const std::vector<AnnotationCandidate> & candidates, const AnnotationRankingOptions & options)
{
  options.Validate();
  if (candidates.empty())
    return {};
  CheckCandidates(candidates);
  std::vector<RankedCandidate> ranked = ScoreCandidates(candidates, options);
  const std::vector<size_t>    order = ConsiderationOrder(candidates, ranked, options);
  std::vector<size_t>          picks;
  for (size_t i : order)
  {
    RankedCandidate & r = ranked[i];
    std::optional<size_t> closest; ///< the most similar earlier pick
    for (size_t p : picks)
    {
      const double s = AppearanceSimilarity(candidates[i].appearance, candidates[p].appearance);
      if (!closest || s > r.similarity)
      {
        r.similarity = s;
        closest = p;
      }
    }
    const bool duplicate = options.strategy == SuggestionStrategy::Informative && closest && r.similarity > options.maxSimilarity;
    if (duplicate)
      r.nearDuplicateOf = candidates[*closest].name;
    else if (static_cast<int64_t>(picks.size()) < options.count)
    {
      picks.push_back(i);
      r.rank = static_cast<int64_t>(picks.size());
    }
    r.reasons = Reasons(candidates[i], r);
  }
  std::vector<RankedCandidate> result;
  for (size_t p : picks)
    result.push_back(ranked[p]);
  for (size_t i : order)
    if (ranked[i].rank == 0)
      result.push_back(ranked[i]);
  return result;
}

std::vector<float>
AppearanceDescriptor(const std::vector<float> & grey, int64_t height, int64_t width, int64_t side)
{
  if (height < 1 || width < 1 || side < 1 || static_cast<int64_t>(grey.size()) != height * width)
    throw std::invalid_argument("AppearanceDescriptor: the picture's size does not match its pixels");
  std::vector<double> sums(static_cast<size_t>(side * side), 0.0), counts(sums.size(), 0.0);
  for (int64_t y = 0; y < height; ++y)
    for (int64_t x = 0; x < width; ++x)
    {
      const size_t cell = static_cast<size_t>((y * side / height) * side + x * side / width);
      sums[cell] += grey[static_cast<size_t>(y * width + x)];
      counts[cell] += 1;
    }
  double mean = 0;
  for (size_t i = 0; i < sums.size(); ++i)
  {
    // A picture smaller than the grid leaves cells without pixels: they take the picture's mean.
    sums[i] = counts[i] > 0 ? sums[i] / counts[i] : std::nan("");
  }
  size_t filled = 0;
  for (double v : sums)
    if (!std::isnan(v))
    {
      mean += v;
      ++filled;
    }
  mean /= static_cast<double>(filled);
  double norm = 0;
  for (double & v : sums)
  {
    v = std::isnan(v) ? 0.0 : v - mean;
    norm += v * v;
  }
  norm = std::sqrt(norm);
  std::vector<float> descriptor(sums.size(), 0.0f);
  if (norm > 0)
    for (size_t i = 0; i < sums.size(); ++i)
      descriptor[i] = static_cast<float>(sums[i] / norm);
  return descriptor;
}

double
AppearanceSimilarity(const std::vector<float> & a, const std::vector<float> & b)
{
  if (a.size() != b.size())
    throw std::invalid_argument("AppearanceSimilarity: descriptors of different lengths");
  double dot = 0;
  for (size_t i = 0; i < a.size(); ++i)
    dot += static_cast<double>(a[i]) * static_cast<double>(b[i]);
  return dot;
}

} // namespace sinus
