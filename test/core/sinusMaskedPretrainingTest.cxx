// SPDX-License-Identifier: Apache-2.0
// Self-supervised pretraining: patch masks, the loss over hidden patches only, MAE's encoder on
// visible patches only, a few steps lowering the loss, resume, and the encoder's way into every
// Table-1 network.
#include "sinus/MaskedPretraining.h"
#include "sinus/PatchMasking.h"
#include "sinus/PretrainedEncoder.h"
#include "sinus/SegmenterRegistry.h"
#include "sinusTestSupport.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

using namespace sinus;

namespace
{
Segmenter
SmallNetwork(const std::string & name, uint64_t seed = 3)
{
  torch::manual_seed(seed);
  return BuildSegmenter(SegmenterSpec::ForArchitecture(name, "cpu", 64));
}

/** Smooth synthetic radiograph-like images (uint8, 3 x 64 x 64): bands and blobs that a network can
 *  learn to fill in from their surroundings. */
std::vector<torch::Tensor>
SmoothImages(int64_t count)
{
  std::vector<torch::Tensor> images;
  const torch::Tensor        y = torch::linspace(0, 1, 64).view({ 64, 1 }), x = torch::linspace(0, 1, 64).view({ 1, 64 });
  for (int64_t i = 0; i < count; ++i)
  {
    const double  phase = 0.7 * static_cast<double>(i);
    torch::Tensor grey = 0.5 + 0.25 * torch::sin(6.0 * x + phase) * torch::cos(4.0 * y - phase) +
                         0.2 * torch::exp(-((x - 0.3 - 0.05 * i).pow(2) + (y - 0.6).pow(2)) / 0.02);
    images.push_back((grey.clamp(0, 1) * 255).round().to(torch::kUInt8).unsqueeze(0).repeat({ 3, 1, 1 }));
  }
  return images;
}

MaskedPretrainingOptions
QuickOptions(int64_t epochs)
{
  MaskedPretrainingOptions o;
  o.epochs = epochs;
  o.batchSize = 4;
  o.learningRate = 3e-3;
  o.decoderDim = 32;
  o.decoderDepth = 1;
  o.decoderHeads = 2;
  return o;
}
} // namespace

TEST(PatchMasking, HidesTheRatioOfEachImageAndListsTheVisiblePatches)
{
  torch::manual_seed(1);
  const PatchMask mask = RandomPatchMask(5, 16, 0.75);
  EXPECT_TRUE(torch::equal(mask.masked.sum(1), torch::full({ 5 }, 12.0)));
  ASSERT_EQ(mask.visible.sizes(), (std::vector<int64_t>{ 5, 4 }));
  EXPECT_TRUE((mask.masked.gather(1, mask.visible) == 0).all().item<bool>());
  EXPECT_FALSE(torch::equal(mask.masked[0], mask.masked[1])); // each image its own draw
  EXPECT_THROW(RandomPatchMask(1, 16, 1.0), std::invalid_argument);
  EXPECT_THROW(RandomPatchMask(1, 16, 0.01), std::invalid_argument); // rounds to no hidden patch
}

TEST(PatchMasking, PatchesRoundTripAndTargetsAreNormalisedPerPatch)
{
  const torch::Tensor images = torch::rand({ 2, 3, 32, 48 });
  const torch::Tensor patches = Patchify(images, 16);
  ASSERT_EQ(patches.sizes(), (std::vector<int64_t>{ 2, 6, 768 }));
  EXPECT_TRUE(torch::equal(Unpatchify(patches, 16, 3, 32, 48), images));
  // Patch 1 of image 0 is the block of rows 0-15, columns 16-31.
  EXPECT_TRUE(torch::equal(patches[0][1].view({ 16, 16, 3 }).permute({ 2, 0, 1 }), images[0].slice(1, 0, 16).slice(2, 16, 32)));
  const torch::Tensor targets = NormalisedPatchTargets(images, 16);
  EXPECT_LT(targets.mean(-1).abs().max().item<double>(), 1e-5);
  EXPECT_LT((targets.var(-1) - 1.0).abs().max().item<double>(), 1e-3);
  EXPECT_THROW(Patchify(torch::rand({ 1, 3, 20, 32 }), 16), std::invalid_argument);
}

TEST(PatchMasking, LossCountsHiddenPatchesOnlyAndBlankingZeroesThem)
{
  const torch::Tensor target = torch::zeros({ 1, 4, 8 });
  const torch::Tensor masked = torch::tensor({ { 1.0f, 0.0f, 1.0f, 0.0f } });
  torch::Tensor       predicted = target.clone();
  predicted[0][1] = 100.0; // a visible patch, however wrong, costs nothing
  EXPECT_DOUBLE_EQ(HiddenPatchLoss(predicted, target, masked).item<double>(), 0.0);
  predicted[0][0] = 1.0; // one of two hidden patches off by 1 everywhere: mean 0.5
  EXPECT_DOUBLE_EQ(HiddenPatchLoss(predicted, target, masked).item<double>(), 0.5);

  const torch::Tensor images = torch::ones({ 1, 1, 32, 32 });
  const torch::Tensor blanked = BlankHiddenPatches(images, masked, 16);
  EXPECT_EQ(blanked.slice(2, 0, 16).slice(3, 0, 16).sum().item<double>(), 0.0);    // patch 0 hidden
  EXPECT_EQ(blanked.slice(2, 0, 16).slice(3, 16, 32).sum().item<double>(), 256.0); // patch 1 visible
  EXPECT_EQ(blanked.slice(2, 16, 32).slice(3, 0, 16).sum().item<double>(), 0.0);   // patch 2 hidden
}

TEST(MaskedPretraining, MaeEncoderNeverSeesTheHiddenPatches)
{
  Segmenter unetr = SmallNetwork("unetr");
  unetr->eval();
  ASSERT_TRUE(unetr->EncodesPatchSubsets());
  torch::NoGradGuard  noGrad;
  const torch::Tensor visible = torch::tensor({ { 0, 5, 10 } }, torch::kLong);
  torch::Tensor       images = torch::rand({ 1, 3, 64, 64 });
  const torch::Tensor tokens = unetr->EncodeVisiblePatches(images, visible);
  ASSERT_EQ(tokens.size(1), 3);
  images.slice(2, 16, 32).slice(3, 16, 64).fill_(7.0); // patches 5 (visible) and 6, 7 (hidden) changed
  const torch::Tensor changed = unetr->EncodeVisiblePatches(images, visible);
  images.slice(2, 16, 32).slice(3, 16, 32).copy_(torch::rand({ 1, 3, 16, 16 })); // patch 5 differs again
  images.slice(2, 16, 32).slice(3, 32, 64).fill_(-3.0);                          // hidden 6, 7 only
  const torch::Tensor hiddenOnly = unetr->EncodeVisiblePatches(images, visible);
  images.slice(2, 16, 32).slice(3, 32, 64).fill_(7.0);
  EXPECT_TRUE(torch::allclose(unetr->EncodeVisiblePatches(images, visible), hiddenOnly));
  EXPECT_FALSE(torch::allclose(tokens, changed)); // a visible patch did change the tokens
  EXPECT_THROW(SmallNetwork("unet")->EncodeVisiblePatches(images, visible), std::logic_error);
  MaskedPretrainingOptions mae;
  mae.objective = "mae";
  EXPECT_THROW(mae.ObjectiveFor(*SmallNetwork("unet")), std::invalid_argument);
  EXPECT_EQ(MaskedPretrainingOptions().ObjectiveFor(*unetr), "mae");
}

TEST(MaskedPretraining, AFewEpochsLowerTheReconstructionLoss)
{
  for (const std::string & name : { std::string("unet"), std::string("unetr") })
  {
    Segmenter                network = SmallNetwork(name);
    MaskedPretrainer         pretrainer(*network, QuickOptions(60));
    const auto               log = pretrainer.Train(SmoothImages(8), "", false);
    ASSERT_EQ(log.size(), 60u);
    EXPECT_LT(log.back().loss, 0.75 * log.front().loss) << name << ": " << log.front().loss << " -> " << log.back().loss;
    EXPECT_EQ(pretrainer.Objective(), name == "unetr" ? "mae" : "masked_image");
  }
}

TEST(MaskedPretraining, ResumedRunEndsWithTheUninterruptedWeights)
{
  const std::string          dir = ScratchDirectory("pretraining_resume");
  const std::vector<torch::Tensor> images = SmoothImages(6);
  Segmenter                  straight = SmallNetwork("unet");
  MaskedPretrainer(*straight, QuickOptions(3)).Train(images, dir + "/straight.checkpoint", false);
  // Stopped at the start of epoch 3 (as a kill would find it: the checkpoint of epoch 2 written).
  Segmenter                  interrupted = SmallNetwork("unet");
  MaskedPretrainingCallbacks stopAfterTwo;
  bool                       stop = false;
  stopAfterTwo.onEpoch = [&](const std::vector<MaskedPretrainingRecord> & log) { stop = log.size() == 2; };
  stopAfterTwo.shouldAbort = [&] { return stop; };
  EXPECT_THROW(MaskedPretrainer(*interrupted, QuickOptions(3)).Train(images, dir + "/resumed.checkpoint", false, stopAfterTwo),
               MaskedPretrainingError);
  Segmenter  resumed = SmallNetwork("unet");
  const auto log = MaskedPretrainer(*resumed, QuickOptions(3)).Train(images, dir + "/resumed.checkpoint", true);
  ASSERT_EQ(log.size(), 3u);
  for (const auto & item : straight->named_parameters())
    EXPECT_TRUE(torch::equal(item.value(), resumed->named_parameters()[item.key()])) << item.key();
  // Other images are another pretraining: the checkpoint is refused, naming the file.
  Segmenter other = SmallNetwork("unet");
  try
  {
    MaskedPretrainer(*other, QuickOptions(4)).Train(SmoothImages(5), dir + "/resumed.checkpoint", true);
    ADD_FAILURE() << "a checkpoint of other images was accepted";
  }
  catch (const MaskedPretrainingError & e)
  {
    EXPECT_NE(std::string(e.what()).find("resumed.checkpoint"), std::string::npos) << e.what();
  }
}

TEST(MaskedPretraining, EncoderWeightsGoIntoEveryTableOneNetworkAndNothingElse)
{
  const std::string dir = ScratchDirectory("pretraining_encoders");
  for (const std::string & name : TableOneArchitectures())
  {
    Segmenter        network = SmallNetwork(name);
    MaskedPretrainer pretrainer(*network, QuickOptions(1));
    pretrainer.Train(SmoothImages(2), "", false);
    const std::string path = dir + "/" + name + ".sinusseg";
    SaveSegmenterModel(path, *network, Json{ { "pretraining", pretrainer.Description(2) } });

    Segmenter  fresh = SmallNetwork(name, 11);
    std::map<std::string, torch::Tensor> initial;
    for (const auto & item : fresh->named_parameters())
      initial[item.key()] = item.value().detach().clone();
    ASSERT_TRUE(PretrainedEncoderFits(path, { fresh.get() })) << name;
    EXPECT_EQ(LoadPretrainedEncoder(*fresh, path), static_cast<int64_t>(pretrainer.EncoderParameters().size())) << name;
    const std::set<std::string> encoder(pretrainer.EncoderParameters().begin(), pretrainer.EncoderParameters().end());
    for (const auto & item : fresh->named_parameters())
    {
      const torch::Tensor expected = encoder.count(item.key()) ? network->named_parameters()[item.key()] : initial[item.key()];
      EXPECT_TRUE(torch::equal(item.value(), expected)) << name << " " << item.key();
    }
    EXPECT_LT(encoder.size(), initial.size()) << name << ": the decoder/head is not part of the encoder";
  }
  Segmenter deeplab = SmallNetwork("deeplabv3plus");
  try
  {
    LoadPretrainedEncoder(*deeplab, dir + "/unet.sinusseg");
    ADD_FAILURE() << "a U-Net encoder went into DeepLabV3+";
  }
  catch (const std::invalid_argument & e)
  {
    EXPECT_NE(std::string(e.what()).find("unet.sinusseg"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("pretrained for unet"), std::string::npos) << e.what();
  }
  Segmenter plain = SmallNetwork("unet");
  SaveSegmenterModel(dir + "/plain.sinusseg", *plain);
  EXPECT_THROW(LoadPretrainedEncoder(*plain, dir + "/plain.sinusseg"), std::invalid_argument); // no pretraining record
}
