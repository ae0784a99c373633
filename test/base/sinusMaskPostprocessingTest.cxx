// SPDX-License-Identifier: Apache-2.0
// Postprocessing of probability maps (threshold, small-object removal) and its choice on
// validation images: hand-made masks with the expected answer reasoned next to each.
#include "sinus/MaskPostprocessing.h"
#include "sinus/PostprocessingSelection.h"

#include <gtest/gtest.h>

using namespace sinus;

namespace
{
Raster<uint8_t>
MaskOf(const std::vector<std::string> & rows)
{
  Raster<uint8_t> mask(static_cast<int64_t>(rows.size()), static_cast<int64_t>(rows.front().size()));
  for (int64_t y = 0; y < mask.height; ++y)
    for (int64_t x = 0; x < mask.width; ++x)
      mask(y, x) = rows[static_cast<size_t>(y)][static_cast<size_t>(x)] == '#' ? 255 : 0;
  return mask;
}

/** A 40 x 40 validation image: the reference is a 12 x 12 square; the probability is `inside`
 *  on it (`lowerHalf` on its lower 6 rows when given) and `stray` on a 2 x 2 patch far from it,
 *  0.05 elsewhere. */
ValidationProbability
SquareWithStray(float inside, float stray, float lowerHalf = -1)
{
  ValidationProbability image{ Raster<float>(40, 40, 1, 0.05f), Raster<uint8_t>(40, 40), { 1.0, 1.0 } };
  for (int64_t y = 4; y < 16; ++y)
    for (int64_t x = 4; x < 16; ++x)
    {
      image.probability(y, x) = y >= 10 && lowerHalf >= 0 ? lowerHalf : inside;
      image.reference(y, x) = 1;
    }
  for (int64_t y = 34; y < 36; ++y)
    for (int64_t x = 34; x < 36; ++x)
      image.probability(y, x) = stray;
  return image;
}
} // namespace

TEST(MaskPostprocessing, RemovesObjectsBelowTheSizeWithEightConnectivity)
{
  // A 3 x 3 block (9 pixels), a diagonal pair (one 8-connected object of 2), a lone pixel (1).
  const Raster<uint8_t> mask = MaskOf({ "###.....",
                                        "###...#.",
                                        "###..#..",
                                        "........",
                                        ".......#" });
  EXPECT_EQ(SmallestObjectPixels(mask), 1);
  EXPECT_EQ(SmallestObjectPixels(Raster<uint8_t>(4, 4)), 0);
  EXPECT_EQ(RemoveSmallObjects(mask, 1).data, mask.data);
  // Size 2: the lone pixel goes, the diagonal pair stays whole (it is one object) with its 255s.
  EXPECT_EQ(RemoveSmallObjects(mask, 2).data, MaskOf({ "###.....", "###...#.", "###..#..", "........", "........" }).data);
  EXPECT_EQ(RemoveSmallObjects(mask, 9).data, MaskOf({ "###.....", "###.....", "###.....", "........", "........" }).data);
  EXPECT_EQ(RemoveSmallObjects(mask, 10).data, Raster<uint8_t>(5, 8).data);
}

TEST(MaskPostprocessing, ThresholdIsStrictAndObjectSizeIsAFractionOfTheImage)
{
  Raster<float> probability(2, 10, 1, 0.0f);
  probability(0, 0) = 0.6f;  // a lone object of 1 pixel
  probability(1, 5) = 0.5f;  // exactly the plain threshold: background
  for (int64_t x = 7; x < 10; ++x)
    probability(1, x) = 0.9f; // an object of 3 pixels
  const Raster<uint8_t> plain = ApplyMaskPostprocessing(probability, MaskPostprocessing{}, 7);
  EXPECT_EQ(plain(0, 0), 7);
  EXPECT_EQ(plain(1, 5), 0);
  EXPECT_EQ(plain(1, 8), 7);
  // 0.1 of 20 pixels = 2: the lone pixel goes, the 3-pixel object stays.
  const Raster<uint8_t> cleaned = ApplyMaskPostprocessing(probability, MaskPostprocessing{ 0.5, 0.1 });
  EXPECT_EQ(cleaned(0, 0), 0);
  EXPECT_EQ(cleaned(1, 8), 1);
  // A higher threshold drops the 0.6 pixel on its own.
  EXPECT_EQ(ApplyMaskPostprocessing(probability, MaskPostprocessing{ 0.7, 0.0 })(0, 0), 0);
  EXPECT_EQ((MaskPostprocessing{ 0.5, 0.1 }).MinimumObjectPixels(21), 3); // rounded up
}

TEST(MaskPostprocessing, JsonRoundTripAndRefusals)
{
  const MaskPostprocessing p{ 0.6, 0.002 };
  const MaskPostprocessing back = MaskPostprocessing::FromJson(p.ToJson(), "model.sinusseg: postprocessing");
  EXPECT_EQ(back.threshold, 0.6);
  EXPECT_EQ(back.minimumObjectFraction, 0.002);
  EXPECT_TRUE(MaskPostprocessing{}.Plain());
  EXPECT_FALSE(p.Plain());
  EXPECT_EQ(p.Describe(), "> 0.6, objects under 0.2% of the image removed");
  try
  {
    MaskPostprocessing::FromJson(ParseJson(R"({"threshold": 1.0})"), "model.sinusseg: postprocessing");
    FAIL() << "a threshold of 1 leaves nothing";
  }
  catch (const std::invalid_argument & e)
  {
    EXPECT_NE(std::string(e.what()).find("model.sinusseg: postprocessing: threshold"), std::string::npos) << e.what();
  }
  EXPECT_THROW(MaskPostprocessing::FromJson(ParseJson(R"({"threshold": 0.5, "minimum_object_fraction": -1})"), "p"), std::invalid_argument);
  EXPECT_THROW(MaskPostprocessing::FromJson(ParseJson(R"({"treshold": 0.5})"), "p"), std::exception);
}

TEST(PostprocessingSelection, CandidatesStartPlainAndScaleWithTheSmallestLabelledObject)
{
  const std::vector<MaskPostprocessing> c = PostprocessingCandidates(0.01, PostprocessingSearch::SmallObjectsAndThreshold);
  ASSERT_EQ(c.size(), 16u); // 4 thresholds x 4 sizes, the plain one once
  EXPECT_TRUE(c.front().Plain());
  bool twice = false;
  for (const MaskPostprocessing & p : c)
    twice = twice || (p.threshold == 0.7 && p.minimumObjectFraction == 0.02);
  EXPECT_TRUE(twice);
  EXPECT_EQ(PostprocessingCandidates(0.0, PostprocessingSearch::SmallObjectsAndThreshold).size(), 4u); // thresholds only
  EXPECT_EQ(PostprocessingCandidates(0.6, PostprocessingSearch::SmallObjectsAndThreshold).size(), 12u); // 2 x 0.6 would remove everything
  EXPECT_THROW(PostprocessingCandidates(1.5, PostprocessingSearch::SmallObjects), std::invalid_argument);
  // Object sizes alone keep the plain threshold: > 0.5 with no, 1/2, 1 and 2 times the object.
  const std::vector<MaskPostprocessing> sizes = PostprocessingCandidates(0.01, PostprocessingSearch::SmallObjects);
  ASSERT_EQ(sizes.size(), 4u);
  for (const MaskPostprocessing & p : sizes)
    EXPECT_EQ(p.threshold, 0.5);
  EXPECT_EQ(sizes.back().minimumObjectFraction, 0.02);
  EXPECT_EQ(PostprocessingCandidates(0.01, PostprocessingSearch::Off).size(), 1u);
  EXPECT_EQ(ParsePostprocessingSearch("small_objects_and_threshold"), PostprocessingSearch::SmallObjectsAndThreshold);
  EXPECT_THROW(ParsePostprocessingSearch("validation"), std::invalid_argument);
}

TEST(PostprocessingSelection, RemovesStraysThatCostHD95AndKeepsThePlainThresholdOtherwise)
{
  // The 2 x 2 stray (4 pixels, 0.25% of the image) is far from the square: it sets HD95 alone.
  // The smallest labelled object is the square (144 pixels, 9%): every removal size drops the stray.
  const std::vector<ValidationProbability> stray{ SquareWithStray(0.9f, 0.9f), SquareWithStray(0.8f, 0.95f) };
  const PostprocessingChoice removed = ChoosePostprocessing(stray, PostprocessingCandidates(144.0 / 1600.0, PostprocessingSearch::SmallObjectsAndThreshold), 0.002);
  EXPECT_GT(removed.chosen.minimumObjectFraction, 0.0);
  EXPECT_LT(removed.Chosen().meanNormalizedHD95, removed.Plain().meanNormalizedHD95);
  EXPECT_DOUBLE_EQ(removed.Chosen().meanNormalizedHD95, 0.0);
  EXPECT_GE(removed.Chosen().meanDice, removed.Plain().meanDice);
  const Json report = removed.ToJson();
  EXPECT_EQ(report.at("validation_candidates").size(), 16u);
  EXPECT_TRUE(report.at("chosen").contains("minimum_object_fraction"));

  // Without strays the plain threshold is already perfect: nothing is strictly better.
  const PostprocessingChoice clean = ChoosePostprocessing({ SquareWithStray(0.9f, 0.05f) }, PostprocessingCandidates(0.09, PostprocessingSearch::SmallObjectsAndThreshold), 0.002);
  EXPECT_TRUE(clean.chosen.Plain());
}

TEST(PostprocessingSelection, ACandidateThatCostsMoreDiceThanTheToleranceIsNotChosen)
{
  // Thresholds only. The square is 0.9 on its upper half and 0.55 on its lower half; the stray is
  // 0.55. Plain > 0.5: the whole square and the stray (Dice 0.986, HD95 the stray's ~27 px).
  // > 0.6: the upper half alone (Dice 0.667, HD95 6 px) -- lower HD95, far lower Dice.
  const std::vector<ValidationProbability> images{ SquareWithStray(0.9f, 0.55f, 0.55f) };
  const PostprocessingChoice strict = ChoosePostprocessing(images, PostprocessingCandidates(0.0, PostprocessingSearch::SmallObjectsAndThreshold), 0.002);
  EXPECT_TRUE(strict.chosen.Plain());
  EXPECT_NEAR(strict.Plain().meanDice, 288.0 / 292.0, 1e-9);
  // A tolerance that allows any Dice lets HD95 decide.
  const PostprocessingChoice loose = ChoosePostprocessing(images, PostprocessingCandidates(0.0, PostprocessingSearch::SmallObjectsAndThreshold), 1.0);
  EXPECT_GT(loose.chosen.threshold, 0.55);
  EXPECT_LT(loose.Chosen().meanNormalizedHD95, strict.Chosen().meanNormalizedHD95);
  EXPECT_NEAR(loose.Chosen().meanDice, 2.0 / 3.0, 1e-9);
  EXPECT_THROW(ChoosePostprocessing({}, PostprocessingCandidates(0.0, PostprocessingSearch::SmallObjectsAndThreshold), 0.002), std::invalid_argument);
  EXPECT_THROW(ChoosePostprocessing(images, { MaskPostprocessing{ 0.6, 0.0 } }, 0.002), std::invalid_argument);
}
