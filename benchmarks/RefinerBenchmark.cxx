// SPDX-License-Identifier: Apache-2.0
// Benchmark: does SinusCycle-GAN refinement improve corrupted sinus masks? Clean phantom masks,
// the documented noise model as the "teacher", training on labelled pairs + unlabelled teacher
// masks, scoring on held-out masks before and after refinement, with and without CBAM.
// Prints measured numbers; asserts nothing.
//   RefinerBenchmark [--epochs N] [--batch N] [--lr X] [--size WxH] [--pairs N] [--unlabelled N]
//                    [--held-out N] [--variants cbam,plain] [--seed N] [--noise noise.json] [--threads N]
// Results are deterministic for a given thread count; the float summation order, and so the last
// digits, depend on it.
#include "sinus/FileUtilities.h"
#include "sinus/RefinerExperiment.h"
#include "sinus/TensorDictionary.h"

#include <cstdlib>
#include <iomanip>
#include <iostream>
#include <sstream>

int
main(int argc, char * argv[])
{
  sinus::RefinerExperimentOptions options = sinus::RefinerExperimentOptions::CpuEvidenceRun();
  std::string variants = "cbam,plain";
  int         threads = 0;
  for (int i = 1; i + 1 < argc; i += 2)
  {
    const std::string key = argv[i], value = argv[i + 1];
    if (key == "--epochs")
      options.training.epochs = std::atoll(value.c_str());
    else if (key == "--batch")
      options.training.batchSize = std::atoll(value.c_str());
    else if (key == "--lr")
      options.training.learningRate = std::atof(value.c_str());
    else if (key == "--size" && std::sscanf(value.c_str(), "%ldx%ld", &options.phantomWidth, &options.phantomHeight) == 2)
      continue;
    else if (key == "--pairs")
      options.pairs = std::atoll(value.c_str());
    else if (key == "--unlabelled")
      options.unlabelled = std::atoll(value.c_str());
    else if (key == "--held-out")
      options.heldOut = std::atoll(value.c_str());
    else if (key == "--variants")
      variants = value;
    else if (key == "--noise") // a JSON object of MaskNoiseOptions settings (Documentation/Refinement.md)
      options.noise = sinus::MaskNoiseOptions::FromJson(sinus::ParseJson(sinus::ReadTextFile(value)));
    else if (key == "--threads")
      threads = std::atoi(value.c_str());
    else if (key == "--seed")
      options.training.seed = static_cast<uint64_t>(std::atoll(value.c_str()));
    else
    {
      std::cerr << "unknown or malformed option " << key << " " << value << std::endl;
      return EXIT_FAILURE;
    }
  }
  threads = sinus::ConfigureRuntime(threads);
  std::cout << "LibTorch threads " << threads << "; phantoms " << options.phantomWidth << "x" << options.phantomHeight << ", "
            << options.pairs << " pairs, " << options.unlabelled << " unlabelled, " << options.heldOut << " held out; working grid "
            << options.config.workingWidth << "x" << options.config.workingHeight << ", " << options.training.epochs
            << " epochs, batch " << options.training.batchSize << ", lr " << options.training.learningRate << std::endl;
  std::cout << "| variant | Dice before | Dice after | HD95 before (px) | HD95 after (px) | training |\n|---|---|---|---|---|---|"
            << std::endl;
  std::istringstream list(variants);
  std::string        variant;
  while (std::getline(list, variant, ','))
  {
    options.config.correctionCbam = variant == "cbam";
    const sinus::RefinerExperimentResult r = sinus::RunRefinerExperiment(options);
    std::cout << std::fixed << std::setprecision(4) << "| " << (variant == "cbam" ? "with CBAM" : "without CBAM") << " | "
              << r.diceBefore << " ± " << r.diceBeforeStd << " | " << r.diceAfter << " ± " << r.diceAfterStd << " | "
              << std::setprecision(2) << r.hd95Before << " ± " << r.hd95BeforeStd << " | " << r.hd95After << " ± " << r.hd95AfterStd
              << " | " << std::setprecision(0) << r.trainingSeconds << " s |" << std::endl;
  }
  return EXIT_SUCCESS;
}
