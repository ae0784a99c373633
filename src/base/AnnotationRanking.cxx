// SPDX-License-Identifier: Apache-2.0
#include "sinus/AnnotationRanking.h"

#include "sinus/AppearanceClusters.h"
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
  if (text == "stratified")
    return SuggestionStrategy::Stratified;
  if (text == "random")
    return SuggestionStrategy::Random;
  throw std::invalid_argument("unknown strategy '" + text + "' (known: informative, stratified, random)");
}

const char *
ToString(SuggestionStrategy strategy)
{
  switch (strategy)
  {
    case SuggestionStrategy::Stratified:
      return "stratified";
    case SuggestionStrategy::Random:
      return "random";
    default:
      return "informative";
  }
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
  if (r.group >= 0)
    text = "group " + std::to_string(r.group) + " of alike pictures: " + std::to_string(r.groupCandidates) + " unlabelled, " +
           std::to_string(r.groupLabelled) + " labelled";
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

/** Indices by informativeness (ties by name), or shuffled for the random strategy. */
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

/** Records the candidate's highest similarity with the picks so far; returns that pick. */
std::optional<size_t>
RecordClosestPick(size_t i, const std::vector<size_t> & picks, const std::vector<AnnotationCandidate> & candidates, RankedCandidate & r)
{
  std::optional<size_t> closest;
  for (size_t p : picks)
  {
    const double s = AppearanceSimilarity(candidates[i].appearance, candidates[p].appearance);
    if (!closest || s > r.similarity)
    {
      r.similarity = s;
      closest = p;
    }
  }
  return closest;
}

/** True when the candidate may be picked; a near-duplicate of an earlier pick (for the strategies
 *  that skip those) is marked with whose. */
bool
PassesDuplicateCheck(size_t i, const std::vector<size_t> & picks, const std::vector<AnnotationCandidate> & candidates,
                     RankedCandidate & r, const AnnotationRankingOptions & options)
{
  const std::optional<size_t> closest = RecordClosestPick(i, picks, candidates, r);
  if (options.strategy == SuggestionStrategy::Random || !closest || r.similarity <= options.maxSimilarity)
    return true;
  r.nearDuplicateOf = candidates[*closest].name;
  return false;
}

/** Picks in `order`, skipping near-duplicates of earlier picks. */
std::vector<size_t>
PickInOrder(const std::vector<size_t> & order, const std::vector<AnnotationCandidate> & candidates, std::vector<RankedCandidate> & ranked,
            const AnnotationRankingOptions & options)
{
  std::vector<size_t> picks;
  for (size_t i : order)
    if (PassesDuplicateCheck(i, picks, candidates, ranked[i], options) && static_cast<int64_t>(picks.size()) < options.count)
      picks.push_back(i);
  return picks;
}

/** Groups the labelled images and the candidates by appearance and records each candidate's group. */
std::vector<std::vector<size_t>>
GroupCandidates(const std::vector<AnnotationCandidate> & candidates, const std::vector<std::vector<float>> & labelled,
                std::vector<RankedCandidate> & ranked, const AnnotationRankingOptions & options, std::vector<int64_t> & labelledPerGroup)
{
  // The candidates in name order, so that the groups do not depend on the order they were given in.
  std::vector<size_t> byName(candidates.size());
  std::iota(byName.begin(), byName.end(), size_t{ 0 });
  std::sort(byName.begin(), byName.end(), [&](size_t a, size_t b) { return candidates[a].name < candidates[b].name; });
  std::vector<std::vector<float>> points = labelled;
  for (size_t i : byName)
    points.push_back(candidates[i].appearance);
  const int64_t              groups = std::min<int64_t>(static_cast<int64_t>(labelled.size()) + options.count, static_cast<int64_t>(points.size()));
  const std::vector<int64_t> pointGroup = ClusterAppearances(points, groups, options.seed);
  labelledPerGroup.assign(static_cast<size_t>(groups), 0);
  for (size_t l = 0; l < labelled.size(); ++l)
    ++labelledPerGroup[static_cast<size_t>(pointGroup[l])];
  std::vector<int64_t> group(candidates.size());
  for (size_t k = 0; k < byName.size(); ++k)
    group[byName[k]] = pointGroup[labelled.size() + k];
  std::vector<std::vector<size_t>> members(static_cast<size_t>(groups));
  for (size_t i = 0; i < candidates.size(); ++i)
    members[static_cast<size_t>(group[i])].push_back(i);
  for (size_t i = 0; i < candidates.size(); ++i)
  {
    const size_t g = static_cast<size_t>(group[i]);
    ranked[i].group = static_cast<int64_t>(g);
    ranked[i].groupCandidates = static_cast<int64_t>(members[g].size());
    ranked[i].groupLabelled = labelledPerGroup[g];
  }
  return members;
}

/** Stratified picks: each from the group with the highest size / (labels + 1) (RankAnnotationCandidates). */
std::vector<size_t>
PickStratified(const std::vector<size_t> & order, const std::vector<AnnotationCandidate> & candidates,
                const std::vector<std::vector<float>> & labelled, std::vector<RankedCandidate> & ranked, const AnnotationRankingOptions & options)
{
  for (const std::vector<float> & l : labelled)
    if (!candidates.empty() && l.size() != candidates.front().appearance.size())
      throw std::invalid_argument("a labelled image's appearance descriptor has another length than the candidates'");
  std::vector<int64_t>             labels;
  std::vector<std::vector<size_t>> members = GroupCandidates(candidates, labelled, ranked, options, labels);
  std::vector<double>              size(members.size());
  for (size_t g = 0; g < members.size(); ++g)
    size[g] = static_cast<double>(labels[g]) + static_cast<double>(members[g].size());
  const auto quotient = [&](size_t g) { return size[g] / static_cast<double>(labels[g] + 1); };
  std::vector<size_t>              position(candidates.size());
  for (size_t k = 0; k < order.size(); ++k)
    position[order[k]] = k;
  // Each group's candidates, most informative last, so that the next one is popped off the back.
  for (std::vector<size_t> & m : members)
    std::sort(m.begin(), m.end(), [&](size_t a, size_t b) { return position[a] > position[b]; });
  std::vector<size_t> picks;
  while (static_cast<int64_t>(picks.size()) < options.count)
  {
    std::optional<size_t> next;
    for (size_t g = 0; g < members.size(); ++g)
      if (!members[g].empty() && (!next || quotient(g) > quotient(*next) ||
                                  (quotient(g) == quotient(*next) && members[g].size() > members[*next].size())))
        next = g;
    if (!next)
      break;
    const size_t i = members[*next].back();
    members[*next].pop_back();
    if (PassesDuplicateCheck(i, picks, candidates, ranked[i], options))
    {
      picks.push_back(i);
      ++labels[*next];
    }
  }
  // The candidates not considered: their similarity with the picks, for the record.
  for (const std::vector<size_t> & m : members)
    for (size_t i : m)
      RecordClosestPick(i, picks, candidates, ranked[i]);
  return picks;
}
} // namespace

std::vector<RankedCandidate>
RankAnnotationCandidates(const std::vector<AnnotationCandidate> & candidates, const AnnotationRankingOptions & options,
                         const std::vector<std::vector<float>> & labelledAppearances)
{
  options.Validate();
  if (candidates.empty())
    return {};
  CheckCandidates(candidates);
  std::vector<RankedCandidate> ranked = ScoreCandidates(candidates, options);
  const std::vector<size_t>    order = ConsiderationOrder(candidates, ranked, options);
  const std::vector<size_t>    picks = options.strategy == SuggestionStrategy::Stratified
                                         ? PickStratified(order, candidates, labelledAppearances, ranked, options)
                                         : PickInOrder(order, candidates, ranked, options);
  std::vector<RankedCandidate> result;
  for (size_t p : picks)
  {
    ranked[p].rank = static_cast<int64_t>(result.size()) + 1;
    result.push_back(ranked[p]);
  }
  for (size_t i : order)
    if (ranked[i].rank == 0)
      result.push_back(ranked[i]);
  for (RankedCandidate & r : result)
    r.reasons = Reasons(candidates[r.index], r);
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
