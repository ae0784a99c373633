// SPDX-License-Identifier: Apache-2.0
// The SAM port against the official Python code: every golden tensor of
// ../shared/reference/golden/tiny_sam_golden.pth from tiny_sam.pth, within 1e-4 (float32).
#include "sinus/FileUtilities.h"
#include "sinus/MedSAMPredictor.h"
#include "sinus/SegmentationMetrics.h"
#include "sinus/SamModel.h"
#include "sinus/TensorDictionary.h"
#include "sinusBFloat16Availability.h"
#include "sinusTestSupport.h"

#include <gtest/gtest.h>

#include <sstream>

using namespace sinus;

namespace
{
struct TinySam
{
  Sam                                  model{ nullptr };
  std::map<std::string, torch::Tensor> golden;
};

TinySam &
Tiny()
{
  static TinySam tiny = [] {
    TinySam t;
    const std::string dir = SharedDirectory() + "/reference/golden/";
    t.model = Sam(SamConfig::FromJson(ParseJson(ReadTextFile(dir + "tiny_sam_config.json"))));
    LoadStateDictStrict(*t.model, LoadStateDict(dir + "tiny_sam.pth"), dir + "tiny_sam.pth");
    t.model->eval();
    t.golden = LoadTensorDictionary(GoldenPath());
    return t;
  }();
  return tiny;
}

void
ExpectClose(const torch::Tensor & ours, const std::string & key, double tolerance = 1e-4)
{
  const torch::Tensor & golden = Tiny().golden.at(key);
  ASSERT_EQ(ours.sizes(), golden.sizes()) << key;
  if (golden.numel() == 0)
    return; // e.g. no sparse tokens for a mask prompt: the shape is the whole answer
  const double worst = (ours.to(torch::kFloat64) - golden.to(torch::kFloat64)).abs().max().item<double>();
  std::cout << key << ": max |difference| " << worst << std::endl;
  EXPECT_LE(worst, tolerance) << key;
}
} // namespace

TEST(SamModel, ImageEncoderIntermediatesMatchGolden)
{
  torch::NoGradGuard noGrad;
  SamTrace           trace;
  const torch::Tensor embeddings = Tiny().model->image_encoder->forward(Tiny().golden.at("input_image"), &trace);
  for (const char * key : { "enc_patch_embed", "enc_pos_added", "enc_block0_attn", "enc_block0", "enc_block_last_attn",
                            "enc_block_last", "enc_neck_conv1", "enc_neck_ln1", "enc_neck_conv2" })
    ExpectClose(trace.at(key), key);
  ExpectClose(embeddings, "image_embeddings");
  ExpectClose(Tiny().model->prompt_encoder->DenseImagePositionalEncoding(), "dense_pe");
}

TEST(SamModel, BoxPromptDecodingMatchesGolden)
{
  torch::NoGradGuard  noGrad;
  const torch::Tensor embeddings = Tiny().model->image_encoder->forward(Tiny().golden.at("input_image"));
  SamTrace            trace;
  auto [logits, iou] = Tiny().model->DecodeBoxes(embeddings, Tiny().golden.at("box_model"), &trace);
  ExpectClose(trace.at("sparse_embeddings"), "box_sparse_embeddings");
  ExpectClose(trace.at("dense_embeddings"), "box_dense_embeddings");
  ExpectClose(trace.at("dec_transformer_hs"), "box_dec_transformer_hs");
  ExpectClose(trace.at("dec_transformer_src"), "box_dec_transformer_src");
  ExpectClose(trace.at("dec_upscaled_embedding"), "box_dec_upscaled_embedding");
  ExpectClose(trace.at("dec_hyper_in"), "box_dec_hyper_in");
  ExpectClose(trace.at("all_low_res_logits"), "box_all_low_res_logits");
  ExpectClose(trace.at("all_iou_predictions"), "box_all_iou_predictions");
  ExpectClose(logits, "box_low_res_logits");
  ExpectClose(iou, "box_iou_predictions");
  ExpectClose(torch::sigmoid(logits), "box_low_res_prob");
}

TEST(SamModel, PointAndMaskPromptsMatchGolden)
{
  torch::NoGradGuard  noGrad;
  auto &              model = Tiny().model;
  const torch::Tensor embeddings = model->image_encoder->forward(Tiny().golden.at("input_image"));
  auto [sparse, dense] = model->prompt_encoder->forward(Tiny().golden.at("point_model"), Tiny().golden.at("point_labels"), {}, {});
  ExpectClose(sparse, "point_sparse_embeddings");
  ExpectClose(dense, "point_dense_embeddings");
  auto [masks, iou] = model->mask_decoder->forward(embeddings, model->prompt_encoder->DenseImagePositionalEncoding(), sparse, dense);
  ExpectClose(masks, "point_all_low_res_logits");
  ExpectClose(iou, "point_all_iou_predictions");
  ExpectClose(masks.narrow(1, 0, 1), "point_low_res_logits");
  auto [maskSparse, maskDense] = model->prompt_encoder->forward({}, {}, {}, Tiny().golden.at("maskprompt_input"));
  ExpectClose(maskSparse, "maskprompt_sparse_embeddings");
  ExpectClose(maskDense, "maskprompt_dense_embeddings");
}

TEST(SamModel, VitBStateDictMatchesTheOfficialManifest)
{
  Sam         model(SamConfig::VitB());
  std::string ours;
  for (const auto & [name, tensor] : ModelStateDict(*model))
  {
    std::ostringstream shape;
    for (int64_t d = 0; d < tensor.dim(); ++d)
      shape << (d ? "," : "") << tensor.size(d);
    ours += name + "\t" + shape.str() + "\tfloat32\n";
  }
  std::string manifest;
  std::istringstream lines(ReadTextFile(SharedDirectory() + "/reference/medsam_vit_b_state_dict.tsv"));
  for (std::string line; std::getline(lines, line);)
    if (!line.empty() && line[0] != '#')
      manifest += line + "\n";
  EXPECT_EQ(ours, manifest);
}

TEST(SamModel, StrictLoadingListsEveryProblem)
{
  Sam       model(SamConfig::FromJson(ParseJson(ReadTextFile(SharedDirectory() + "/reference/golden/tiny_sam_config.json"))));
  StateDict sd = LoadStateDict(SharedDirectory() + "/reference/golden/tiny_sam.pth");
  sd.erase(sd.begin() + 3);                                     // a missing key
  sd.emplace_back("image_encoder.extra", torch::zeros({ 2 }));  // an unexpected key
  sd[0].second = torch::zeros({ 1, 4, 4, 48 });                 // a shape mismatch
  try
  {
    LoadStateDictStrict(*model, sd, "edited.pth");
    FAIL() << "no error";
  }
  catch (const CheckpointError & e)
  {
    const std::string m = e.what();
    EXPECT_NE(m.find("missing keys (1):\n    image_encoder.blocks.0.norm1.weight"), std::string::npos) << m;
    EXPECT_NE(m.find("unexpected keys (1):\n    image_encoder.extra"), std::string::npos) << m;
    EXPECT_NE(m.find("image_encoder.pos_embed (checkpoint [1, 4, 4, 48], model [1, 8, 8, 48])"), std::string::npos) << m;
  }
}

#include "sinus/MedSAMPredictor.h"

TEST(MedSAMPredictor, RawImageToMaskMatchesGolden)
{
  // The whole MedSAM pipeline from the raw 90 x 110 uint8 image: preprocessing, encoder, box and
  // point prompts in raw pixels, decoder, sigmoid, bilinear back to 90 x 110, > 0.5.
  MedSAMPredictor predictor(Tiny().model);
  predictor.SetImage(TensorToRaster<double>(Tiny().golden.at("raw_image_u8")));
  const torch::Tensor box = Tiny().golden.at("box_raw");
  const auto          boxPrediction = predictor.PredictBox({ box[0][0].item<double>(), box[0][1].item<double>(),
                                                             box[0][2].item<double>(), box[0][3].item<double>() });
  const torch::Tensor point = Tiny().golden.at("point_raw");
  const auto          pointPrediction = predictor.PredictPoints({ { { point[0][0][0].item<double>(), point[0][0][1].item<double>() } }, { 1 } });
  for (const auto & [prompt, prediction] : { std::pair<std::string, const MedSAMPrediction &>{ "box", boxPrediction },
                                             std::pair<std::string, const MedSAMPrediction &>{ "point", pointPrediction } })
  {
    const auto golden = TensorToRaster<float>(Tiny().golden.at(prompt + "_prob"));
    const auto goldenMask = TensorToRaster<uint8_t>(Tiny().golden.at(prompt + "_mask"));
    float      worst = 0;
    int        compared = 0;
    for (size_t i = 0; i < golden.data.size(); ++i)
    {
      worst = std::max(worst, std::fabs(prediction.probability.data[i] - golden.data[i]));
      if (std::fabs(golden.data[i] - 0.5f) > 1e-4f)
      {
        ASSERT_EQ(prediction.mask.data[i], goldenMask.data[i]) << prompt << " pixel " << i;
        ++compared;
      }
    }
    std::cout << prompt << "_prob from the raw image: max |difference| " << worst << " (" << compared << " mask pixels compared)"
              << std::endl;
    EXPECT_LE(worst, 1e-4f);
  }
  EXPECT_NEAR(boxPrediction.iou, Tiny().golden.at("box_iou_predictions").item<float>(), 1e-4);
  EXPECT_THROW(predictor.PredictBox({ 10, 10, 10, 40 }), std::invalid_argument); // zero area
  EXPECT_THROW(predictor.PredictBox({ -1, 0, 50, 50 }), std::invalid_argument);  // outside
  EXPECT_THROW(predictor.PredictBox({ 0, 0, 111, 90 }), std::invalid_argument);  // outside
  const BoxPrompt full = predictor.FullImageBox();
  EXPECT_EQ(full.x1, 110);
  EXPECT_EQ(full.y1, 90);
}

TEST(MedSAMPredictor, BFloat16MasksAgreeWithFloat32OnTheGoldenImage)
{
  if (const std::string why = BFloat16Unavailable(); !why.empty())
    GTEST_SKIP() << why;
  // The encoder in bf16 (LibTorch's CPU autocast), the decoder in fp32: the box prompt's mask on
  // the official golden image against the fp32 pipeline's (itself the official output, above).
  const auto predict = [](sinus::ComputePrecision precision) {
    MedSAMPredictor predictor(Tiny().model);
    predictor.SetPrecision(precision);
    predictor.SetImage(TensorToRaster<double>(Tiny().golden.at("raw_image_u8")));
    return predictor.PredictBox(predictor.FullImageBox());
  };
  const MedSAMPrediction fp32 = predict(sinus::ComputePrecision::Float32);
  const MedSAMPrediction bf16 = predict(sinus::ComputePrecision::BFloat16);
  float                  worst = 0;
  for (size_t i = 0; i < fp32.probability.data.size(); ++i)
    worst = std::max(worst, std::fabs(fp32.probability.data[i] - bf16.probability.data[i]));
  const double dice = DiceCoefficient(bf16.mask.data.data(), fp32.mask.data.data(), fp32.mask.data.size());
  std::cout << "bf16 against fp32: Dice " << dice << ", max |probability difference| " << worst << std::endl;
  EXPECT_GE(dice, 0.995);
  EXPECT_LE(worst, 0.02f); // measured on the AMD EPYC (avx512_bf16): Dice 0.9988, 0.0067
}

#include "sinus/ModelFile.h"

TEST(ModelFile, SavesAndLoadsArchitectureAndWeightsInOneFile)
{
  const std::string dir = ScratchDirectory("modelfile");
  Json              metadata = Json::object();
  metadata["stage"] = "teacher";
  SaveSamModel(dir + "/tiny.sinusseg", *Tiny().model, metadata);
  Json       readMetadata;
  Sam        loaded = LoadSamModel(dir + "/tiny.sinusseg", &readMetadata);
  EXPECT_EQ(readMetadata.at("stage").get<std::string>(), "teacher");
  EXPECT_EQ(loaded->config.imageEncoder.embedDim, 48);
  const StateDict a = ModelStateDict(*Tiny().model), b = ModelStateDict(*loaded);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i)
  {
    EXPECT_EQ(a[i].first, b[i].first);
    EXPECT_TRUE(torch::equal(a[i].second, b[i].second)) << a[i].first;
  }
  // Corrupt, truncated, foreign files: errors naming the file.
  const std::string bytes = ReadTextFile(dir + "/tiny.sinusseg");
  WriteFileAtomically(dir + "/half.sinusseg", bytes.substr(0, bytes.size() / 2));
  EXPECT_THROW(LoadSamModel(dir + "/half.sinusseg"), CheckpointError);
  try
  {
    LoadSamModel(SharedDirectory() + "/reference/golden/tiny_sam.pth");
    FAIL();
  }
  catch (const CheckpointError & e)
  {
    EXPECT_NE(std::string(e.what()).find("not a SinusSeg model file"), std::string::npos) << e.what();
  }
  // An official checkpoint read with the wrong architecture lists the mismatches.
  try
  {
    LoadSamFromCheckpoint(SharedDirectory() + "/reference/golden/tiny_sam.pth");
    FAIL();
  }
  catch (const CheckpointError & e)
  {
    EXPECT_NE(std::string(e.what()).find("tiny_sam.pth: checkpoint does not match the model architecture"), std::string::npos);
  }
  sinus::RemoveTree(dir);
}
