// SPDX-License-Identifier: Apache-2.0
// MedSAM preprocessing and post-processing against the golden tensors made with the official
// Python pipeline (../shared/reference/golden, README there).
#include "sinus/MedSAMImageTransforms.h"
#include "sinus/MedSAMPostprocessing.h"
#include "sinus/TensorDictionary.h"
#include "sinusTestSupport.h"

#include <gtest/gtest.h>

#include <cmath>
#include <tuple>

namespace
{
using namespace sinus;

const std::map<std::string, torch::Tensor> &
Golden()
{
  static const auto golden = LoadTensorDictionary(GoldenPath());
  return golden;
}

Raster<double>
GoldenRaw(const std::string & key)
{
  return TensorToRaster<double>(RequireTensor(Golden(), key, GoldenPath()));
}

struct UInt8Comparison
{
  int64_t identical = 0;
  int64_t total = 0;
  int     maxDifference = 0;
};

UInt8Comparison
CompareFirstChannel(const Raster<uint8_t> & ours, const Raster<uint8_t> & golden)
{
  UInt8Comparison c;
  c.total = golden.NumberOfPixels();
  for (int64_t i = 0; i < c.total; ++i)
  {
    const int a = ours.data[static_cast<size_t>(i * ours.channels)];
    const int b = golden.data[static_cast<size_t>(i)];
    c.identical += a == b;
    c.maxDifference = std::max(c.maxDifference, std::abs(a - b));
  }
  return c;
}

// The acceptance rule of the preprocessing: uint8 identical on >= 99.9 % of pixels and never more
// than one grey level off (the truncating cast turns last-bit float differences into 1-level steps).
void
ExpectGoldenUInt8(const std::string & rawKey, const std::string & goldenKey, int64_t size)
{
  const Raster<double>     raw = GoldenRaw(rawKey);
  const MedSAMPreprocessed ours = PreprocessForMedSAM(raw, size);
  const auto               golden = TensorToRaster<uint8_t>(RequireTensor(Golden(), goldenKey, GoldenPath()));
  ASSERT_EQ(ours.resizedUInt8.height, size);
  ASSERT_EQ(ours.resizedUInt8.width, size);
  ASSERT_EQ(ours.resizedUInt8.channels, 3);
  const UInt8Comparison c = CompareFirstChannel(ours.resizedUInt8, golden);
  std::cout << goldenKey << ": " << c.identical << "/" << c.total << " pixels identical, max difference "
            << c.maxDifference << std::endl;
  EXPECT_GE(static_cast<double>(c.identical), 0.999 * static_cast<double>(c.total)) << goldenKey;
  EXPECT_LE(c.maxDifference, 1) << goldenKey;
  // The three channels are the grey image replicated.
  for (int64_t i = 0; i < ours.resizedUInt8.NumberOfPixels(); ++i)
  {
    ASSERT_EQ(ours.resizedUInt8.data[static_cast<size_t>(3 * i)], ours.resizedUInt8.data[static_cast<size_t>(3 * i + 1)]);
    ASSERT_EQ(ours.resizedUInt8.data[static_cast<size_t>(3 * i)], ours.resizedUInt8.data[static_cast<size_t>(3 * i + 2)]);
  }
}

void
ExpectGoldenInput(const std::string & rawKey, const std::string & goldenKey)
{
  const MedSAMPreprocessed ours = PreprocessForMedSAM(GoldenRaw(rawKey), 128);
  const torch::Tensor      golden = RequireTensor(Golden(), goldenKey, GoldenPath());
  const torch::Tensor      mine = RasterToNCHW(ours.input);
  ASSERT_EQ(mine.sizes(), golden.sizes());
  const float worst = (mine - golden).abs().max().item<float>();
  std::cout << goldenKey << ": max |difference| " << worst << std::endl;
  EXPECT_LE(worst, 1e-6f) << goldenKey;
  // And the float image is exactly MedSAM's normalisation of our own uint8 image.
  const auto [minIt, maxIt] = std::minmax_element(ours.resizedUInt8.data.begin(), ours.resizedUInt8.data.end());
  for (size_t i = 0; i < ours.input.data.size(); ++i)
  {
    const double expected = static_cast<double>(ours.resizedUInt8.data[i] - *minIt) / std::max(double(*maxIt - *minIt), 1e-8);
    ASSERT_LE(std::fabs(ours.input.data[i] - expected), 1e-6);
  }
}
} // namespace

TEST(MedSAMPreprocessing, UpsamplingMatchesGoldenUInt8)
{
  ExpectGoldenUInt8("raw_image_u8", "prep_resized_u8", 128);
}

TEST(MedSAMPreprocessing, DownsamplingWithAntiAliasingMatchesGoldenUInt8)
{
  ExpectGoldenUInt8("prep_down_raw_u8", "prep_down_resized_u8", 128);
}

TEST(MedSAMPreprocessing, RealSize1024MatchesGoldenUInt8AndMinMax)
{
  ExpectGoldenUInt8("prep1024_raw_u8", "prep1024_resized_u8", 1024);
  const MedSAMPreprocessed ours = PreprocessForMedSAM(GoldenRaw("prep1024_raw_u8"), 1024);
  const auto [minIt, maxIt] = std::minmax_element(ours.resizedUInt8.data.begin(), ours.resizedUInt8.data.end());
  const torch::Tensor minMax = RequireTensor(Golden(), "prep1024_min_max", GoldenPath());
  EXPECT_EQ(*minIt, minMax[0].item<int64_t>());
  EXPECT_EQ(*maxIt, minMax[1].item<int64_t>());
}

TEST(MedSAMPreprocessing, GreyPathEqualsTheThreeChannelResizeBitForBit)
{
  // PreprocessForMedSAM filters the grey channel once and zooms only the rows and columns it taps;
  // the result must be the three-channel ResizeLikeSkimage's, exactly, down- and upsampling.
  torch::manual_seed(11);
  for (const auto & [height, width, size] : { std::tuple<int64_t, int64_t, int64_t>{ 301, 617, 48 }, { 40, 70, 96 } })
  {
    const Raster<double> grey = TensorToRaster<double>((torch::rand({ height, width }, torch::kFloat64) * 255).floor());
    Raster<double>       three(height, width, 3);
    for (int64_t i = 0; i < grey.NumberOfPixels(); ++i)
      for (int64_t c = 0; c < 3; ++c)
        three.data[static_cast<size_t>(3 * i + c)] = grey.data[static_cast<size_t>(i)];
    const Raster<uint8_t> expected = TruncateToUInt8(ResizeLikeSkimage(three, size, size));
    EXPECT_EQ(PreprocessForMedSAM(grey, size).resizedUInt8.data, expected.data) << height << "x" << width << " -> " << size;
  }
}

TEST(MedSAMPreprocessing, ResizeMatchesGoldenFloat64BeforeTruncation)
{
  const Raster<double> raw = GoldenRaw("raw_image_u8");
  Raster<double>       threeChannels(raw.height, raw.width, 3);
  for (int64_t i = 0; i < raw.NumberOfPixels(); ++i)
    for (int c = 0; c < 3; ++c)
      threeChannels.data[static_cast<size_t>(3 * i + c)] = raw.data[static_cast<size_t>(i)];
  const Raster<double> resized = ResizeLikeSkimage(threeChannels, 128, 128);
  const Raster<double> golden = GoldenRaw("prep_resized_f64");
  double               worst = 0;
  for (int64_t i = 0; i < golden.NumberOfPixels(); ++i)
    worst = std::max(worst, std::fabs(resized.data[static_cast<size_t>(3 * i)] - golden.data[static_cast<size_t>(i)]));
  std::cout << "prep_resized_f64: max |difference| " << worst << std::endl;
  EXPECT_LE(worst, 1e-9);
}

TEST(MedSAMPreprocessing, ModelInputMatchesGoldenFloat)
{
  ExpectGoldenInput("raw_image_u8", "input_image");
  ExpectGoldenInput("prep_down_raw_u8", "prep_down_input_image");
}

TEST(MedSAMPreprocessing, ConstantImageStaysConstantAndNormalisesToZero)
{
  Raster<double>           flat(37, 53, 1, 117.0);
  const MedSAMPreprocessed out = PreprocessForMedSAM(flat, 64);
  for (uint8_t v : out.resizedUInt8.data)
    ASSERT_EQ(v, 117);
  for (float v : out.input.data)
    ASSERT_EQ(v, 0.0f); // (u8 - min) / max(0, 1e-8)
}

TEST(MedSAMPreprocessing, SameSizeResizeReproducesTheImage)
{
  Raster<double> image(20, 30, 1);
  for (size_t i = 0; i < image.data.size(); ++i)
    image.data[i] = static_cast<double>((i * 37) % 251);
  const Raster<double> same = ResizeLikeSkimage(image, 20, 30);
  for (size_t i = 0; i < image.data.size(); ++i)
    ASSERT_NEAR(same.data[i], image.data[i], 1e-9);
}

TEST(MedSAMPreprocessing, RejectsBadInput)
{
  Raster<double> image(8, 8, 1, 10.0);
  EXPECT_THROW(ResizeLikeSkimage(image, 0, 4), std::invalid_argument);
  image.data[5] = std::nan("");
  EXPECT_THROW(ResizeLikeSkimage(image, 4, 4), std::invalid_argument);
  Raster<double> outOfRange(8, 8, 1, 300.0);
  EXPECT_THROW(PreprocessForMedSAM(outOfRange, 16), std::out_of_range);
  Raster<double> rgb(8, 8, 3, 1.0);
  EXPECT_THROW(PreprocessForMedSAM(rgb, 16), std::invalid_argument);
}

TEST(MedSAMPostprocessing, ProbabilityBackToOriginalGridMatchesGolden)
{
  for (const std::string prompt : { "box", "point" })
  {
    const torch::Tensor logits = RequireTensor(Golden(), prompt + "_low_res_logits", GoldenPath());
    const auto lowResolution = TensorToRaster<float>(torch::sigmoid(logits).squeeze());
    const auto golden = TensorToRaster<float>(RequireTensor(Golden(), prompt + "_prob", GoldenPath()));
    const auto goldenMask = TensorToRaster<uint8_t>(RequireTensor(Golden(), prompt + "_mask", GoldenPath()));
    const Raster<float>   probability = ResizeBilinearAlignCornersFalse(lowResolution, golden.height, golden.width);
    const Raster<uint8_t> mask = ThresholdProbability(probability);
    float                 worst = 0;
    for (size_t i = 0; i < golden.data.size(); ++i)
      worst = std::max(worst, std::fabs(probability.data[i] - golden.data[i]));
    std::cout << prompt << "_prob: max |difference| " << worst << std::endl;
    ASSERT_EQ(probability.height, 90);
    ASSERT_EQ(probability.width, 110);
    int64_t compared = 0;
    for (size_t i = 0; i < golden.data.size(); ++i)
    {
      ASSERT_LE(std::fabs(probability.data[i] - golden.data[i]), 1e-6f) << prompt << " pixel " << i;
      if (std::fabs(golden.data[i] - 0.5f) > 1e-4f)
      {
        ASSERT_EQ(mask.data[i], goldenMask.data[i]) << prompt << " pixel " << i;
        ++compared;
      }
    }
    EXPECT_GT(compared, 9000);
  }
}

TEST(MedSAMPostprocessing, ThresholdIsStrictlyGreater)
{
  Raster<float> p(1, 3, 1);
  p.data = { 0.5f, 0.50001f, 0.2f };
  const Raster<uint8_t> m = ThresholdProbability(p, 0.5f, 255);
  EXPECT_EQ(m.data, (std::vector<uint8_t>{ 0, 255, 0 }));
}

TEST(TensorDictionary, RasterToNCHWOwnsItsDataForOneAndThreeChannels)
{
  for (const int64_t channels : { int64_t{ 1 }, int64_t{ 3 } })
  {
    Raster<float> raster(2, 3, channels, 1.0f);
    const torch::Tensor tensor = RasterToNCHW(raster);
    std::fill(raster.data.begin(), raster.data.end(), 5.0f); // e.g. the raster going out of scope
    EXPECT_EQ(tensor.sizes(), (std::vector<int64_t>{ 1, channels, 2, 3 }));
    EXPECT_TRUE(torch::all(tensor == 1.0f).item<bool>()) << channels << " channel(s)";
  }
}
