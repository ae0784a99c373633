// SPDX-License-Identifier: Apache-2.0
// Benchmark: the MedSAM ViT-B image encoder at 1024 x 1024 (random weights: the timing does not
// depend on them) and the whole prediction path on a real full-size radiograph.
// Prints median wall time and peak resident memory; asserts nothing.
//   MedSAMBenchmark [runs=3] [radiograph.png] [--config tiny_sam_config.json] [--precision-probe]
// --precision-probe also times ViT-B's largest linear layer (4096 tokens, 768 -> 3072) in fp32 and
// bf16, to show whether a bf16 encoder could pay off on this CPU.
#include "sinus/MedSAMPredictor.h"
#include "sinus/FileUtilities.h"
#include "sinus/TensorDictionary.h"
#include "sinusImageIO.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <iomanip>
#include <iostream>
#include <sys/resource.h>

namespace
{
double
PeakResidentMB()
{
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

double
Median(std::vector<double> v)
{
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

void
ProbeLinearThroughput()
{
  const torch::Tensor tokens = torch::randn({ 4096, 768 }), weight = torch::randn({ 3072, 768 }), bias = torch::randn({ 3072 });
  const double        flops = 2.0 * 4096 * 768 * 3072;
  for (const auto type : { torch::kFloat32, torch::kBFloat16 })
  {
    const torch::Tensor x = tokens.to(type), w = weight.to(type), b = bias.to(type);
    torch::nn::functional::linear(x, w, b); // warm-up
    const int  repeats = type == torch::kFloat32 ? 10 : 1;
    const auto start = std::chrono::steady_clock::now();
    for (int r = 0; r < repeats; ++r)
      torch::nn::functional::linear(x, w, b);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() / repeats;
    std::cout << "linear 4096x768 -> 3072, " << (type == torch::kFloat32 ? "fp32" : "bf16") << ": " << std::setprecision(4) << s
              << " s, " << flops / s / 1e9 << " GFLOP/s" << std::endl;
  }
  try
  {
    at::mkldnn_linear(tokens.to(torch::kBFloat16).to_mkldnn(), weight.to(torch::kBFloat16).to_mkldnn(),
                      bias.to(torch::kBFloat16).to_mkldnn());
    std::cout << "oneDNN bf16 linear: available" << std::endl;
  }
  catch (const c10::Error & e)
  {
    std::cout << "oneDNN bf16 linear: refused (" << e.msg().substr(0, e.msg().find('\n')) << ")" << std::endl;
  }
}
} // namespace

int
main(int argc, char * argv[])
{
  int         runs = 3;
  std::string radiograph, config;
  bool        precisionProbe = false;
  for (int i = 1; i < argc; ++i)
  {
    const std::string a = argv[i];
    if (a == "--config" && i + 1 < argc)
      config = argv[++i];
    else if (a == "--precision-probe")
      precisionProbe = true;
    else if (std::isdigit(static_cast<unsigned char>(a[0])))
      runs = std::max(1, std::atoi(a.c_str()));
    else
      radiograph = a;
  }
  const int threads = sinus::ConfigureRuntime(0);
  if (precisionProbe)
    ProbeLinearThroughput();
  torch::manual_seed(0);
  const sinus::SamConfig samConfig =
    config.empty() ? sinus::SamConfig::VitB() : sinus::SamConfig::FromJson(sinus::ParseJson(sinus::ReadTextFile(config)));
  sinus::Sam model(samConfig);
  model->eval();
  const int64_t size = samConfig.imageEncoder.imgSize;
  std::cout << "LibTorch threads " << threads << "; encoder " << (config.empty() ? "ViT-B" : config) << " at " << size << "x" << size
            << ", fp32" << std::endl;

  const torch::Tensor input = torch::rand({ 1, 3, size, size });
  std::vector<double> seconds;
  for (int r = 0; r < runs; ++r)
  {
    torch::InferenceMode guard;
    const auto           start = std::chrono::steady_clock::now();
    model->image_encoder->forward(input);
    seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  std::cout << std::fixed << std::setprecision(2) << "image encoder: median " << Median(seconds) << " s over " << runs
            << " runs (min " << *std::min_element(seconds.begin(), seconds.end()) << "), peak RSS " << PeakResidentMB()
            << " MB" << std::endl;

  if (!radiograph.empty())
  {
    const auto           start = std::chrono::steady_clock::now();
    const auto           image = sinus::ImageToRaster(sinus::ReadRadiograph(radiograph).GetPointer());
    sinus::Raster<double> grey(image.height, image.width, 1);
    std::copy(image.data.begin(), image.data.end(), grey.data.begin());
    sinus::MedSAMPredictor predictor(model);
    predictor.SetImage(grey);
    const sinus::MedSAMPrediction prediction = predictor.PredictBox(predictor.FullImageBox());
    const double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::cout << "whole prediction on " << radiograph << " (" << image.width << "x" << image.height
              << ", read + preprocess + encode + decode + back to full size): " << total << " s, peak RSS "
              << PeakResidentMB() << " MB" << std::endl;
  }
  return EXIT_SUCCESS;
}
