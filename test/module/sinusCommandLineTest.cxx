// SPDX-License-Identifier: Apache-2.0
// The sinusseg executable as a user meets it: help, exit codes, error messages, outputs.
#include "sinus/FileUtilities.h"
#include "sinus/MaskNoise.h"
#include "sinus/ModelFile.h"
#include "sinus/PanoramicPhantom.h"
#include "sinus/SegmentationMetrics.h"
#include "sinusBFloat16Availability.h"
#include "sinusTestSupport.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include <cmath>
#include <sstream>
#include <cstdio>

namespace fs = std::filesystem;

namespace
{
using Result = CommandResult;

Result
RunSinusSeg(const std::string & arguments)
{
  return RunCommand(SINUSSEG_EXECUTABLE, arguments);
}
} // namespace

TEST(CommandLine, HelpForTheToolAndEverySubcommand)
{
  const Result top = RunSinusSeg("--help");
  EXPECT_EQ(top.status, 0);
  for (const char * command : { "demo", "phantoms", "import-via", "preprocess", "train", "ablation" })
  {
    EXPECT_NE(top.output.find(command), std::string::npos) << command;
    const Result help = RunSinusSeg(std::string(command) + " --help");
    EXPECT_EQ(help.status, 0) << command;
    EXPECT_NE(help.output.find(std::string("Usage: sinusseg ") + command), std::string::npos) << help.output;
  }
  EXPECT_EQ(RunSinusSeg("").status, 2);
  EXPECT_EQ(RunSinusSeg("no-such-command").status, 2);
}

TEST(CommandLine, UsageErrorsExitWithTwo)
{
  const Result missing = RunSinusSeg("phantoms --count 3");
  EXPECT_EQ(missing.status, 2);
  EXPECT_NE(missing.output.find("--out"), std::string::npos) << missing.output;
  const Result badSize = RunSinusSeg("phantoms --out /tmp/x --count 1 --size 12");
  EXPECT_EQ(badSize.status, 2);
  EXPECT_NE(badSize.output.find("WIDTHxHEIGHT"), std::string::npos) << badSize.output;
}

TEST(CommandLine, PhantomsImportAndPreprocessEndToEnd)
{
  const fs::path root = ScratchDirectory("cli");
  const Result   phantoms = RunSinusSeg("phantoms --out '" + (root / "set").string() + "' --count 2 --size 384x192 --seed 3");
  ASSERT_EQ(phantoms.status, 0) << phantoms.output;
  EXPECT_TRUE(fs::exists(root / "set" / "images" / "phantom_00001.png"));

  const Result imported = RunSinusSeg("import-via --csv '" + (root / "set" / "annotations_via.csv").string() + "' --images '" +
                              (root / "set" / "images").string() + "' --out '" + (root / "via").string() + "'");
  ASSERT_EQ(imported.status, 0) << imported.output;
  EXPECT_NE(imported.output.find("wrote 2 masks (4 regions)"), std::string::npos) << imported.output;

  const Result preprocessed = RunSinusSeg("preprocess --input '" + (root / "set" / "images" / "phantom_00000.png").string() +
                                  "' --output '" + (root / "input.nrrd").string() + "' --size 256");
  ASSERT_EQ(preprocessed.status, 0) << preprocessed.output;
  EXPECT_TRUE(fs::exists(root / "input.nrrd"));

  // Bad input: exit 1, the message names the file and line, and no output folder appears.
  sinus::WriteFileAtomically(root / "broken.csv", "filename,file_size,file_attributes,region_count,region_id,"
                                                  "region_shape_attributes,region_attributes\n"
                                                  "phantom_00000.png,1,\"{}\",1,0,\"{\"\"name\"\":\"\"polygon\",\"{}\"\n");
  const Result broken = RunSinusSeg("import-via --csv '" + (root / "broken.csv").string() + "' --images '" +
                            (root / "set" / "images").string() + "' --out '" + (root / "never").string() + "'");
  EXPECT_EQ(broken.status, 1);
  EXPECT_NE(broken.output.find("broken.csv:2: invalid JSON in region_shape_attributes"), std::string::npos) << broken.output;
  EXPECT_FALSE(fs::exists(root / "never"));

  const Result absent = RunSinusSeg("preprocess --input '" + (root / "absent.png").string() + "' --output '" +
                            (root / "never.nrrd").string() + "'");
  EXPECT_EQ(absent.status, 1);
  EXPECT_NE(absent.output.find("absent.png: file not found"), std::string::npos) << absent.output;
  EXPECT_FALSE(fs::exists(root / "never.nrrd"));
  sinus::RemoveTree(root);
}

TEST(CommandLine, EvaluateFoldersTablesAndFullPrecisionFiles)
{
  const fs::path root = ScratchDirectory("evaluate");
  ASSERT_EQ(RunSinusSeg("phantoms --out '" + (root / "set").string() + "' --count 3 --size 256x128 --seed 8").status, 0);
  fs::create_directories(root / "pred");
  fs::create_directories(root / "gt");
  // Case a: perfect. Case b: another phantom's mask. Case c: an empty prediction.
  fs::copy_file(root / "set" / "masks" / "phantom_00000.png", root / "gt" / "a.png");
  fs::copy_file(root / "set" / "masks" / "phantom_00000.png", root / "pred" / "a.png");
  fs::copy_file(root / "set" / "masks" / "phantom_00001.png", root / "gt" / "b.png");
  fs::copy_file(root / "set" / "masks" / "phantom_00002.png", root / "pred" / "b.png");
  fs::copy_file(root / "set" / "masks" / "phantom_00001.png", root / "gt" / "c.png");
  sinus::WriteFileAtomically(root / "empty.csv", "filename,file_size,file_attributes,region_count,region_id,"
                                                 "region_shape_attributes,region_attributes\n"
                                                 "phantom_00001.png,1,\"{}\",0,0,\"{}\",\"{}\"\n");
  ASSERT_EQ(RunSinusSeg("import-via --csv '" + (root / "empty.csv").string() + "' --images '" +
                        (root / "set" / "images").string() + "' --out '" + (root / "emptymask").string() + "'")
              .status,
            0);
  fs::copy_file(root / "emptymask" / "phantom_00001.png", root / "pred" / "c.png");

  const Result r = RunSinusSeg("evaluate --pred '" + (root / "pred").string() + "' --gt '" + (root / "gt").string() +
                               "' --csv '" + (root / "m.csv").string() + "' --json '" + (root / "m.json").string() + "'");
  ASSERT_EQ(r.status, 0) << r.output;
  for (const char * text : { "dice", "hd95_px", "hd95_norm", "assd", "mean", "median", "std", "a.png", "c.png",
                             "replaced by the worst case in the summary: precision 1 hd95 1 hd95_px 1" })
  {
    EXPECT_NE(r.output.find(text), std::string::npos) << text << " missing in:\n" << r.output;
  }
  const std::string csv = sinus::ReadTextFile(root / "m.csv");
  EXPECT_NE(csv.find("a.png,1,1,1,0,0,0,0,0,0,0,0,0"), std::string::npos) << csv;
  EXPECT_NE(csv.find("c.png,0,0,nan,nan"), std::string::npos) << csv;
  EXPECT_NE(csv.find("summary:replaced"), std::string::npos) << csv;
  const std::string json = sinus::ReadTextFile(root / "m.json");
  EXPECT_NE(json.find("\"hd95_mode\": \"directed\""), std::string::npos);
  EXPECT_NE(json.find("\"hd95\": null"), std::string::npos) << json;

  // Unmatched names: an error listing every one.
  fs::copy_file(root / "set" / "masks" / "phantom_00002.png", root / "pred" / "extra.png");
  const Result unmatched = RunSinusSeg("evaluate --pred '" + (root / "pred").string() + "' --gt '" + (root / "gt").string() + "'");
  EXPECT_EQ(unmatched.status, 1);
  EXPECT_NE(unmatched.output.find("prediction without reference: " + (root / "pred" / "extra.png").string()), std::string::npos)
    << unmatched.output;
  // A grid mismatch is an error naming both files.
  ASSERT_EQ(RunSinusSeg("phantoms --out '" + (root / "small").string() + "' --count 1 --size 128x64").status, 0);
  const std::string small = (root / "small" / "masks" / "phantom_00000.png").string();
  const std::string large = (root / "set" / "masks" / "phantom_00000.png").string();
  const Result      mismatch = RunSinusSeg("evaluate --pred '" + small + "' --gt '" + large + "' --hd95-mode pooled");
  EXPECT_EQ(mismatch.status, 1);
  EXPECT_NE(mismatch.output.find(small + " vs " + large), std::string::npos) << mismatch.output;
  EXPECT_NE(mismatch.output.find("grids differ (size"), std::string::npos) << mismatch.output;
  const Result badMode = RunSinusSeg("evaluate --pred a --gt b --hd95-mode max");
  EXPECT_EQ(badMode.status, 2);
  sinus::RemoveTree(root);
}

#include "sinus/TensorDictionary.h"
#include "sinusImageIO.h"

TEST(CommandLine, ModelInfoListsTheOfficialViTBStateDict)
{
  const Result r = RunSinusSeg("model-info --arch vit_b --parameters");
  ASSERT_EQ(r.status, 0);
  std::string        manifest;
  std::istringstream lines(sinus::ReadTextFile(SharedDirectory() + "/reference/medsam_vit_b_state_dict.tsv"));
  for (std::string line; std::getline(lines, line);)
    if (!line.empty() && line[0] != '#')
      manifest += line + "\n";
  EXPECT_EQ(r.output, manifest);
}

TEST(CommandLine, PredictReproducesGoldenMedSAMOutputAndRefusesBadInput)
{
  const fs::path    root = ScratchDirectory("predict");
  const std::string golden = SharedDirectory() + "/reference/golden/";
  const auto        tensors = sinus::LoadTensorDictionary(golden + "tiny_sam_golden.pth");
  fs::create_directories(root / "in");
  sinus::WriteImage(sinus::RasterToImage(sinus::TensorToRaster<uint8_t>(tensors.at("raw_image_u8"))).GetPointer(),
                    (root / "in" / "raw.png").string());
  const std::string model = "--checkpoint '" + golden + "tiny_sam.pth' --model-config '" + golden + "tiny_sam_config.json'";
  // fp32: the reference the golden tensors are; bf16 is checked against fp32 below.
  const std::string reference = model + " --precision fp32";
  const Result      r = RunSinusSeg("predict " + reference + " --input '" + (root / "in" / "raw.png").string() + "' --output '" +
                               (root / "mask.png").string() + "' --prob '" + (root / "prob.mha").string() + "' --box 30,20,80,65");
  ASSERT_EQ(r.status, 0) << r.output;
  const auto mask = sinus::ImageToRaster(sinus::ReadMask((root / "mask.png").string()).GetPointer());
  const auto probability = sinus::ImageToRaster(sinus::ReadRadiograph((root / "prob.mha").string()).GetPointer());
  const auto expected = sinus::TensorToRaster<float>(tensors.at("box_prob"));
  const auto expectedMask = sinus::TensorToRaster<uint8_t>(tensors.at("box_mask"));
  for (size_t i = 0; i < expected.data.size(); ++i)
  {
    ASSERT_LE(std::fabs(probability.data[i] - expected.data[i]), 1e-4f) << i;
    if (std::fabs(expected.data[i] - 0.5f) > 1e-4f)
    {
      ASSERT_EQ(mask.data[i], expectedMask.data[i] ? 255 : 0) << i;
    }
  }
  // bf16 (LibTorch's CPU autocast): the same mask but for pixels at the threshold, where this CPU
  // computes bf16; where it cannot, refused by name with no output. An unknown precision is a usage error.
  const Result bf16 = RunSinusSeg("predict " + model + " --precision bf16 --input '" + (root / "in" / "raw.png").string() +
                                  "' --output '" + (root / "bf16.png").string() + "' --box 30,20,80,65");
  if (const std::string why = BFloat16Unavailable(); why.empty())
  {
    ASSERT_EQ(bf16.status, 0) << bf16.output;
    EXPECT_NE(bf16.output.find("precision: bf16"), std::string::npos) << bf16.output;
    const auto bf16Mask = sinus::ImageToRaster(sinus::ReadMask((root / "bf16.png").string()).GetPointer());
    EXPECT_GE(sinus::DiceCoefficient(bf16Mask.data.data(), mask.data.data(), mask.data.size()), 0.995);
  }
  else
  {
    EXPECT_NE(bf16.status, 0);
    EXPECT_NE(bf16.output.find(why), std::string::npos) << bf16.output;
    EXPECT_FALSE(fs::exists(root / "bf16.png"));
  }
  const Result fp16 = RunSinusSeg("predict " + model + " --precision fp16 --input '" + (root / "in" / "raw.png").string() +
                                  "' --output '" + (root / "never.png").string() + "'");
  EXPECT_EQ(fp16.status, 2);
  EXPECT_NE(fp16.output.find("--precision: unknown precision 'fp16' (known: auto, fp32, bf16)"), std::string::npos) << fp16.output;
  EXPECT_FALSE(fs::exists(root / "never.png"));
  // Where bf16 cannot run (an AVX2-only CPU, here oneDNN capped at AVX2): refused before any work.
  ::setenv("ONEDNN_MAX_CPU_ISA", "AVX2", 1);
  const Result noAvx512 = RunSinusSeg("predict " + model + " --precision bf16 --input '" + (root / "in" / "raw.png").string() +
                                      "' --output '" + (root / "never.png").string() + "'");
  const Result autoOnAvx2 = RunSinusSeg("predict " + model + " --input '" + (root / "in" / "raw.png").string() + "' --output '" +
                                        (root / "auto_avx2.png").string() + "' --box 30,20,80,65");
  ::unsetenv("ONEDNN_MAX_CPU_ISA");
  EXPECT_NE(noAvx512.status, 0);
  EXPECT_NE(noAvx512.output.find("precision bf16: this CPU has no AVX-512"), std::string::npos) << noAvx512.output;
  EXPECT_FALSE(fs::exists(root / "never.png"));
  ASSERT_EQ(autoOnAvx2.status, 0) << autoOnAvx2.output;
  EXPECT_NE(autoOnAvx2.output.find("precision: fp32 (auto: "), std::string::npos) << autoOnAvx2.output;
  // The golden click (55,42), label 1, through --point.
  const Result clicked = RunSinusSeg("predict " + reference + " --input '" + (root / "in" / "raw.png").string() + "' --output '" +
                                     (root / "point_mask.png").string() + "' --prob '" + (root / "point_prob.mha").string() +
                                     "' --point 55,42,1");
  ASSERT_EQ(clicked.status, 0) << clicked.output;
  const auto pointProbability = sinus::ImageToRaster(sinus::ReadRadiograph((root / "point_prob.mha").string()).GetPointer());
  const auto expectedPoint = sinus::TensorToRaster<float>(tensors.at("point_prob"));
  ASSERT_EQ(pointProbability.data.size(), expectedPoint.data.size());
  for (size_t i = 0; i < expectedPoint.data.size(); ++i)
    ASSERT_LE(std::fabs(pointProbability.data[i] - expectedPoint.data[i]), 1e-4f) << i;
  const Result farPoint = RunSinusSeg("predict " + model + " --input '" + (root / "in" / "raw.png").string() + "' --output '" +
                                      (root / "never.png").string() + "' --point 500,42");
  EXPECT_EQ(farPoint.status, 1);
  EXPECT_NE(farPoint.output.find("Point (500, 42) lies outside the 110x90 image"), std::string::npos) << farPoint.output;
  const Result badLabel = RunSinusSeg("predict " + model + " --input '" + (root / "in" / "raw.png").string() + "' --output '" +
                                      (root / "never.png").string() + "' --point 5,4,7");
  EXPECT_EQ(badLabel.status, 2);
  EXPECT_NE(badLabel.output.find("label must be 1"), std::string::npos) << badLabel.output;
  // Folder in, folder out.
  fs::copy_file(root / "in" / "raw.png", root / "in" / "second.png");
  const Result many = RunSinusSeg("predict " + model + " --input '" + (root / "in").string() + "' --output '" + (root / "out").string() + "'");
  ASSERT_EQ(many.status, 0) << many.output;
  EXPECT_TRUE(fs::exists(root / "out" / "raw.png") && fs::exists(root / "out" / "second.png"));
  // Bad input: exit 1, a message naming the problem, nothing written.
  const Result outside = RunSinusSeg("predict " + model + " --input '" + (root / "in" / "raw.png").string() + "' --output '" +
                                     (root / "never.png").string() + "' --box 0,0,200,50");
  EXPECT_EQ(outside.status, 1);
  EXPECT_NE(outside.output.find("lies outside the 110x90 image"), std::string::npos) << outside.output;
  EXPECT_FALSE(fs::exists(root / "never.png"));
  const Result missing = RunSinusSeg("predict --checkpoint '" + (root / "absent.pth").string() + "' --input '" +
                                     (root / "in" / "raw.png").string() + "' --output '" + (root / "never.png").string() + "'");
  EXPECT_EQ(missing.status, 1);
  EXPECT_NE(missing.output.find("absent.pth: checkpoint not found"), std::string::npos) << missing.output;
  const Result wrongArchitecture = RunSinusSeg("predict --checkpoint '" + golden + "tiny_sam.pth' --input '" +
                                               (root / "in" / "raw.png").string() + "' --output '" + (root / "never.png").string() + "'");
  EXPECT_EQ(wrongArchitecture.status, 1);
  EXPECT_NE(wrongArchitecture.output.find("checkpoint does not match the model architecture"), std::string::npos);
  EXPECT_FALSE(fs::exists(root / "never.png"));
  sinus::RemoveTree(root);
}

TEST(CommandLine, TrainRefinerResumesAndRefineWritesMasksOrNothing)
{
  const fs::path root(ScratchDirectory("refiner-cli"));
  for (const char * folder : { "teacher", "truth", "unlabelled" })
    fs::create_directories(root / folder);
  for (int i = 0; i < 6; ++i)
  {
    sinus::PanoramicPhantomOptions o;
    o.width = 128;
    o.height = 64;
    o.seed = sinus::DerivePhantomSeed(5, static_cast<uint64_t>(i));
    sinus::Raster<uint8_t> clean = sinus::GeneratePanoramicPhantom(o).mask;
    sinus::Raster<uint8_t> noisy = sinus::CorruptMask(clean, sinus::MaskNoiseOptions{}, static_cast<uint64_t>(i));
    for (auto & v : noisy.data)
      v = v ? 255 : 0;
    const std::string name = "case" + std::to_string(i) + ".png";
    sinus::WriteImage(sinus::RasterToImage(clean).GetPointer(), (root / "truth" / name).string());
    sinus::WriteImage(sinus::RasterToImage(noisy).GetPointer(), (root / (i < 4 ? "teacher" : "unlabelled") / name).string());
  }
  fs::remove(root / "truth" / "case4.png");
  fs::remove(root / "truth" / "case5.png");
  const std::string common = "train-refiner --paired-teacher '" + (root / "teacher").string() + "' --paired-truth '" +
                             (root / "truth").string() + "' --teacher '" + (root / "unlabelled").string() + "' --out '" +
                             (root / "refiner.sinusseg").string() +
                             "' --preset small --working-size 32x16 --batch 2 --lr 1e-3 --config '" + (root / "arch.json").string() + "'";
  sinus::WriteFileAtomically(root / "arch.json", R"({"refiner": {"generator_filters": 4, "generator_blocks": 1,
    "discriminator_filters": 4, "discriminator_layers": 1, "correction_filters": 4, "cbam_reduction": 2}})");
  const Result first = RunSinusSeg(common + " --epochs 1");
  ASSERT_EQ(first.status, 0) << first.output;
  EXPECT_NE(first.output.find("epoch 1/1"), std::string::npos) << first.output;
  EXPECT_TRUE(fs::exists(root / "refiner.sinusseg.checkpoint"));
  // A second run must not silently overwrite the first one's checkpoint.
  const Result again = RunSinusSeg(common + " --epochs 2");
  EXPECT_EQ(again.status, 1);
  EXPECT_NE(again.output.find("pass --resume"), std::string::npos) << again.output;
  const Result resumed = RunSinusSeg(common + " --epochs 2 --resume");
  ASSERT_EQ(resumed.status, 0) << resumed.output;
  EXPECT_EQ(resumed.output.find("epoch 1/2"), std::string::npos) << resumed.output; // epoch 1 came from the checkpoint
  EXPECT_NE(resumed.output.find("epoch 2/2"), std::string::npos) << resumed.output;
  std::istringstream log(sinus::ReadTextFile(root / "refiner.sinusseg.log.csv"));
  std::string        line;
  int                lines = 0;
  while (std::getline(log, line))
    ++lines;
  EXPECT_EQ(lines, 3); // header + 2 epochs

  // Unmatched pair names are listed before training starts.
  fs::copy_file(root / "unlabelled" / "case4.png", root / "teacher" / "extra.png");
  const Result unmatched = RunSinusSeg("train-refiner --paired-teacher '" + (root / "teacher").string() + "' --paired-truth '" +
                                       (root / "truth").string() + "' --out '" + (root / "never.sinusseg").string() + "' --preset small");
  EXPECT_EQ(unmatched.status, 1);
  EXPECT_NE(unmatched.output.find("extra.png"), std::string::npos) << unmatched.output;
  EXPECT_FALSE(fs::exists(root / "never.sinusseg"));

  const Result refined = RunSinusSeg("refine --model '" + (root / "refiner.sinusseg").string() + "' --input '" +
                                     (root / "unlabelled").string() + "' --output '" + (root / "refined").string() + "' --prob '" +
                                     (root / "refined_prob").string() + "'");
  ASSERT_EQ(refined.status, 0) << refined.output;
  for (const char * name : { "case4", "case5" })
  {
    const auto mask = sinus::ReadMask((root / "refined" / (std::string(name) + ".png")).string());
    EXPECT_EQ(mask->GetLargestPossibleRegion().GetSize()[0], 128u);
    EXPECT_TRUE(fs::exists(root / "refined_prob" / (std::string(name) + ".mha")));
  }
  // A probability map outside [0, 1]: exit 1, the file named, nothing written.
  auto bad = sinus::RasterToImage(sinus::Raster<float>(64, 128, 1, 2.0f));
  sinus::WriteImage(bad.GetPointer(), (root / "bad.mha").string());
  const Result refused = RunSinusSeg("refine --model '" + (root / "refiner.sinusseg").string() + "' --input '" +
                                     (root / "bad.mha").string() + "' --output '" + (root / "bad_refined.png").string() + "'");
  EXPECT_EQ(refused.status, 1);
  EXPECT_NE(refused.output.find("bad.mha: probability 2"), std::string::npos) << refused.output;
  EXPECT_FALSE(fs::exists(root / "bad_refined.png"));
  // A MedSAM model is not a refiner.
  const Result wrongModel = RunSinusSeg("refine --model '" + (root / "arch.json").string() + "' --input '" +
                                        (root / "unlabelled").string() + "' --output '" + (root / "never").string() + "'");
  EXPECT_EQ(wrongModel.status, 1);
  EXPECT_FALSE(fs::exists(root / "never"));
}

namespace
{
const char * kTinyEpochs = " --teacher-epochs 1 --student-epochs 1 --refiner-epochs 1 --threads 2";
} // namespace

TEST(CommandLine, TrainRunsEveryStageResumesAndTheStudentPredicts)
{
  const fs::path root = ScratchDirectory("cli_train");
  ASSERT_EQ(RunSinusSeg("phantoms --out '" + (root / "set").string() + "' --count 12 --size 256x128 --labeled-fraction 0.5").status, 0);
  const std::string datalist = (root / "set" / "dataset.json").string();
  const std::string out = (root / "run").string();
  const Result      trained = RunSinusSeg("train --datalist '" + datalist + "' --out '" + out + "'" + kTinyEpochs);
  ASSERT_EQ(trained.status, 0) << trained.output;
  for (const char * stage : { "teacher:", "pseudo-labels:", "refinement:", "student:", "evaluation:" })
    EXPECT_NE(trained.output.find(stage), std::string::npos) << stage << "\n" << trained.output;
  EXPECT_NE(trained.output.find("ETA"), std::string::npos) << trained.output;
  for (const char * file : { "teacher.sinusseg", "refiner.sinusseg", "student.sinusseg", "teacher_log.csv", "student_log.csv",
                             "refinement_log.csv", "evaluation.csv", "evaluation.json", "report.md", "loss_curves.png" })
    EXPECT_TRUE(fs::exists(fs::path(out) / file)) << file;
  EXPECT_FALSE(fs::is_empty(fs::path(out) / "overlays"));
  const std::string report = sinus::ReadTextFile(fs::path(out) / "report.md");
  EXPECT_NE(report.find("| teacher |"), std::string::npos) << report;
  EXPECT_NE(report.find("| student |"), std::string::npos) << report;

  // The student's model file works with predict.
  const Result predicted = RunSinusSeg("predict --model '" + out + "/student.sinusseg' --input '" +
                                       (root / "set" / "images" / "phantom_00000.png").string() + "' --output '" +
                                       (root / "student_mask.png").string() + "'");
  EXPECT_EQ(predicted.status, 0) << predicted.output;
  EXPECT_TRUE(fs::exists(root / "student_mask.png"));
  // The evaluation chose the student's postprocessing among 4 object sizes x 7 valley cuts (the
  // labelled masks' smallest object is known although their full-size masks are not kept).
  const sinus::Json evaluation = sinus::ParseJson(sinus::ReadTextFile(fs::path(out) / "evaluation.json"));
  EXPECT_EQ(evaluation.at("postprocessing").at("student").at("validation_candidates").size(), 28u) << evaluation.at("postprocessing").dump();
  EXPECT_NE(trained.output.find("student: postprocessing chosen on"), std::string::npos) << trained.output;
  const Result plain = RunSinusSeg("predict --model '" + out + "/student.sinusseg' --postprocessing off --input '" +
                                   (root / "set" / "images" / "phantom_00000.png").string() + "' --output '" +
                                   (root / "student_plain.png").string() + "'");
  EXPECT_EQ(plain.status, 0) << plain.output;
  const Result badChoice = RunSinusSeg("predict --model '" + out + "/student.sinusseg' --postprocessing sometimes --input '" +
                                       (root / "set" / "images" / "phantom_00000.png").string() + "' --output '" +
                                       (root / "student_bad.png").string() + "'");
  EXPECT_EQ(badChoice.status, 2) << badChoice.output;
  EXPECT_FALSE(fs::exists(root / "student_bad.png"));

  // The same folder again: refused without --resume; with it nothing is retrained.
  const Result again = RunSinusSeg("train --datalist '" + datalist + "' --out '" + out + "'" + kTinyEpochs);
  EXPECT_EQ(again.status, 1);
  EXPECT_NE(again.output.find("already holds a run"), std::string::npos) << again.output;
  const Result resumed = RunSinusSeg("train --datalist '" + datalist + "' --out '" + out + "' --resume" + kTinyEpochs);
  EXPECT_EQ(resumed.status, 0) << resumed.output;
  EXPECT_EQ(resumed.output.find("epoch 1/1"), std::string::npos) << resumed.output;
  // More student epochs on resume with another setting is refused (the folder's settings are fixed).
  const Result changed = RunSinusSeg("train --datalist '" + datalist + "' --out '" + out + "' --resume --alpha 0.3" + kTinyEpochs);
  EXPECT_EQ(changed.status, 1);
  EXPECT_NE(changed.output.find("other settings"), std::string::npos) << changed.output;

  // Another student on the same teacher: the teacher and its pseudo-labels are taken over.
  const fs::path second = root / "second";
  const Result   taken = RunSinusSeg("train --datalist '" + datalist + "' --out '" + second.string() + "' --teacher-from '" + out +
                                     "' --alpha 0.3" + kTinyEpochs);
  ASSERT_EQ(taken.status, 0) << taken.output;
  EXPECT_NE(taken.output.find("taking the results of"), std::string::npos) << taken.output;
  EXPECT_EQ(taken.output.find("teacher: epoch"), std::string::npos) << taken.output;
  EXPECT_EQ(sinus::ReadTextFile(second / "teacher_log.csv"), sinus::ReadTextFile(fs::path(out) / "teacher_log.csv"));
  EXPECT_TRUE(fs::exists(second / "student.sinusseg"));
  // A teacher trained with other settings is refused before anything is written.
  const Result other = RunSinusSeg("train --datalist '" + datalist + "' --out '" + (root / "third").string() + "' --teacher-from '" + out +
                                   "' --teacher-epochs 2 --student-epochs 1 --refiner-epochs 1 --threads 2");
  EXPECT_EQ(other.status, 1);
  EXPECT_NE(other.output.find("settings differ"), std::string::npos) << other.output;
  EXPECT_FALSE(fs::exists(root / "third"));

  // Bad switches are usage errors.
  EXPECT_EQ(RunSinusSeg("train --datalist '" + datalist + "' --out '" + (root / "x").string() + "' --stage teachers").status, 2);
  EXPECT_EQ(RunSinusSeg("train --datalist '" + datalist + "' --out '" + (root / "x").string() + "' --device tpu").status, 2);
  EXPECT_FALSE(fs::exists(root / "x"));
}

TEST(CommandLine, TrainReportsEveryDatalistProblemTogetherAndWritesNothing)
{
  const fs::path root = ScratchDirectory("cli_datalist");
  ASSERT_EQ(RunSinusSeg("phantoms --out '" + (root / "set").string() + "' --count 4 --size 128x64").status, 0);
  // A label of the wrong size, a missing image, a test entry without a label and an unknown field.
  ASSERT_EQ(RunSinusSeg("phantoms --out '" + (root / "other").string() + "' --count 1 --size 96x48").status, 0);
  const std::string datalist = R"({
    "training": [ {"image": "set/images/phantom_00000.png", "label": "other/masks/phantom_00000.png"},
                  {"image": "set/images/missing.png"},
                  {"image": "set/images/phantom_00001.png", "labl": "x.png"} ],
    "test": [ {"image": "set/images/phantom_00002.png"} ] })";
  sinus::WriteFileAtomically(root / "bad.json", datalist);
  const Result bad = RunSinusSeg("train --datalist '" + (root / "bad.json").string() + "' --out '" + (root / "run").string() + "'");
  EXPECT_EQ(bad.status, 1);
  EXPECT_NE(bad.output.find("unknown field 'labl'"), std::string::npos) << bad.output;
  EXPECT_NE(bad.output.find("test images need a label"), std::string::npos) << bad.output;
  EXPECT_FALSE(fs::exists(root / "run"));

  const std::string second = R"({
    "training": [ {"image": "set/images/phantom_00000.png", "label": "other/masks/phantom_00000.png"},
                  {"image": "set/images/missing.png"} ],
    "test": [ {"image": "set/images/phantom_00002.png", "label": "set/masks/phantom_00002.png"} ] })";
  sinus::WriteFileAtomically(root / "bad2.json", second);
  const Result bad2 = RunSinusSeg("train --datalist '" + (root / "bad2.json").string() + "' --out '" + (root / "run").string() + "'");
  EXPECT_EQ(bad2.status, 1);
  EXPECT_NE(bad2.output.find("2 problems"), std::string::npos) << bad2.output;
  EXPECT_NE(bad2.output.find("label is 96x48 but its image"), std::string::npos) << bad2.output;
  EXPECT_NE(bad2.output.find("missing.png"), std::string::npos) << bad2.output;
  EXPECT_FALSE(fs::exists(root / "run"));

  // No labelled image at all.
  sinus::WriteFileAtomically(root / "bad3.json", R"({"training": [ {"image": "set/images/phantom_00000.png"} ]})");
  const Result bad3 = RunSinusSeg("train --datalist '" + (root / "bad3.json").string() + "' --out '" + (root / "run").string() + "'");
  EXPECT_EQ(bad3.status, 1);
  EXPECT_NE(bad3.output.find("no labelled training image"), std::string::npos) << bad3.output;

  // Labels from a VIA CSV are accepted in place of mask files.
  const std::string via = R"({
    "annotations": "set/annotations_via.csv",
    "training": [ {"image": "set/images/phantom_00000.png", "label": "set/annotations_via.csv"},
                  {"image": "set/images/phantom_00001.png"} ],
    "validation": [ {"image": "set/images/phantom_00002.png"} ],
    "test": [ {"image": "set/images/phantom_00003.png"} ] })";
  sinus::WriteFileAtomically(root / "via.json", via);
  const Result viaRun = RunSinusSeg("train --datalist '" + (root / "via.json").string() + "' --out '" + (root / "via_run").string() +
                                    "' --stage teacher" + kTinyEpochs);
  EXPECT_EQ(viaRun.status, 0) << viaRun.output;
  EXPECT_NE(viaRun.output.find("1 labelled, 1 unlabelled, 1 validation, 1 test"), std::string::npos) << viaRun.output;
}

TEST(CommandLine, AblationPrintsThePaperTablesAndDemoWritesItsReport)
{
  const fs::path root = ScratchDirectory("cli_ablation");
  ASSERT_EQ(RunSinusSeg("phantoms --out '" + (root / "set").string() + "' --count 12 --size 256x128 --labeled-fraction 0.5").status, 0);
  const Result ablation = RunSinusSeg("ablation --datalist '" + (root / "set" / "dataset.json").string() + "' --out '" +
                                      (root / "ablation").string() + "' --variants labelled_only,weighted_kd --alphas 0.3" + kTinyEpochs);
  ASSERT_EQ(ablation.status, 0) << ablation.output;
  const std::string table = sinus::ReadTextFile(root / "ablation" / "ablation.md");
  EXPECT_NE(table.find("| Labelled data only"), std::string::npos) << table;
  EXPECT_NE(table.find("| Weighted KD without refinement"), std::string::npos) << table;
  EXPECT_NE(table.find("| Method | Dice | recall | precision | HD95 (px) |"), std::string::npos) << table;
  EXPECT_NE(sinus::ReadTextFile(root / "ablation" / "alpha_sweep.md").find("| alpha = 0.3 |"), std::string::npos);
  EXPECT_TRUE(fs::exists(root / "ablation" / "ablation.csv"));
  // Every row shares the one teacher.
  EXPECT_EQ(sinus::ReadTextFile(root / "ablation" / "weighted_kd" / "teacher.sinusseg"),
            sinus::ReadTextFile(root / "ablation" / "teacher" / "teacher.sinusseg"));

  const Result demo = RunSinusSeg("demo --out '" + (root / "demo").string() + "' --count 12 --size 256x128" + kTinyEpochs);
  ASSERT_EQ(demo.status, 0) << demo.output;
  const std::string report = sinus::ReadTextFile(root / "demo" / "report.md");
  EXPECT_NE(report.find("| student |"), std::string::npos) << report;
  EXPECT_NE(report.find("](training/loss_curves.png)"), std::string::npos) << report;
  EXPECT_TRUE(fs::exists(root / "demo" / "training" / "loss_curves.png"));
  EXPECT_TRUE(fs::exists(root / "demo" / "training" / "evaluation.json"));
  EXPECT_FALSE(fs::is_empty(root / "demo" / "training" / "overlays"));
}

TEST(CommandLine, TrainStartsFromAnOfficialCheckpointWhoseShapesMatch)
{
  const fs::path root = ScratchDirectory("cli_init");
  ASSERT_EQ(RunSinusSeg("phantoms --out '" + (root / "set").string() + "' --count 10 --size 256x128 --labelled-fraction 0.5").status, 0);
  const std::string datalist = (root / "set" / "dataset.json").string();
  // The tiny SAM of the golden set (input 128) as teacher and student, started from its .pth.
  sinus::WriteFileAtomically(root / "tiny.json",
                             "{\"teacher_model\": " + sinus::ReadTextFile(SharedDirectory() + "/reference/golden/tiny_sam_config.json") + "}");
  const Result tiny = RunSinusSeg("train --datalist '" + datalist + "' --out '" + (root / "tiny").string() + "' --config '" +
                                  (root / "tiny.json").string() + "' --init-checkpoint '" + SharedDirectory() +
                                  "/reference/golden/tiny_sam.pth' --stage teacher" + kTinyEpochs);
  EXPECT_EQ(tiny.status, 0) << tiny.output;
  sinus::Json metadata;
  const sinus::Sam teacher = sinus::LoadSamModel((root / "tiny" / "teacher.sinusseg").string(), &metadata);
  EXPECT_EQ(teacher->config.imageEncoder.imgSize, 128);
  // The small preset's shapes differ from the checkpoint's: a clear error, no model file.
  const Result mismatch = RunSinusSeg("train --datalist '" + datalist + "' --out '" + (root / "bad").string() + "' --init-checkpoint '" +
                                      SharedDirectory() + "/reference/golden/tiny_sam.pth' --stage teacher" + kTinyEpochs);
  EXPECT_EQ(mismatch.status, 1);
  EXPECT_NE(mismatch.output.find("teacher stage"), std::string::npos) << mismatch.output;
  EXPECT_NE(mismatch.output.find("tiny_sam.pth"), std::string::npos) << mismatch.output;
  EXPECT_FALSE(fs::exists(root / "bad" / "teacher.sinusseg"));
}

TEST(CommandLine, SplitMakesASeededDatalistAndNamesEveryMismatch)
{
  const fs::path root = ScratchDirectory("cli_split");
  ASSERT_EQ(RunSinusSeg("phantoms --out '" + (root / "set").string() + "' --count 8 --size 128x64").status, 0);
  const std::string common = "split --images '" + (root / "set" / "images").string() + "' --masks '" + (root / "set" / "masks").string() + "'";
  const Result      a = RunSinusSeg(common + " --out '" + (root / "lists" / "a.json").string() + "' --labelled 2 --validation 1 --test 2 --seed 4");
  ASSERT_EQ(a.status, 0) << a.output;
  EXPECT_NE(a.output.find("2 labelled + 3 unlabelled training, 1 validation, 2 test"), std::string::npos) << a.output;
  const Result b = RunSinusSeg(common + " --out '" + (root / "lists" / "b.json").string() + "' --labelled 2 --validation 1 --test 2 --seed 4");
  ASSERT_EQ(b.status, 0) << b.output;
  const std::string listA = sinus::ReadTextFile(root / "lists" / "a.json");
  EXPECT_EQ(listA, sinus::ReadTextFile(root / "lists" / "b.json")); // same seed, same split
  const sinus::Json json = sinus::ParseJson(listA);
  EXPECT_EQ(json.at("training").size(), 5u);
  EXPECT_EQ(json.at("test").size(), 2u);
  // Paths are relative to the datalist, and the datalist trains.
  EXPECT_EQ(json.at("test")[0].at("image").get<std::string>().rfind("../set/images/phantom_", 0), 0u) << listA;
  const Result other = RunSinusSeg(common + " --out '" + (root / "lists" / "c.json").string() + "' --labelled 2 --validation 1 --test 2 --seed 5");
  ASSERT_EQ(other.status, 0);
  EXPECT_NE(sinus::ReadTextFile(root / "lists" / "c.json"), listA);

  // A mask without its image, an image without its mask, too few images: all named, nothing written.
  fs::copy_file(root / "set" / "masks" / "phantom_00000.png", root / "set" / "masks" / "stray.png");
  fs::remove(root / "set" / "masks" / "phantom_00001.png");
  const Result bad = RunSinusSeg(common + " --out '" + (root / "lists" / "d.json").string() + "' --labelled 9");
  EXPECT_EQ(bad.status, 1);
  EXPECT_NE(bad.output.find("stray.png: no image of that name"), std::string::npos) << bad.output;
  EXPECT_NE(bad.output.find("phantom_00001: no mask"), std::string::npos) << bad.output;
  EXPECT_NE(bad.output.find("needs 9 images but"), std::string::npos) << bad.output;
  EXPECT_FALSE(fs::exists(root / "lists" / "d.json"));
}

TEST(CommandLine, ModelInfoCountsParametersAndMultiplyAddsOfAnArchitecture)
{
  // The CPU U-Net at 64: 1.96 M parameters whatever the input; multiply-adds scale with pixels.
  const Result small = RunSinusSeg("model-info --arch unet --preset cpu --input 64");
  ASSERT_EQ(small.status, 0) << small.output;
  EXPECT_NE(small.output.find("parameters: 1.96 M\n"), std::string::npos) << small.output;
  EXPECT_NE(small.output.find("flops: 0.22 G\n"), std::string::npos) << small.output;
  EXPECT_NE(small.output.find("paper (Table 1, U-Net at 1024 x 1024): 31.04 M parameters, 1751.61 GFLOPs"), std::string::npos);
  const Result medsam = RunSinusSeg("model-info --arch medsam --preset cpu --input 64");
  ASSERT_EQ(medsam.status, 0) << medsam.output;
  EXPECT_NE(medsam.output.find("logits: 16 x 16 (stride 4)"), std::string::npos) << medsam.output;
  const Result unknown = RunSinusSeg("model-info --arch resnet");
  EXPECT_EQ(unknown.status, 2);
  EXPECT_NE(unknown.output.find("unknown segmenter architecture 'resnet'"), std::string::npos) << unknown.output;
  EXPECT_EQ(RunSinusSeg("model-info --model x.sinusseg --input 64").status, 2);
  // --save writes the untrained network, which loads back with the same size and predicts.
  const fs::path root = ScratchDirectory("cli_model_info_save");
  const fs::path saved = root / "unet.sinusseg";
  ASSERT_EQ(RunSinusSeg("model-info --arch unet --preset cpu --input 64 --save '" + saved.string() + "'").status, 0);
  const Result reloaded = RunSinusSeg("model-info --model '" + saved.string() + "'");
  ASSERT_EQ(reloaded.status, 0) << reloaded.output;
  EXPECT_NE(reloaded.output.find("parameters: 1.96 M\n"), std::string::npos) << reloaded.output;
  EXPECT_EQ(RunSinusSeg("model-info --model '" + saved.string() + "' --save '" + (root / "again.sinusseg").string() + "'").status, 2);
  EXPECT_FALSE(fs::exists(root / "again.sinusseg"));
  sinus::RemoveTree(root);
}

TEST(CommandLine, BenchmarkTableOneTrainsEveryRowAndResumes)
{
  const fs::path root = ScratchDirectory("cli_table1");
  ASSERT_EQ(RunSinusSeg("phantoms --out '" + (root / "set").string() + "' --count 10 --size 256x128 --labeled-fraction 0.5").status, 0);
  const std::string command = "benchmark table1 --datalist '" + (root / "set" / "dataset.json").string() + "' --out '" +
                              (root / "t1").string() + "' --rows unet,nnunet,ours --input-size 64" + kTinyEpochs;
  const Result first = RunSinusSeg(command);
  ASSERT_EQ(first.status, 0) << first.output;
  const std::string table = sinus::ReadTextFile(root / "t1" / "table1.md");
  EXPECT_NE(table.find("| U-Net (labelled only) |"), std::string::npos) << table;
  EXPECT_NE(table.find("| nnU-Net (labelled only) |"), std::string::npos) << table;
  EXPECT_NE(table.find("| Ours (unet teacher, unet student) |"), std::string::npos) << table;
  EXPECT_TRUE(fs::exists(root / "t1" / "figure5.png"));
  EXPECT_TRUE(fs::exists(root / "t1" / "table1.csv"));
  EXPECT_TRUE(fs::exists(root / "t1" / "table1.json"));
  // The method's teacher is the U-Net row's.
  EXPECT_EQ(sinus::ReadTextFile(root / "t1" / "ours" / "teacher.sinusseg"), sinus::ReadTextFile(root / "t1" / "unet" / "teacher.sinusseg"));
  // A rerun trains nothing again and writes the same table.
  const Result again = RunSinusSeg(command);
  ASSERT_EQ(again.status, 0) << again.output;
  EXPECT_EQ(again.output.find("teacher: epoch"), std::string::npos) << again.output;
  EXPECT_EQ(sinus::ReadTextFile(root / "t1" / "table1.md"), table);
  EXPECT_EQ(RunSinusSeg("benchmark table7 --datalist x --out y").status, 2);
  EXPECT_EQ(RunSinusSeg("benchmark table1 --datalist '" + (root / "set" / "dataset.json").string() + "' --out y --rows vgg").status, 2);
  sinus::RemoveTree(root);
}

TEST(CommandLine, TrainTakesAnyTeacherAndStudentArchitecture)
{
  const fs::path root = ScratchDirectory("cli_arch_train");
  ASSERT_EQ(RunSinusSeg("phantoms --out '" + (root / "set").string() + "' --count 8 --size 256x128 --labeled-fraction 0.5").status, 0);
  // MedSAM-shaped teacher (16 x 16 logits at 64) and a U-Net student (64 x 64): KD on the student's grid.
  const Result run = RunSinusSeg("train --datalist '" + (root / "set" / "dataset.json").string() + "' --out '" + (root / "run").string() +
                                 "' --teacher-arch medsam --student-arch unet --input-size 64 --refinement off" + kTinyEpochs);
  ASSERT_EQ(run.status, 0) << run.output;
  const sinus::Json config = sinus::ParseJson(sinus::ReadTextFile(root / "run" / "config.json"));
  EXPECT_EQ(config.at("teacher_model").at("architecture").get<std::string>(), "sam");
  EXPECT_EQ(config.at("student_model").at("architecture").get<std::string>(), "unet");
  EXPECT_NE(run.output.find("student on"), std::string::npos) << run.output;
  // nnU-Net is planned from the datalist's labelled images. --precision sets both stages' training
  // precision, recorded with the run and said at the start (bf16 where this CPU computes it).
  const bool        bf16 = BFloat16Unavailable().empty();
  const std::string precision = bf16 ? "bf16" : "fp32";
  const Result planned = RunSinusSeg("train --datalist '" + (root / "set" / "dataset.json").string() + "' --out '" + (root / "nn").string() +
                                     "' --teacher-arch nnunet --stage teacher --input-size 64 --precision " + precision + kTinyEpochs);
  ASSERT_EQ(planned.status, 0) << planned.output;
  const sinus::Json nnConfig = sinus::ParseJson(sinus::ReadTextFile(root / "nn" / "config.json"));
  EXPECT_EQ(nnConfig.at("teacher").at("learning_rate_schedule").get<std::string>(), "poly");
  // (fp32, the default, is recorded by leaving the field out)
  EXPECT_EQ(nnConfig.at("teacher").value("precision", "fp32"), precision);
  EXPECT_EQ(nnConfig.at("student").value("precision", "fp32"), precision);
  if (bf16)
  {
    EXPECT_NE(planned.output.find("forward pass and losses in bf16"), std::string::npos) << planned.output;
  }
  const Result fp16 = RunSinusSeg("train --datalist '" + (root / "set" / "dataset.json").string() + "' --out '" + (root / "fp16").string() +
                                  "' --precision fp16" + kTinyEpochs);
  EXPECT_EQ(fp16.status, 2);
  EXPECT_NE(fp16.output.find("--precision: unknown precision 'fp16'"), std::string::npos) << fp16.output;
  EXPECT_FALSE(fs::exists(root / "fp16"));
  ::setenv("ONEDNN_MAX_CPU_ISA", "AVX2", 1); // as an AVX2-only CPU: bf16 refused before a folder exists
  const Result avx2 = RunSinusSeg("train --datalist '" + (root / "set" / "dataset.json").string() + "' --out '" + (root / "avx2").string() +
                                  "' --precision bf16" + kTinyEpochs);
  ::unsetenv("ONEDNN_MAX_CPU_ISA");
  EXPECT_EQ(avx2.status, 2);
  EXPECT_NE(avx2.output.find("precision bf16: this CPU has no AVX-512"), std::string::npos) << avx2.output;
  EXPECT_FALSE(fs::exists(root / "avx2"));
  EXPECT_EQ(RunSinusSeg("train --datalist '" + (root / "set" / "dataset.json").string() + "' --out '" + (root / "bad").string() +
                        "' --teacher-arch vgg" + kTinyEpochs).status, 2);
  EXPECT_FALSE(fs::exists(root / "bad"));
  sinus::RemoveTree(root);
}

TEST(CommandLine, PretrainResumesAndTrainStartsFromThePretrainedEncoder)
{
  const fs::path root = ScratchDirectory("cli_pretrain");
  ASSERT_EQ(RunSinusSeg("phantoms --out '" + (root / "set").string() + "' --count 6 --size 256x128 --labeled-fraction 0.5").status, 0);
  ASSERT_EQ(RunSinusSeg("phantoms --out '" + (root / "extra").string() + "' --count 2 --size 256x128 --seed 9").status, 0);
  const std::string datalist = (root / "set" / "dataset.json").string();
  const std::string pretrain = "pretrain --datalist '" + datalist + "' --images '" + (root / "extra" / "images").string() +
                               "' --arch unet --input-size 64 --batch 4 --out '" + (root / "pre").string() + "'";
  const Result first = RunSinusSeg(pretrain + " --epochs 1");
  ASSERT_EQ(first.status, 0) << first.output;
  EXPECT_NE(first.output.find("masked-image modelling"), std::string::npos) << first.output;
  EXPECT_NE(first.output.find("2 images from the folders"), std::string::npos) << first.output;
  const Result resumed = RunSinusSeg(pretrain + " --epochs 2 --resume");
  ASSERT_EQ(resumed.status, 0) << resumed.output;
  EXPECT_EQ(resumed.output.find("epoch 1/2"), std::string::npos) << "epoch 1 ran again:\n" << resumed.output;
  EXPECT_NE(resumed.output.find("epoch 2/2"), std::string::npos) << resumed.output;
  EXPECT_EQ(sinus::ReadTextFile(root / "pre" / "pretraining_log.csv").find("\n2,") != std::string::npos, true);
  EXPECT_TRUE(fs::exists(root / "pre" / "pretrained.sinusseg"));
  EXPECT_TRUE(fs::exists(root / "pre" / "reconstructions.png"));

  // The radiograph preset's U-Net teacher at 64 is the network pretrained above.
  const Result run = RunSinusSeg("train --datalist '" + datalist + "' --out '" + (root / "run").string() + "' --preset radiograph --input-size 64 --pretrained '" +
                                 (root / "pre").string() + "' --refinement off" + kTinyEpochs);
  ASSERT_EQ(run.status, 0) << run.output;
  EXPECT_NE(run.output.find("teacher: encoder from"), std::string::npos) << run.output;
  const sinus::Json config = sinus::ParseJson(sinus::ReadTextFile(root / "run" / "config.json"));
  EXPECT_NE(config.at("pretrained").get<std::string>().find("pretrained.sinusseg"), std::string::npos);
  // Another network: refused before the run's folder exists, naming both networks.
  const Result other = RunSinusSeg("train --datalist '" + datalist + "' --out '" + (root / "other").string() +
                                   "' --teacher-arch deeplabv3plus --student-arch deeplabv3plus --input-size 64 --pretrained '" +
                                   (root / "pre").string() + "'" + kTinyEpochs);
  EXPECT_NE(other.status, 0);
  EXPECT_NE(other.output.find("pretrained for unet"), std::string::npos) << other.output;
  EXPECT_FALSE(fs::exists(root / "other"));
  // Only the networks the stages train count: a teacher-only run whose student alone fits is refused.
  const Result teacherOnly = RunSinusSeg("train --datalist '" + datalist + "' --out '" + (root / "teacher_only").string() +
                                         "' --preset radiograph --teacher-arch deeplabv3plus --student-arch unet --input-size 64 --stage teacher "
                                         "--pretrained '" + (root / "pre").string() + "'" + kTinyEpochs);
  EXPECT_NE(teacherOnly.status, 0);
  EXPECT_NE(teacherOnly.output.find("but the teacher is deeplabv3plus"), std::string::npos) << teacherOnly.output;
  EXPECT_EQ(teacherOnly.output.find("the student is"), std::string::npos) << teacherOnly.output;
  EXPECT_FALSE(fs::exists(root / "teacher_only"));
  // The other way round, in two sittings: the teacher's stage starts from the encoder, and the
  // student's stage alone, continuing that run, is not refused although its network does not fit.
  const std::string split = "train --datalist '" + datalist + "' --out '" + (root / "split").string() +
                            "' --preset radiograph --teacher-arch unet --student-arch deeplabv3plus --input-size 64 --refinement off --pretrained '" +
                            (root / "pre").string() + "'" + kTinyEpochs;
  const Result teacherSitting = RunSinusSeg(split + " --stage teacher");
  ASSERT_EQ(teacherSitting.status, 0) << teacherSitting.output;
  EXPECT_NE(teacherSitting.output.find("teacher: encoder from"), std::string::npos) << teacherSitting.output;
  const Result studentSitting = RunSinusSeg(split + " --resume --stage pseudo-labels --stage refinement --stage student");
  ASSERT_EQ(studentSitting.status, 0) << studentSitting.output;
  EXPECT_NE(studentSitting.output.find("student: starts from scratch"), std::string::npos) << studentSitting.output;
  // Table 1: the row of the pretrained network starts from the encoder and says so; the others
  // start from random weights.
  const Result table = RunSinusSeg("benchmark table1 --datalist '" + datalist + "' --out '" + (root / "t1").string() +
                                   "' --rows unet,deeplabv3plus --preset radiograph --input-size 64 --pretrained '" + (root / "pre").string() + "'" +
                                   kTinyEpochs);
  ASSERT_EQ(table.status, 0) << table.output;
  EXPECT_NE(table.output.find("deeplabv3plus: from scratch (the pretrained encoder is another network's)"), std::string::npos) << table.output;
  const std::string markdown = sinus::ReadTextFile(root / "t1" / "table1.md");
  EXPECT_NE(markdown.find("| U-Net (labelled only) from the pretrained encoder |"), std::string::npos) << markdown;
  EXPECT_NE(markdown.find("| DeepLabV3+ (labelled only) |"), std::string::npos) << markdown;
  EXPECT_NE(markdown.find("Pretrained encoder: " + (root / "pre").string()), std::string::npos) << markdown;
  // A folder without images: an error naming it, nothing written.
  fs::create_directories(root / "empty");
  const Result empty = RunSinusSeg("pretrain --images '" + (root / "empty").string() + "' --arch unet --out '" + (root / "none").string() + "'");
  EXPECT_EQ(empty.status, 1) << empty.output;
  EXPECT_NE(empty.output.find("no image files"), std::string::npos) << empty.output;
  EXPECT_FALSE(fs::exists(root / "none"));
  sinus::RemoveTree(root);
}
