// SPDX-License-Identifier: Apache-2.0
// sinusseg refine: refine teacher masks with a trained SinusCycle-GAN.
#include "SinusSegCommand.h"
#include "TrainingJobs.h"

#include "itkSinusCycleGANRefinementImageFilter.h"
#include "sinus/ModelFile.h"
#include "sinusImageIO.h"

#include <filesystem>
#include <iostream>

namespace sinusseg
{

int
RunRefine(const std::vector<std::string> & args)
{
  namespace po = boost::program_options;
  std::string             model, input, output, probability;
  int                     threads = 0;
  po::options_description desc("Options");
  desc.add_options()
    ("model", po::value(&model)->required(), "refiner model file (sinusseg train-refiner)")
    ("input", po::value(&input)->required(), "teacher mask (label image, or float probability map in [0, 1]), or a folder of them")
    ("output", po::value(&output)->required(), "refined mask (0/255 PNG), or a folder for them")
    ("prob", po::value(&probability), "also write the refined probability (.mha/.nrrd), or a folder for them")
    ("threads", po::value(&threads)->default_value(0), "LibTorch threads (0 = all cores)");
  po::variables_map values;
  if (!ParseCommandLine("refine", "--model FILE --input MASK|DIR --output MASK|DIR [--prob FILE|DIR]", desc, args, values))
    return 0;
  ConfigureThreads(threads);
  ImageJobPlan               plan(input, output, probability);
  const sinus::SinusCycleGAN refiner = sinus::LoadRefinerModel(model);
  using FilterType = itk::SinusCycleGANRefinementImageFilter<sinus::RadiographImageType>;
  for (const ImageJob & job : plan.Jobs())
  {
    auto filter = FilterType::New();
    filter->SetInput(sinus::ReadMaskAsProbability(job.input));
    filter->SetInputIsProbability(true); // labels were mapped to 0/1 on reading
    filter->SetModel(refiner);
    filter->SetForegroundValue(255);
    UpdateNamingInput(filter, job.input);
    WriteMaskAndProbability(
      job, plan.IsFolder(), [&](const std::string & path) { sinus::WriteImage(filter->GetMaskOutput(), path); },
      [&](const std::string & path) { sinus::WriteImage(filter->GetOutput(), path); });
    std::cout << job.input << " -> " << (plan.IsFolder() ? std::filesystem::path(job.mask).filename().string() : job.mask) << std::endl;
  }
  plan.Commit();
  return 0;
}

} // namespace sinusseg
