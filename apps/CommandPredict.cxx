// SPDX-License-Identifier: Apache-2.0
// sinusseg predict: a trained model on one radiograph or a folder of them (MedSAM with prompts, or
// any segmenter with its automatic prompt).
#include "SinusSegCommand.h"
#include "TrainingJobs.h"

#include <sys/resource.h>

#include <chrono>

#include "itkMedSAMImageFilter.h"
#include "itkSegmenterImageFilter.h"
#include "sinus/SegmenterRegistry.h"
#include "sinus/FileUtilities.h"
#include "sinus/ModelFile.h"
#include "sinus/RankCoordination.h"
#include "sinus/TestTimeMirror.h"
#include "sinusImageIO.h"

#include <filesystem>
#include <iostream>

namespace sinusseg
{
namespace fs = std::filesystem;

namespace
{
sinus::BoxPrompt
ParseBox(const std::string & text)
{
  double      v[4];
  char        extra;
  const int   n = std::sscanf(text.c_str(), "%lf,%lf,%lf,%lf%c", &v[0], &v[1], &v[2], &v[3], &extra);
  if (n != 4)
    throw UsageError("--box must be x0,y0,x1,y1 in pixels, got '" + text + "'");
  return { v[0], v[1], v[2], v[3] };
}

// x,y[,label] with label 1 (foreground, the default) or 0 (background).
void
ParsePoint(const std::string & text, sinus::PointPrompts & prompts)
{
  double    x = 0, y = 0;
  int       label = 1;
  char      extra;
  const int n = std::sscanf(text.c_str(), "%lf,%lf,%d%c", &x, &y, &label, &extra);
  if (n != 2 && n != 3)
    throw UsageError("--point must be x,y or x,y,label in pixels, got '" + text + "'");
  if (label != 0 && label != 1)
    throw UsageError("--point label must be 1 (foreground) or 0 (background), got '" + text + "'");
  prompts.points.push_back({ x, y });
  prompts.labels.push_back(label);
}

/** Runs a probability-and-mask filter on one job and writes its outputs. */
template <typename TFilter>
void
RunAndWrite(TFilter * filter, const ImageJob & job, const ImageJobPlan & plan)
{
  filter->SetForegroundValue(255);
  UpdateNamingInput(filter, job.input);
  WriteMaskAndProbability(
    job, plan.IsFolder(), [&](const std::string & path) { sinus::WriteImage(filter->GetMaskOutput(), path); },
    [&](const std::string & path) { sinus::WriteImage(filter->GetOutput(), path); });
}

/** MedSAM with box/point prompts (the full-image box without any); returns the first predicted IoU. */
float
PredictWithMedSAM(const sinus::Sam & network, sinus::ComputePrecision precision, const sinus::RadiographImageType * radiograph,
                  const std::vector<sinus::BoxPrompt> & boxes, const sinus::PointPrompts & points, bool rescale, const ImageJob & job,
                  const ImageJobPlan & plan)
{
  auto filter = itk::MedSAMImageFilter<sinus::RadiographImageType>::New();
  filter->SetInput(radiograph);
  filter->SetModel(network);
  filter->SetPrecision(precision);
  filter->SetBoxes(boxes);
  filter->SetPointPrompts(points);
  filter->SetRescaleInputTo8BitRange(rescale);
  RunAndWrite(filter.GetPointer(), job, plan);
  return filter->GetPredictedIoUs().front();
}

/** Any other trained segmenter (a U-Net student, ...) with its automatic prompt. */
void
PredictWithSegmenter(const sinus::Segmenter & network, sinus::ComputePrecision precision, const sinus::MaskPostprocessing & postprocessing,
                     bool mirror, const sinus::RadiographImageType * radiograph, bool rescale, const ImageJob & job, const ImageJobPlan & plan)
{
  auto filter = itk::SegmenterImageFilter<sinus::RadiographImageType>::New();
  filter->SetInput(radiograph);
  filter->SetSegmenter(network);
  filter->SetPrecision(precision);
  filter->SetPostprocessing(postprocessing);
  filter->SetTestTimeMirror(mirror);
  filter->SetRescaleInputTo8BitRange(rescale);
  RunAndWrite(filter.GetPointer(), job, plan);
}
/** The model file's postprocessing (chosen on validation images by training), or the plain > 0.5
 *  with --postprocessing off or for a file that has none. */
sinus::MaskPostprocessing
PostprocessingOf(const std::string & model, const sinus::Json & metadata, const std::string & choice)
{
  if (choice != "model" && choice != "off")
    throw UsageError("--postprocessing must be model or off, not " + choice);
  if (choice == "off")
    return sinus::MaskPostprocessing{};
  return sinus::MaskPostprocessing::FromModelMetadata(metadata, model).value_or(sinus::MaskPostprocessing{});
}

/** Whether the probabilities are mirror-averaged: as the model file says (its training decided),
 *  or never with --test-time-mirror off. */
bool
TestTimeMirrorOf(const std::string & model, const sinus::Json & metadata, const std::string & choice)
{
  if (choice != "model" && choice != "off")
    throw UsageError("--test-time-mirror must be model or off, not " + choice);
  return choice == "model" && sinus::ReadTestTimeMirror(metadata, model);
}

/** What the command line asks of every image. */
struct PredictionRequest
{
  std::string                   model, checkpoint, config, rescale = "auto", postprocessingChoice = "model", mirrorChoice = "model";
  sinus::ComputePrecision     precision = sinus::ComputePrecision::Auto;
  std::vector<sinus::BoxPrompt> prompts;
  sinus::PointPrompts           pointPrompts;
};

/** Loads the model and segments this process's jobs of `plan`. */
void
PredictEveryJob(const PredictionRequest & request, const ImageJobPlan & plan)
{
  const auto & [model, checkpoint, config, rescale, postprocessingChoice, mirrorChoice, precision, prompts, pointPrompts] = request;
  sinus::Json            metadata = sinus::Json::object();
  const sinus::Segmenter network = model.empty() ? sinus::AsSegmenter(sinus::LoadSamFromCheckpoint(
                                                     checkpoint, config.empty() ? std::nullopt : std::optional<std::string>(config)))
                                                 : sinus::LoadSegmenterModel(model, &metadata);
  const sinus::MaskPostprocessing postprocessing = PostprocessingOf(model, metadata, postprocessingChoice);
  const bool                      mirror = TestTimeMirrorOf(model, metadata, mirrorChoice);
  const bool prompted = !prompts.empty() || !pointPrompts.points.empty();
  // A trained SAM with its automatic prompt is any segmenter: the model file's postprocessing and
  // mirroring apply.
  const auto sam = (postprocessing.Plain() && !mirror) || prompted ? std::dynamic_pointer_cast<sinus::SamImpl>(network.ptr()) : nullptr;
  if (!sam && prompted)
    throw UsageError(model + " holds a '" + network->Architecture() + "' network, which takes no prompts; drop --box/--point");
  const bool rescaleFlag = rescale == "on";
  for (const ImageJob & job : plan.Jobs())
  {
    sinus::RadiographInfo info;
    const auto            started = std::chrono::steady_clock::now();
    const auto            radiograph = sinus::ReadRadiograph(job.input, &info);
    const bool            rescaleInput = rescaleFlag || (rescale == "auto" && !info.eightBit);
    std::string           note;
    if (sam)
      note = ", predicted IoU " + std::to_string(PredictWithMedSAM(sinus::Sam(sam), precision, radiograph, prompts, pointPrompts, rescaleInput, job, plan));
    else
      PredictWithSegmenter(network, precision, postprocessing, mirror, radiograph, rescaleInput, job, plan);
    const auto size = radiograph->GetLargestPossibleRegion().GetSize();
    std::cout << job.input << " (" << size[0] << "x" << size[1] << ") -> " << (plan.IsFolder() ? fs::path(job.mask).filename().string() : job.mask)
              << note << ", " << std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count() << " s" << std::endl;
  }
}

/** Peak resident memory of the whole run (the model, the largest image and its outputs). */
void
PrintPeakMemory()
{
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  std::cout << "peak memory " << static_cast<double>(usage.ru_maxrss) / 1024.0 << " MB" << std::endl;
}
} // namespace

int
RunPredict(const std::vector<std::string> & args)
{
  namespace po = boost::program_options;
  PredictionRequest        request;
  auto & [model, checkpoint, config, rescale, postprocessingChoice, mirrorChoice, precision, prompts, pointPrompts] = request;
  std::string              input, output, probability, precisionChoice = "auto";
  std::vector<std::string> boxes, points;
  int                      threads = 0;
  po::options_description  desc("Options");
  desc.add_options()
    ("model", po::value(&model), "SinusSeg model file (architecture + weights)")
    ("checkpoint", po::value(&checkpoint), "official checkpoint (medsam_vit_b.pth, sam_vit_b_01ec64.pth); ViT-B unless --model-config")
    ("model-config", po::value(&config), "architecture JSON for --checkpoint (format of tiny_sam_config.json)")
    ("input", po::value(&input)->required(), "radiograph, or a folder of radiographs")
    ("output", po::value(&output)->required(), "mask (0/255 PNG), or a folder for the masks")
    ("prob", po::value(&probability), "also write the probability map (.mha/.nrrd), or a folder for them")
    ("box", po::value(&boxes)->composing(), "box prompt x0,y0,x1,y1 in pixels; repeat for several (union); default: the full image")
    ("point", po::value(&points)->composing(), "point prompt x,y[,label] in pixels (label 1 = sinus, 0 = background); all points form one prompt")
    ("rescale", po::value(&rescale)->default_value(rescale), "map input [min,max] to [0,255]: auto (unless 8-bit), on, off")
    ("postprocessing", po::value(&postprocessingChoice)->default_value(postprocessingChoice),
     "mask from the probability: model (the threshold and smallest kept object training chose on validation images and stored in "
     "the model file; > 0.5 for files without one) or off (> 0.5); not for prompted MedSAM")
    ("test-time-mirror", po::value(&mirrorChoice)->default_value(mirrorChoice),
     "average the logits on the image and on its mirror image: model (when the model file says so; its postprocessing was chosen "
     "that way) or off (twice as fast); not for prompted MedSAM")
    ("precision", po::value(&precisionChoice)->default_value(precisionChoice),
     "the network's number format: auto (bf16 where the CPU has native bf16, AVX512_BF16; fp32 elsewhere), fp32 (the reference) "
     "or bf16 (masks agree with fp32 to Dice >= 0.995; see Documentation/Performance.md)")
    ("threads", po::value(&threads)->default_value(0), "LibTorch threads (0 = all cores)");
  po::variables_map values;
  if (!ParseCommandLine("predict", "(--model FILE | --checkpoint PTH [--model-config JSON]) --input IMG --output MASK [options]",
                        desc, args, values))
  {
    return 0;
  }
  if (model.empty() == checkpoint.empty())
    throw UsageError("give exactly one of --model and --checkpoint");
  if (!config.empty() && checkpoint.empty())
    throw UsageError("--model-config goes with --checkpoint (a model file carries its own architecture)");
  if (rescale != "auto" && rescale != "on" && rescale != "off")
    throw UsageError("--rescale must be auto, on or off");
  try
  {
    precision = sinus::ParseComputePrecision(precisionChoice);
  }
  catch (const std::invalid_argument & e)
  {
    throw UsageError(std::string("--precision: ") + e.what());
  }
  const std::string described = sinus::DescribePrecision(precision); // bf16 without AVX-512 is refused here
  std::cout << "precision: " << described << std::endl;
  for (const auto & b : boxes)
    prompts.push_back(ParseBox(b));
  for (const auto & p : points)
    ParsePoint(p, pointPrompts);
  const sinus::DataParallelGroup & group = JoinLaunchedJob();
  ConfigureThreads(threads);

  // Plan every job (and fail on bad paths) before loading the model or writing anything. In a
  // data-parallel job each rank takes its share of the folder, written into rank 0's staging
  // folders, which appear only when every rank has finished.
  std::unique_ptr<ImageJobPlan> plan;
  sinus::RunOnEveryRank(group, "planning " + input, [&] {
    plan = std::make_unique<ImageJobPlan>(input, output, probability, ProcessShare{ group.Rank(), group.WorldSize() });
  });
  if (group.Distributed())
  {
    const auto [masks, probabilities] = plan->StagingFolders();
    plan->ShareStaging(sinus::BroadcastText(group, masks, 0, "sharing the mask staging folder"),
                       sinus::BroadcastText(group, probabilities, 0, "sharing the probability staging folder"));
  }
  sinus::RunOnEveryRank(group, "predicting " + input, [&] { PredictEveryJob(request, *plan); });
  sinus::RunOnLeader(group, "moving the outputs into place", [&] { plan->Commit(); });
  PrintPeakMemory();
  return 0;
}

} // namespace sinusseg
