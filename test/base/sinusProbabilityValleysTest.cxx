// SPDX-License-Identifier: Apache-2.0
// Cutting along narrow probability valleys: hand-made probability maps with the expected answer
// reasoned next to each.
#include "sinus/MaskPostprocessing.h"
#include "sinus/PostprocessingSelection.h"
#include "sinus/ProbabilityValleys.h"

#include <gtest/gtest.h>

using namespace sinus;

namespace
{
/** Two 12-row objects side by side (columns 10-29 and 31-50, rows 20-31) of a 64 x 64 image: 0.9
 *  on them, `gap` on the one column between them (30), 0.05 elsewhere. The reference is the two
 *  objects without the gap. */
ValidationProbability
TwoObjectsAcrossAGap(float gap)
{
  ValidationProbability image{ Raster<float>(64, 64, 1, 0.05f), Raster<uint8_t>(64, 64), { 1.0, 1.0 } };
  for (int64_t y = 20; y < 32; ++y)
    for (int64_t x = 10; x < 51; ++x)
    {
      image.probability(y, x) = x == 30 ? gap : 0.9f;
      image.reference(y, x) = x == 30 ? 0 : 1;
    }
  return image;
}

int64_t
Count(const Raster<uint8_t> & mask)
{
  int64_t n = 0;
  for (uint8_t v : mask.data)
    n += v != 0;
  return n;
}
} // namespace

TEST(ProbabilityValleys, SquareClosingFillsDipsNarrowerThanTheSquareOnly)
{
  // A row 0.9 0.9 0.3 0.9 0.9 0.2 0.2 0.2 0.2 0.2 0.9: the one-pixel dip is filled by a 3-wide closing,
  // the five-pixel dip is not; the border keeps its value (the window is clipped).
  Raster<float> row(1, 11);
  const float   values[] = { 0.9f, 0.9f, 0.3f, 0.9f, 0.9f, 0.2f, 0.2f, 0.2f, 0.2f, 0.2f, 0.9f };
  for (int64_t x = 0; x < 11; ++x)
    row(0, x) = values[x];
  const Raster<float> closed = SquareClosing(row, 3);
  EXPECT_FLOAT_EQ(closed(0, 2), 0.9f);
  for (int64_t x : { 0, 1, 3, 4, 5, 6, 7, 8, 9, 10 })
    EXPECT_FLOAT_EQ(closed(0, x), values[x]) << x;
  // A 7-wide square spans the five-pixel dip as well.
  EXPECT_FLOAT_EQ(SquareClosing(row, 7)(0, 7), 0.9f);
  EXPECT_THROW(SquareClosing(row, 4), std::invalid_argument);
  EXPECT_THROW(SquareClosing(Raster<float>(4, 4, 2), 3), std::invalid_argument);
}

TEST(ProbabilityValleys, FloorsAreTheOnePixelLineOfADeepEnoughDip)
{
  const ValidationProbability image = TwoObjectsAcrossAGap(0.6f);
  // Closing - probability is 0.3 on the gap column between the objects, 0 elsewhere.
  const Raster<uint8_t> floors = ProbabilityValleyFloors(image.probability, 3, 0.2);
  EXPECT_EQ(Count(floors), 12);
  for (int64_t y = 20; y < 32; ++y)
    EXPECT_EQ(floors(y, 30), 1) << y;
  EXPECT_EQ(Count(ProbabilityValleyFloors(image.probability, 3, 0.35)), 0); // not deep enough
  // A dip wider than the square is no valley: five 0.6 columns between the objects.
  ValidationProbability wide = TwoObjectsAcrossAGap(0.6f);
  for (int64_t y = 20; y < 32; ++y)
    for (int64_t x = 28; x < 33; ++x)
      wide.probability(y, x) = 0.6f;
  EXPECT_EQ(Count(ProbabilityValleyFloors(wide.probability, 3, 0.2)), 0);
  EXPECT_THROW(ProbabilityValleyFloors(image.probability, 3, 0.0), std::invalid_argument);
}

TEST(ProbabilityValleys, TheCutSeparatesMergedObjectsAndIsChosenOnValidationImages)
{
  const ValidationProbability image = TwoObjectsAcrossAGap(0.6f);
  // > 0.5 merges the two objects across the gap; the cut restores the reference exactly.
  MaskPostprocessing cut;
  cut.valleyWidthFraction = 0.021;
  cut.valleyDepth = 0.1;
  EXPECT_EQ(cut.ValleyWidthPixels(64, 64), 3); // 1.3 pixels: at least 3
  EXPECT_EQ(ApplyMaskPostprocessing(image.probability, cut).data, image.reference.data);
  EXPECT_EQ(Count(ApplyMaskPostprocessing(image.probability, MaskPostprocessing{})), Count(image.reference) + 12);

  // The default search: 7 cuts (none, 2 widths x 3 depths) x 4 object sizes; a cut is chosen here
  // because it brings HD95 to 0 and Dice to 1.
  const std::vector<MaskPostprocessing> candidates = PostprocessingCandidates(0.01, PostprocessingSearch::SmallObjectsAndValleys);
  ASSERT_EQ(candidates.size(), 28u);
  EXPECT_TRUE(candidates.front().Plain());
  EXPECT_EQ(PostprocessingCandidates(0.0, PostprocessingSearch::SmallObjectsAndValleys).size(), 7u);
  const PostprocessingChoice choice = ChoosePostprocessing({ image }, candidates, 0.002);
  EXPECT_TRUE(choice.chosen.CutsValleys());
  EXPECT_DOUBLE_EQ(choice.Chosen().meanDice, 1.0);
  EXPECT_DOUBLE_EQ(choice.Chosen().meanNormalizedHD95, 0.0);
  EXPECT_GT(choice.Plain().meanNormalizedHD95, 0.0);
  EXPECT_EQ(ParsePostprocessingSearch("small_objects_and_valleys"), PostprocessingSearch::SmallObjectsAndValleys);

  // Without a dip between them nothing is cut, and the plain threshold stays.
  ValidationProbability joined = TwoObjectsAcrossAGap(0.9f);
  joined.reference = ApplyMaskPostprocessing(joined.probability, MaskPostprocessing{});
  EXPECT_TRUE(ChoosePostprocessing({ joined }, candidates, 0.002).chosen.Plain());
}

TEST(ProbabilityValleys, TheCutIsStoredAsFractionsAndOlderFilesReadAsNoCut)
{
  MaskPostprocessing cut{ 0.5, 0.001, 0.014, 0.05 };
  EXPECT_FALSE(cut.Plain());
  EXPECT_EQ(cut.ValleyWidthPixels(512, 512), 7);   // 7.2 pixels
  EXPECT_EQ(cut.ValleyWidthPixels(1435, 2943), 21); // 20.1 -> 20, made odd
  EXPECT_EQ(MaskPostprocessing::FromJson(cut.ToJson(), "p"), cut);
  EXPECT_NE(cut.Describe().find("valleys"), std::string::npos);
  const MaskPostprocessing older = MaskPostprocessing::FromJson(ParseJson(R"({"threshold": 0.5, "minimum_object_fraction": 0.01})"), "p");
  EXPECT_FALSE(older.CutsValleys());
  EXPECT_FALSE(MaskPostprocessing{}.ToJson().contains("valley_width_fraction"));
  // A width without a depth, a depth without a width, and a width over half the image are refused.
  EXPECT_THROW(MaskPostprocessing::FromJson(ParseJson(R"({"valley_width_fraction": 0.01})"), "p"), std::invalid_argument);
  EXPECT_THROW(MaskPostprocessing::FromJson(ParseJson(R"({"valley_depth": 0.1})"), "p"), std::invalid_argument);
  EXPECT_THROW(MaskPostprocessing::FromJson(ParseJson(R"({"valley_width_fraction": 0.6, "valley_depth": 0.1})"), "p"), std::invalid_argument);
}
