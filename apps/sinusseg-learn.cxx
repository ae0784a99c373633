// SPDX-License-Identifier: Apache-2.0
// sinusseg-learn: the commands that run networks (LibTorch). Reached through `sinusseg <command>`.
#include "SinusSegCommand.h"

int
main(int argc, char * argv[])
{
  using namespace sinusseg;
  return CommandMain(argc, argv,
                     { { "demo", RunDemo },
                       { "predict", RunPredict },
                       { "model-info", RunModelInfo },
                       { "train-refiner", RunTrainRefiner },
                       { "refine", RunRefine },
                       { "train", RunTrain },
                       { "ablation", RunAblation },
                       { "benchmark", RunBenchmark },
                       { "pretrain", RunPretrain },
                       { "suggest", RunSuggest } });
}
