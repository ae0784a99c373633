// SPDX-License-Identifier: Apache-2.0
// The semi-supervised trainer's core: augmentation, batched MedSAM forward, teacher/student
// training with checkpoints, the stage pipeline and the ablation switches.
#include "sinus/FileUtilities.h"
#include "sinus/MaskPostprocessing.h"
#include "sinus/ModelFile.h"
#include "sinus/SegmentationAugmentation.h"
#include "sinus/SegmenterTraining.h"
#include "sinus/AblationPlan.h"
#include "sinus/SamModel.h"
#include "sinus/SegmenterRegistry.h"
#include "sinus/PipelineStageSelection.h"
#include "sinus/SemiSupervisedPipeline.h"
#include "sinus/TensorDictionary.h"
#include "sinus/TestTimeMirror.h"
#include "sinusTestSupport.h"
#include "sinusTinyPipelineRun.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

namespace fs = std::filesystem;
using namespace sinus;

namespace
{
const std::vector<SegmentationSample> none;

bool
SameWeights(torch::nn::Module & a, torch::nn::Module & b)
{
  const auto pa = a.parameters(), pb = b.parameters();
  if (pa.size() != pb.size())
    return false;
  for (size_t i = 0; i < pa.size(); ++i)
    if (!torch::equal(pa[i], pb[i]))
      return false;
  return true;
}
} // namespace

TEST(SegmentationAugmentation, SameSeedSameBatchAndTargetsStayAligned)
{
  AugmentationOptions options;
  options.rotationDegrees = 10;
  options.noiseStd = 0; // so the image can be compared with its label
  options.contrast = 0;
  options.brightness = 0;
  options.gamma = 0;
  // A bright square with its label, at the same resolution.
  torch::Tensor image = torch::zeros({ 2, 3, 32, 32 });
  image.index_put_({ torch::indexing::Slice(), torch::indexing::Slice(), torch::indexing::Slice(8, 20), torch::indexing::Slice(10, 24) }, 1.0);
  const torch::Tensor label = image.index({ torch::indexing::Slice(), torch::indexing::Slice(0, 1) }).clone();
  PortableRandom      r1(5), r2(5);
  const auto          a1 = DrawBatchAugmentation(2, options, r1), a2 = DrawBatchAugmentation(2, options, r2);
  const torch::Tensor out1 = AugmentImages(image, a1), out2 = AugmentImages(image, a2);
  EXPECT_TRUE(torch::equal(out1, out2));
  EXPECT_FALSE(torch::equal(out1, image)); // something changed
  // With the border repeated in the image and zeros outside the label (the square is far from the
  // border), image channel 0 and the warped label agree everywhere.
  const torch::Tensor warped = WarpTargets(label, a1, false);
  EXPECT_LT((out1.index({ torch::indexing::Slice(), torch::indexing::Slice(0, 1) }) - warped).abs().max().item<double>(), 1e-5);

  // Intensity changes and noise keep [0, 1]; disabled augmentation is the identity.
  AugmentationOptions strong;
  strong.noiseStd = 0.3;
  strong.contrast = 0.5;
  PortableRandom      r3(1);
  const torch::Tensor noisy = AugmentImages(torch::rand({ 2, 3, 16, 16 }), DrawBatchAugmentation(2, strong, r3));
  EXPECT_GE(noisy.min().item<double>(), 0.0);
  EXPECT_LE(noisy.max().item<double>(), 1.0);
  AugmentationOptions off;
  off.enabled = false;
  PortableRandom r4(1);
  EXPECT_TRUE(torch::equal(AugmentImages(image, DrawBatchAugmentation(2, off, r4)), image));
}

namespace
{
/** The largest difference between `patch` (C x P x P) and the best-matching whole-pixel window of
 *  `image` (C x S x S). */
double
DistanceToNearestWindow(const torch::Tensor & patch, const torch::Tensor & image)
{
  const int64_t p = patch.size(-1), s = image.size(-1);
  double        best = 1e9;
  for (int64_t y = 0; y + p <= s; ++y)
    for (int64_t x = 0; x + p <= s; ++x)
    {
      using torch::indexing::Slice;
      const auto window = image.index({ Slice(), Slice(y, y + p), Slice(x, x + p) });
      best = std::min(best, (window - patch).abs().max().item<double>());
    }
  return best;
}
} // namespace

TEST(SegmentationAugmentation, RandomPatchesAreWindowsOfTheAugmentedViewForImagesAndTargets)
{
  const torch::Tensor images = torch::rand({ 2, 3, 32, 32 });
  const torch::Tensor labels = (images.index({ torch::indexing::Slice(), torch::indexing::Slice(0, 1) }) > 0.5).to(torch::kFloat32);
  // Without augmentation: exact windows of the input, the label cut where its image was.
  AugmentationOptions off;
  off.enabled = false;
  PortableRandom    random(3);
  BatchAugmentation cut = DrawBatchAugmentation(2, off, random);
  AddRandomPatches(cut, 32, 16, random);
  const torch::Tensor patches = AugmentImages(images, cut), labelPatches = WarpTargets(labels, cut, false);
  ASSERT_EQ(patches.sizes(), (std::vector<int64_t>{ 2, 3, 16, 16 }));
  ASSERT_EQ(labelPatches.sizes(), (std::vector<int64_t>{ 2, 1, 16, 16 }));
  for (int64_t i = 0; i < 2; ++i)
  {
    EXPECT_LT(DistanceToNearestWindow(patches[i], images[i]), 1e-5);
    EXPECT_TRUE(torch::allclose(labelPatches[i][0], (patches[i][0] > 0.5).to(torch::kFloat32)));
  }
  EXPECT_FALSE(torch::equal(patches[0][0], images[0][0].slice(0, 0, 16).slice(1, 0, 16)) &&
               torch::equal(patches[1][0], images[1][0].slice(0, 0, 16).slice(1, 0, 16))); // not always the corner

  // With a rotation: a window of the same rotated view the whole image gets.
  AugmentationOptions rotate;
  rotate.rotationDegrees = 20;
  rotate.noiseStd = rotate.contrast = rotate.brightness = rotate.gamma = 0;
  PortableRandom    r1(9), r2(9);
  const auto        whole = DrawBatchAugmentation(2, rotate, r1);
  BatchAugmentation window = DrawBatchAugmentation(2, rotate, r2);
  AddRandomPatches(window, 32, 16, r2);
  const torch::Tensor view = AugmentImages(images, whole), viewPatches = AugmentImages(images, window);
  for (int64_t i = 0; i < 2; ++i)
    EXPECT_LT(DistanceToNearestWindow(viewPatches[i], view[i]), 1e-4);

  // Targets on a coarser grid are cut to the same fraction; a side that does not cut evenly and
  // patches that are not smaller than the input are refused.
  EXPECT_EQ(WarpTargets(torch::rand({ 2, 1, 8, 8 }), cut, true).size(-1), 4);
  EXPECT_THROW(WarpTargets(torch::rand({ 2, 1, 9, 9 }), cut, true), std::invalid_argument);
  BatchAugmentation tooLarge = DrawBatchAugmentation(2, off, random);
  EXPECT_THROW(AddRandomPatches(tooLarge, 32, 32, random), std::invalid_argument);
  EXPECT_THROW(AddRandomPatches(tooLarge, 32, 0, random), std::invalid_argument);
}

TEST(SegmentationAugmentation, OptionsFromJsonRejectUnknownKeysAndBadRanges)
{
  Json json = ParseJson(R"({"rotation_degrees": 3, "noise_std": 0.01})");
  const AugmentationOptions o = AugmentationOptions::FromJson(json, AugmentationOptions{});
  EXPECT_EQ(o.rotationDegrees, 3);
  EXPECT_EQ(o.noiseStd, 0.01);
  EXPECT_THROW(AugmentationOptions::FromJson(ParseJson(R"({"rotation": 3})"), AugmentationOptions{}), std::exception);
  EXPECT_THROW(AugmentationOptions::FromJson(ParseJson(R"({"scale": 0.9})"), AugmentationOptions{}), std::invalid_argument);
}

TEST(SegmenterTraining, BatchedForwardPairsEachImageWithItsOwnPrompt)
{
  // MedSAM's batched training decodes image i with prompt i; the result must equal one image at a
  // time (segment-anything's decoder alone would pair every image with every prompt).
  torch::manual_seed(3);
  Sam                 model(SamPreset("small", 64));
  torch::NoGradGuard  noGrad;
  const torch::Tensor images = torch::rand({ 3, 3, 64, 64 });
  const torch::Tensor batched = model->Logits(images);
  ASSERT_EQ(batched.sizes(), (std::vector<int64_t>{ 3, 1, 16, 16 }));
  for (int64_t i = 0; i < 3; ++i)
    EXPECT_LT((batched[i] - model->Logits(images.slice(0, i, i + 1))[0]).abs().max().item<double>(), 1e-5) << i;
}

TEST(SegmenterTraining, PresetsAndSampleGrids)
{
  const SamConfig small = SamPreset("small");
  EXPECT_EQ(small.imageEncoder.imgSize, 256);
  EXPECT_EQ(small.promptEncoder.imageEmbeddingHeight, 16);
  EXPECT_EQ(SamPreset("vit_b").imageEncoder.embedDim, 768);
  EXPECT_THROW(SamPreset("huge"), std::invalid_argument);
  EXPECT_THROW(SamPreset("small", 100), std::invalid_argument); // not a multiple of 16
  const SegmentationSample s = EllipseSample(0, 64, true);
  EXPECT_EQ(s.image.sizes(), (std::vector<int64_t>{ 3, 64, 64 }));
  EXPECT_EQ(s.LabelAt(16).sizes(), (std::vector<int64_t>{ 1, 16, 16 }));
  EXPECT_EQ(s.LabelAt(64).sizes(), (std::vector<int64_t>{ 1, 64, 64 }));
  EXPECT_THROW(s.LabelAt(32), std::invalid_argument);
  // The area-averaged label keeps the foreground fraction of the original mask.
  double fraction = 0;
  for (uint8_t v : s.fullLabel.data)
    fraction += v;
  fraction /= static_cast<double>(s.fullLabel.data.size());
  EXPECT_NEAR(s.LabelAt(16).mean().item<double>(), fraction, 0.02);
  EXPECT_NEAR(s.LabelAt(64).mean().item<double>(), fraction, 0.02);
}

TEST(SegmenterTraining, TeacherResumesExactlyAndKeepsTheBestModel)
{
  const SemiSupervisedData data = TinyPipelineData();
  SegmenterTrainingOptions options = TinyPipelineConfig().teacher;
  options.epochs = 3;
  const std::string dir = ScratchDirectory("segmenter_resume");

  torch::manual_seed(1);
  Sam                               straight(SamPreset("small", 64));
  const std::vector<SegmenterEpochRecord> log = TrainSegmenter(*straight, { data.labelled, none, data.validation }, options,
                                                               { "teacher", dir + "/a.sinusseg", dir + "/a.checkpoint" }, false,
                                                               torch::kCPU);
  ASSERT_EQ(log.size(), 3u);
  EXPECT_TRUE(log.front().best);
  for (const auto & r : log)
  {
    EXPECT_TRUE(std::isfinite(r.total));
    EXPECT_GE(r.validationDice, 0.0);
  }

  // Two epochs, "killed", then resumed to three: the same weights as the straight run.
  SegmenterTrainingOptions two = options;
  two.epochs = 2;
  torch::manual_seed(1);
  Sam first(SamPreset("small", 64));
  TrainSegmenter(*first, { data.labelled, none, data.validation }, two, { "teacher", dir + "/b.sinusseg", dir + "/b.checkpoint" }, false,
                 torch::kCPU);
  torch::manual_seed(99); // another initialisation: the checkpoint must overwrite it
  Sam resumed(SamPreset("small", 64));
  const auto resumedLog = TrainSegmenter(*resumed, { data.labelled, none, data.validation }, options,
                                         { "teacher", dir + "/b.sinusseg", dir + "/b.checkpoint" }, true, torch::kCPU);
  EXPECT_EQ(resumedLog.size(), 3u);
  EXPECT_TRUE(SameWeights(*straight, *resumed));

  // The model file holds the best epoch by validation Dice.
  size_t best = 0;
  for (size_t i = 0; i < log.size(); ++i)
    if (log[i].best)
      best = i;
  Json metadata;
  LoadSamModel(dir + "/a.sinusseg", &metadata);
  EXPECT_EQ(JsonInteger(metadata.at("epoch")), log[best].epoch);
  EXPECT_EQ(metadata.at("stage").get<std::string>(), "teacher");

  // A checkpoint made with other settings is refused.
  SegmenterTrainingOptions other = options;
  other.learningRate *= 2;
  EXPECT_THROW(TrainSegmenter(*resumed, { data.labelled, none, data.validation }, other,
                              { "teacher", dir + "/b.sinusseg", dir + "/b.checkpoint" }, true, torch::kCPU),
               SegmenterTrainingError);
}

TEST(SegmenterTraining, NonFiniteLossNamesStageEpochAndBatch)
{
  SemiSupervisedData data = TinyPipelineData();
  data.labelled[1].labels.at(16).fill_(std::nan(""));
  SegmenterTrainingOptions options = TinyPipelineConfig().teacher;
  options.augmentation.enabled = false;
  torch::manual_seed(1);
  Sam model(SamPreset("small", 64));
  try
  {
    TrainSegmenter(*model, { data.labelled, none, none }, options, { "teacher", "", "" }, false, torch::kCPU);
    FAIL() << "a NaN label must stop training";
  }
  catch (const SegmenterTrainingError & e)
  {
    const std::string message = e.what();
    EXPECT_NE(message.find("teacher training"), std::string::npos) << message;
    EXPECT_NE(message.find("is nan at epoch 1, batch"), std::string::npos) << message;
  }
}

TEST(SegmenterTraining, StudentLogsDistillationWeightsAndUnsupervisedLoss)
{
  const SemiSupervisedData data = TinyPipelineData();
  torch::manual_seed(2);
  Sam                     teacher(SamPreset("small", 64));
  StudentTargets          targets;
  targets.labelledTeacherLogits = PredictSampleLogits(*teacher, data.labelled, 4, torch::kCPU);
  targets.unlabelledTeacherLogits = PredictSampleLogits(*teacher, data.unlabelled, 4, torch::kCPU);
  targets.pseudoLabels = (targets.unlabelledTeacherLogits > 0).to(torch::kFloat32);
  SegmenterTrainingOptions options = TinyPipelineConfig().student;
  options.epochs = 1;
  torch::manual_seed(2);
  Sam        student(SamPreset("small", 64));
  const auto log = TrainSegmenter(*student, { data.labelled, data.unlabelled, none, &targets }, options, { "student", "", "" }, false, torch::kCPU);
  ASSERT_EQ(log.size(), 1u);
  EXPECT_GT(log[0].distillationRaw, 0.0);
  EXPECT_GT(log[0].meanWeight, 0.0);
  EXPECT_LE(log[0].meanWeight, 1.0);
  EXPECT_GE(log[0].meanHD95, 0.0);
  EXPECT_TRUE(std::isfinite(log[0].unsupervised));
  // alpha * L_sup + beta * L_wkd + (1 - alpha) * L_unsup, with the epoch means.
  EXPECT_NEAR(log[0].total, options.alpha * log[0].supervised + options.beta * log[0].distillationWeighted +
                              (1 - options.alpha) * log[0].unsupervised, 1e-4);

  // Missing targets for the unlabelled images are an error, not a silent supervised run.
  StudentTargets incomplete = targets;
  incomplete.pseudoLabels = torch::Tensor();
  EXPECT_THROW(TrainSegmenter(*student, { data.labelled, data.unlabelled, none, &incomplete }, options, { "student", "", "" }, false, torch::kCPU),
               SegmenterTrainingError);
}

TEST(SegmenterTraining, OnlineMethodsTrainOnUnlabelledImagesAndResumeExactly)
{
  // Mean Teacher, CPS and UniMatch keep state besides the network (the EMA teacher, the second
  // network) and draw randomness (noise, dropout, strong views): a run stopped after its first
  // epoch and resumed ends with the weights of a straight run. They start, as in the pipeline,
  // from a network trained on the labels (so that UniMatch has confident pixels to learn).
  const SemiSupervisedData data = TinyPipelineData();
  const std::string        dir = ScratchDirectory("online_methods");
  {
    SegmenterTrainingOptions supervised = TinyPipelineConfig().teacher;
    supervised.trainableParts.clear(); // the tiny configuration names SAM's groups
    supervised.epochs = 6;
    supervised.learningRate = 3e-3;
    torch::manual_seed(4);
    Segmenter teacher = BuildSegmenter(SegmenterSpec::ForArchitecture("unet", "cpu", 64));
    TrainSegmenter(*teacher, { data.labelled, none, none }, supervised, { "teacher", dir + "/teacher.sinusseg", "" }, false, torch::kCPU);
  }
  for (const std::string method : { "mean_teacher", "cps", "unimatch" })
  {
    SegmenterTrainingOptions options = TinyPipelineConfig().student;
    options.trainableParts.clear();
    options.semiSupervised = method;
    options.epochs = 2;
    const SegmenterTrainingData training{ data.labelled, data.unlabelled, data.validation, nullptr };
    Segmenter  straight = LoadSegmenterModel(dir + "/teacher.sinusseg");
    const auto log = TrainSegmenter(*straight, training, options, { "student", dir + "/" + method + "_a.sinusseg", dir + "/" + method + "_a.checkpoint" },
                                    false, torch::kCPU);
    ASSERT_EQ(log.size(), 2u) << method;
    for (const auto & r : log)
    {
      EXPECT_TRUE(std::isfinite(r.total) && std::isfinite(r.supervised)) << method;
      EXPECT_GT(r.unsupervised, 0.0) << method; // the unlabelled images are used
      EXPECT_GT(r.meanWeight, 0.0) << method;
      EXPECT_LE(r.meanWeight, method == "unimatch" ? 1.0 : 0.1) << method; // confident fraction, or the ramped weight
      EXPECT_EQ(r.distillationRaw, 0.0) << method;
    }
    // Stopped after the first epoch (as a killed run), then resumed from another initialisation.
    bool                       firstEpochDone = false;
    SegmenterTrainingCallbacks stopAfterOne;
    stopAfterOne.onEpoch = [&](const std::vector<SegmenterEpochRecord> &) { firstEpochDone = true; };
    stopAfterOne.shouldAbort = [&] { return firstEpochDone; };
    Segmenter first = LoadSegmenterModel(dir + "/teacher.sinusseg");
    EXPECT_THROW(TrainSegmenter(*first, training, options, { "student", dir + "/" + method + "_b.sinusseg", dir + "/" + method + "_b.checkpoint" },
                                false, torch::kCPU, stopAfterOne),
                 SegmenterTrainingAborted);
    torch::manual_seed(77);
    Segmenter resumed = BuildSegmenter(SegmenterSpec::ForArchitecture("unet", "cpu", 64));
    TrainSegmenter(*resumed, training, options, { "student", dir + "/" + method + "_b.sinusseg", dir + "/" + method + "_b.checkpoint" },
                   true, torch::kCPU);
    EXPECT_TRUE(SameWeights(*straight, *resumed)) << method;
  }
  // UniMatch's feature perturbation needs an encoder-decoder network.
  SegmenterTrainingOptions unimatch = TinyPipelineConfig().student;
  unimatch.trainableParts.clear();
  unimatch.semiSupervised = "unimatch";
  torch::manual_seed(5);
  Segmenter transunet = BuildSegmenter(SegmenterSpec::ForArchitecture("transunet", "cpu", 64));
  try
  {
    TrainSegmenter(*transunet, { data.labelled, data.unlabelled, none, nullptr }, unimatch, { "student", "", "" }, false, torch::kCPU);
    FAIL() << "UniMatch must refuse a network without feature maps to perturb";
  }
  catch (const SegmenterTrainingError & e)
  {
    EXPECT_NE(std::string(e.what()).find("transunet network has no encoder feature maps"), std::string::npos) << e.what();
  }
}

TEST(SemiSupervisedPipeline, EmptyStageSelectionRunsEveryStageAndAChosenOneOnlyItself)
{
  for (PipelineStage stage : AllPipelineStages())
  {
    EXPECT_TRUE(StageSelected({}, stage)) << ToString(stage);
    EXPECT_EQ(StageSelected({ PipelineStage::Student }, stage), stage == PipelineStage::Student) << ToString(stage);
  }
}

TEST(SemiSupervisedPipeline, AllStagesThenResumeThenStageAlone)
{
  const SemiSupervisedData   data = TinyPipelineData();
  const SemiSupervisedConfig config = TinyPipelineConfig();
  const std::string          dir = ScratchDirectory("pipeline") + "/run";
  PipelineRunOptions         options;
  options.outputDirectory = dir;
  std::vector<std::string> messages;
  PipelineCallbacks        callbacks;
  callbacks.onStageMessage = [&](PipelineStage s, const std::string & m) { messages.push_back(std::string(ToString(s)) + ": " + m); };
  const PipelineResult result = RunSemiSupervisedPipeline(data, config, options, callbacks);
  for (const char * file : { "config.json", "state.json", "teacher.sinusseg", "teacher.checkpoint", "teacher_log.csv", "pseudo_labels.pt",
                             "refiner.sinusseg", "refinement_log.csv", "refined_pseudo_labels.pt", "student.sinusseg", "student_log.csv",
                             "evaluation.csv", "evaluation.json" })
    EXPECT_TRUE(fs::exists(fs::path(dir) / file)) << file;
  ASSERT_EQ(result.summaries.size(), 2u);
  EXPECT_EQ(result.summaries[0].model, "teacher");
  EXPECT_EQ(result.summaries[1].model, "student");
  EXPECT_EQ(result.cases.size(), 4u);
  // The student's model file is an ordinary SAM model file.
  Json          metadata;
  const Segmenter student = LoadSegmenterModel(dir + "/student.sinusseg", &metadata);
  EXPECT_EQ(metadata.at("stage").get<std::string>(), "student");
  EXPECT_EQ(student->Architecture(), "sam");
  EXPECT_EQ(student->InputSize(), 64);
  // The evaluation chose each model's postprocessing on the validation image, stored it in the
  // model file and reported it with its validation scores.
  ASSERT_TRUE(metadata.contains("postprocessing")) << metadata.dump();
  const MaskPostprocessing stored = MaskPostprocessing::FromJson(metadata.at("postprocessing"), "student.sinusseg");
  const Json evaluation = ParseJson(sinus::ReadTextFile(fs::path(dir) / "evaluation.json"));
  const Json & choice = evaluation.at("postprocessing").at("student");
  EXPECT_EQ(choice.at("chosen").dump(), stored.ToJson().dump());
  EXPECT_EQ(choice.at("validation_candidates").size(), 28u); // > 0.5: 4 object sizes x 7 valley cuts
  EXPECT_GE(choice.at("validation_chosen").at("mean_dice").get<double>(),
            choice.at("validation_plain").at("mean_dice").get<double>() - 0.002);
  EXPECT_TRUE(evaluation.at("postprocessing").contains("teacher"));
  bool reported = false;
  for (const auto & m : messages)
    reported = reported || m.find("evaluation: student: postprocessing chosen on 1 validation images") != std::string::npos;
  EXPECT_TRUE(reported);

  // The same folder again: refused without --resume; with it, every stage is already done.
  EXPECT_THROW(RunSemiSupervisedPipeline(data, config, options), std::runtime_error);
  PipelineRunOptions resume = options;
  resume.resume = true;
  messages.clear();
  RunSemiSupervisedPipeline(data, config, resume, callbacks);
  for (const auto & m : messages)
    EXPECT_EQ(m.find("epoch"), std::string::npos) << "a completed stage ran again: " << m;
  // Other settings in the same folder are refused.
  SemiSupervisedConfig other = config;
  other.student.alpha = 0.25;
  EXPECT_THROW(RunSemiSupervisedPipeline(data, other, resume), std::runtime_error);
  // ... except the postprocessing search, which only the evaluation reads: it runs again with it.
  SemiSupervisedConfig thresholds = config;
  thresholds.postprocessing = PostprocessingSearch::SmallObjectsAndThreshold;
  messages.clear();
  RunSemiSupervisedPipeline(data, thresholds, resume, callbacks);
  for (const auto & m : messages)
    EXPECT_EQ(m.find("epoch"), std::string::npos) << "a trained stage ran again: " << m;
  const Json reevaluated = ParseJson(sinus::ReadTextFile(fs::path(dir) / "evaluation.json"));
  EXPECT_EQ(reevaluated.at("postprocessing").at("student").at("validation_candidates").size(), 16u);
  EXPECT_EQ(ParseJson(sinus::ReadTextFile(fs::path(dir) / "config.json")).at("postprocessing").get<std::string>(),
            "small_objects_and_threshold");
  // ... and test-time mirroring: both models' postprocessing is chosen again on mirror-averaged
  // probabilities, and their model files say so (prediction then mirrors too); switched off again,
  // the entry goes.
  SemiSupervisedConfig mirrored = config;
  mirrored.testTimeMirror = true;
  messages.clear();
  RunSemiSupervisedPipeline(data, mirrored, resume, callbacks);
  bool mirroredChoice = false;
  for (const auto & m : messages)
  {
    EXPECT_EQ(m.find("epoch"), std::string::npos) << "a trained stage ran again: " << m;
    mirroredChoice = mirroredChoice || m.find("student: postprocessing chosen on 1 validation images (mirror-averaged)") != std::string::npos;
  }
  EXPECT_TRUE(mirroredChoice);
  EXPECT_TRUE(ParseJson(sinus::ReadTextFile(fs::path(dir) / "evaluation.json")).at("test_time_mirror").get<bool>());
  EXPECT_TRUE(ParseJson(sinus::ReadTextFile(fs::path(dir) / "config.json")).at("test_time_mirror").get<bool>());
  for (const char * model : { "teacher.sinusseg", "student.sinusseg" })
  {
    Json mirroredMetadata;
    LoadSegmenterModel((fs::path(dir) / model).string(), &mirroredMetadata);
    EXPECT_TRUE(ReadTestTimeMirror(mirroredMetadata, model)) << model;
  }
  RunSemiSupervisedPipeline(data, config, resume);
  Json unmirroredMetadata;
  LoadSegmenterModel(dir + "/student.sinusseg", &unmirroredMetadata);
  EXPECT_FALSE(unmirroredMetadata.contains("test_time_mirror")) << unmirroredMetadata.dump();
  EXPECT_FALSE(ParseJson(sinus::ReadTextFile(fs::path(dir) / "evaluation.json")).at("test_time_mirror").get<bool>());

  // The student stage alone in a new folder needs the teacher's outputs.
  PipelineRunOptions alone;
  alone.outputDirectory = ScratchDirectory("pipeline_alone") + "/run";
  alone.stages = { PipelineStage::Student };
  try
  {
    RunSemiSupervisedPipeline(data, config, alone);
    FAIL() << "the student stage cannot run without pseudo-labels";
  }
  catch (const std::runtime_error & e)
  {
    EXPECT_NE(std::string(e.what()).find("pseudo_labels.pt is missing"), std::string::npos) << e.what();
  }
  // ... but may take them from another run with the same teacher settings.
  PipelineRunOptions reuse;
  reuse.outputDirectory = ScratchDirectory("pipeline_reuse") + "/run";
  reuse.resume = true;
  reuse.teacherFrom = dir;
  SemiSupervisedConfig unweighted = config;
  unweighted.student.distillation = DistillationMode::Unweighted;
  unweighted.refinement = RefinementMode::Off;
  unweighted.postprocessing = PostprocessingSearch::Off;
  const PipelineResult reused = RunSemiSupervisedPipeline(data, unweighted, reuse);
  EXPECT_EQ(reused.summaries.size(), 2u);
  Json plainMetadata;
  LoadSegmenterModel(reuse.outputDirectory + "/student.sinusseg", &plainMetadata);
  EXPECT_FALSE(plainMetadata.contains("postprocessing")) << "postprocessing off keeps the plain > 0.5";
  EXPECT_EQ(sinus::ReadTextFile(fs::path(reuse.outputDirectory) / "teacher.sinusseg"), sinus::ReadTextFile(fs::path(dir) / "teacher.sinusseg"));
  SemiSupervisedConfig otherTeacher = config;
  otherTeacher.teacher.learningRate = 1e-3;
  reuse.outputDirectory = ScratchDirectory("pipeline_reuse_bad") + "/run";
  EXPECT_THROW(RunSemiSupervisedPipeline(data, otherTeacher, reuse), std::runtime_error);

  // Refinement by the teacher's own postprocessing: chosen on the validation images, stored in the
  // teacher's model file, and each unlabelled image's pseudo-label is its teacher mask through it.
  PipelineRunOptions postprocessed = reuse;
  postprocessed.outputDirectory = ScratchDirectory("pipeline_postprocessed") + "/run";
  postprocessed.stages = { PipelineStage::Refinement };
  SemiSupervisedConfig byPostprocessing = config;
  byPostprocessing.refinement = RefinementMode::Postprocessing;
  messages.clear();
  RunSemiSupervisedPipeline(data, byPostprocessing, postprocessed, callbacks);
  bool chosen = false;
  for (const auto & m : messages)
    chosen = chosen || m.find("refinement: teacher: postprocessing chosen on 1 validation images") != std::string::npos;
  EXPECT_TRUE(chosen);
  const fs::path folder = postprocessed.outputDirectory;
  Json           teacherMetadata;
  LoadSegmenterModel((folder / "teacher.sinusseg").string(), &teacherMetadata);
  const std::optional<MaskPostprocessing> teacherPostprocessing = MaskPostprocessing::FromModelMetadata(teacherMetadata, "teacher.sinusseg");
  ASSERT_TRUE(teacherPostprocessing.has_value());
  torch::serialize::InputArchive logitsArchive, labelsArchive;
  logitsArchive.load_from((folder / "pseudo_labels.pt").string());
  labelsArchive.load_from((folder / "refined_pseudo_labels.pt").string());
  torch::Tensor logits, labels;
  logitsArchive.read("unlabelled_logits", logits);
  labelsArchive.read("pseudo_labels", labels);
  ASSERT_EQ(labels.sizes(), logits.sizes());
  for (int64_t i = 0; i < logits.size(0); ++i)
  {
    const Raster<uint8_t> expected = ApplyMaskPostprocessing(TensorToRaster<float>(torch::sigmoid(logits[i][0])), *teacherPostprocessing);
    const torch::Tensor   label = labels[i][0].contiguous();
    for (size_t p = 0; p < expected.data.size(); ++p)
      ASSERT_EQ(label.data_ptr<float>()[p], expected.data[p] ? 1.0f : 0.0f) << "image " << i << " pixel " << p;
  }
}

TEST(SemiSupervisedPipeline, ConfigurationJsonAndAblationRows)
{
  const SemiSupervisedConfig c = TinyPipelineConfig();
  const SemiSupervisedConfig back = SemiSupervisedConfig::FromJson(c.ToJson());
  EXPECT_EQ(back.ToJson().dump(), c.ToJson().dump());
  EXPECT_THROW(SemiSupervisedConfig::FromJson(ParseJson(R"({"teacher": {"epochz": 3}})")), std::exception);
  EXPECT_THROW(SemiSupervisedConfig::FromJson(ParseJson(R"({"refinement": "sometimes"})")), std::invalid_argument);
  for (const char * mode : { "off", "no_cbam", "cbam", "postprocessing" })
    EXPECT_STREQ(ToString(ParseRefinementMode(mode)), mode);
  // The teacher's postprocessing as refinement needs a search to choose it with.
  EXPECT_NO_THROW(SemiSupervisedConfig::FromJson(ParseJson(R"({"refinement": "postprocessing"})")));
  EXPECT_THROW(SemiSupervisedConfig::FromJson(ParseJson(R"({"refinement": "postprocessing", "postprocessing": "off"})")),
               std::invalid_argument);
  // Postprocessing is chosen unless switched off; only a search other than the default is written.
  EXPECT_EQ(c.postprocessing, PostprocessingSearch::SmallObjectsAndValleys);
  EXPECT_FALSE(c.ToJson().contains("postprocessing"));
  for (const char * text : { "off", "small_objects", "small_objects_and_threshold" })
  {
    const SemiSupervisedConfig other = SemiSupervisedConfig::FromJson(ParseJson(std::string(R"({"postprocessing": ")") + text + "\"}"));
    EXPECT_EQ(other.ToJson().at("postprocessing").get<std::string>(), text);
    EXPECT_EQ(SemiSupervisedConfig::FromJson(other.ToJson()).postprocessing, other.postprocessing);
  }
  EXPECT_THROW(SemiSupervisedConfig::FromJson(ParseJson(R"({"postprocessing": "always"})")), std::invalid_argument);
  // Test-time mirroring is off unless asked for, and written only when on.
  EXPECT_FALSE(c.testTimeMirror);
  EXPECT_FALSE(c.ToJson().contains("test_time_mirror"));
  const SemiSupervisedConfig mirrored = SemiSupervisedConfig::FromJson(ParseJson(R"({"test_time_mirror": true})"));
  EXPECT_TRUE(mirrored.testTimeMirror);
  EXPECT_TRUE(SemiSupervisedConfig::FromJson(mirrored.ToJson()).testTimeMirror);
  EXPECT_THROW(SemiSupervisedConfig::FromJson(ParseJson(R"({"test_time_mirror": "yes"})")), std::exception);
  const SemiSupervisedConfig paper = SemiSupervisedConfig::Preset("vit_b");
  EXPECT_EQ(paper.teacher.learningRate, 1e-5);
  EXPECT_EQ(paper.teacher.batchSize, 8);
  EXPECT_EQ(paper.teacher.epochs, 10);
  EXPECT_EQ(paper.student.alpha, 0.5);
  EXPECT_EQ(paper.student.beta, 1e-6);
  EXPECT_EQ(paper.student.temperature, 2);
  EXPECT_EQ(paper.refinerTraining.epochs, 100);
  EXPECT_EQ(paper.refinerTraining.batchSize, 10);
  EXPECT_EQ(paper.postprocessing, PostprocessingSearch::Off);

  ASSERT_EQ(AblationVariants().size(), 7u);
  const SemiSupervisedConfig kd = ApplyAblationVariant(c, FindAblationVariant("kd"));
  EXPECT_FALSE(kd.useUnlabelled);
  EXPECT_EQ(kd.student.distillation, DistillationMode::Unweighted);
  const SemiSupervisedConfig noCbam = ApplyAblationVariant(c, FindAblationVariant("refine_no_cbam_kd"));
  EXPECT_EQ(noCbam.refinement, RefinementMode::WithoutCbam);
  const SemiSupervisedConfig full = ApplyAblationVariant(c, FindAblationVariant("full"));
  EXPECT_EQ(full.refinement, RefinementMode::WithCbam);
  EXPECT_EQ(full.student.distillation, DistillationMode::Weighted);
  EXPECT_FALSE(FindAblationVariant("labelled_only").trainStudent);
  EXPECT_THROW(FindAblationVariant("everything"), std::invalid_argument);
  EXPECT_THROW(ParseTrainingDevice("tpu"), std::invalid_argument);
  if (!torch::cuda::is_available())
  {
    EXPECT_THROW(ParseTrainingDevice("cuda"), std::invalid_argument);
  }
}
