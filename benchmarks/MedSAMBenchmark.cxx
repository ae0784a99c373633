// Benchmark: the MedSAM ViT-B image encoder at 1024 x 1024 (random weights: the timing does not
// depend on them) and the whole prediction path on a real full-size radiograph.
// Prints median wall time and peak resident memory; asserts nothing.
//   MedSAMBenchmark [runs=3] [radiograph.png] [--config tiny_sam_config.json]
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
} // namespace

int
main(int argc, char * argv[])
{
  int         runs = 3;
  std::string radiograph, config;
  for (int i = 1; i < argc; ++i)
  {
    const std::string a = argv[i];
    if (a == "--config" && i + 1 < argc)
      config = argv[++i];
    else if (std::isdigit(static_cast<unsigned char>(a[0])))
      runs = std::max(1, std::atoi(a.c_str()));
    else
      radiograph = a;
  }
  const int threads = sinus::ConfigureRuntime(0);
  torch::manual_seed(0);
  const sinus::SamConfig samConfig =
    config.empty() ? sinus::SamConfig::VitB() : sinus::SamConfig::FromJson(sinus::Json::Parse(sinus::ReadTextFile(config)));
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
