// SPDX-License-Identifier: Apache-2.0
// SinusSegmentationCLI: SinusSeg as a 3D Slicer command-line module (Slicer Execution Model).
//   SinusSegmentationCLI --xml
//   SinusSegmentationCLI [--region x,y,z,rx,ry,rz] [--threads N] [--precision P] [--reference mask] [--returnparameterfile F]
//                        inputVolume outputLabel model.sinusseg
// Slicer hands 2-D radiographs over as single-slice volumes and regions (ROIs) in RAS; the label
// map is written on the input's grid. Progress goes to stdout as <filter-progress> tags; errors go
// to stderr with a non-zero exit.
#include "itkExtractImageFilter.h"
#include "itkMedSAMImageFilter.h"
#include "itkSegmenterImageFilter.h"
#include "sinus/FileUtilities.h"
#include "sinus/ModelFile.h"
#include "sinus/SegmentationMetrics.h"
#include "sinus/SegmenterRegistry.h"
#include "sinus/TensorDictionary.h"
#include "sinus/ComputePrecision.h"
#include "sinus/TestTimeMirror.h"
#include "sinusImageIO.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace
{
const char * kModuleDescription = R"(<?xml version="1.0" encoding="utf-8"?>
<executable>
  <category>Segmentation.Dental</category>
  <title>Maxillary Sinus Segmentation (SinusSeg)</title>
  <description><![CDATA[Segments the maxillary sinus in a dental panoramic radiograph with a network trained by SinusSeg's semi-supervised method (Park et al. 2026: MedSAM teacher, SinusCycle-GAN refined pseudo-labels, HD95-weighted knowledge distillation) or any segmenter it trains (U-Net, nnU-Net, ...; with the postprocessing chosen in training). MedSAM's prompt is the whole image, or the box of an optional region. With a reference mask, Dice and HD95 against it are returned.]]></description>
  <version>0.1.0</version>
  <documentation-url>https://github.com/sinusseg/SinusSegmentation/blob/main/Documentation/Slicer.md</documentation-url>
  <license>Apache 2.0</license>
  <contributor>SinusSeg developers</contributor>
  <parameters>
    <label>Input and output</label>
    <description><![CDATA[Radiograph, trained model and the label map written]]></description>
    <image>
      <name>inputVolume</name>
      <label>Radiograph</label>
      <description><![CDATA[Panoramic radiograph (a 2-D image or a single-slice volume)]]></description>
      <channel>input</channel>
      <index>0</index>
    </image>
    <image type="label">
      <name>outputLabel</name>
      <label>Sinus label map</label>
      <description><![CDATA[1 = maxillary sinus, 0 = background, on the radiograph's grid]]></description>
      <channel>output</channel>
      <index>1</index>
    </image>
    <file fileExtensions=".sinusseg">
      <name>model</name>
      <label>Model file</label>
      <description><![CDATA[A SinusSeg model file, e.g. student.sinusseg written by sinusseg train: MedSAM, or any trained segmenter (U-Net, nnU-Net, ...) with the postprocessing its training chose]]></description>
      <channel>input</channel>
      <index>2</index>
    </file>
  </parameters>
  <parameters>
    <label>Prompt and performance</label>
    <description><![CDATA[Optional box prompt and threads]]></description>
    <region coordinateSystem="ras">
      <name>sinusRegion</name>
      <longflag>region</longflag>
      <label>Box prompt (ROI)</label>
      <description><![CDATA[Optional ROI around the sinuses; its in-plane extent becomes MedSAM's box prompt (MedSAM models only). Without it the whole image is the prompt. It must lie inside the image.]]></description>
      <default>0,0,0,-1,-1,-1</default>
    </region>
    <integer>
      <name>threads</name>
      <longflag>threads</longflag>
      <label>Threads</label>
      <description><![CDATA[CPU threads for the network (0 = all cores)]]></description>
      <default>0</default>
      <constraints>
        <minimum>0</minimum>
        <maximum>256</maximum>
        <step>1</step>
      </constraints>
    </integer>
    <string>
      <name>precision</name>
      <longflag>precision</longflag>
      <label>Precision (auto, fp32 or bf16)</label>
      <description><![CDATA[The network's number format: auto (bf16 where the CPU has native bf16 instructions, AVX512_BF16, fp32 elsewhere), fp32 (the reference) or bf16 (masks agree with fp32 to Dice >= 0.995). A free text field rather than a menu: the module schema this module validates against allows one element per enumeration.]]></description>
      <default>auto</default>
    </string>
  </parameters>
  <parameters>
    <label>Evaluation</label>
    <description><![CDATA[Optional comparison with a reference mask]]></description>
    <string>
      <name>reference</name>
      <longflag>reference</longflag>
      <label>Reference mask file</label>
      <description><![CDATA[Optional reference mask (non-zero = sinus) on the radiograph's grid; Dice and HD95 go to the return parameters]]></description>
      <default></default>
    </string>
    <float>
      <name>dice</name>
      <longflag>dice</longflag>
      <label>Dice</label>
      <description><![CDATA[Returned: Dice between the label map and the reference]]></description>
      <default>0</default>
    </float>
    <float>
      <name>hd95</name>
      <longflag>hd95</longflag>
      <label>HD95 (mm)</label>
      <description><![CDATA[Returned: 95th percentile Hausdorff distance in the image's physical units (directed, see Documentation/Metrics.md)]]></description>
      <default>0</default>
    </float>
  </parameters>
</executable>
)";

using Volume = itk::Image<float, 3>;
using Slice = itk::Image<float, 2>;
using LabelVolume = itk::Image<unsigned char, 3>;
using LabelSlice = itk::Image<unsigned char, 2>;

struct Arguments
{
  std::vector<std::string> positional;
  std::string              region, reference, returnParameterFile;
  int                      threads = 0;
  sinus::ComputePrecision precision = sinus::ComputePrecision::Auto;
};

Arguments
ParseArguments(int argc, char * argv[])
{
  Arguments a;
  for (int i = 1; i < argc; ++i)
  {
    const std::string arg = argv[i];
    const auto        value = [&]() -> std::string {
      if (i + 1 >= argc)
        throw std::invalid_argument(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "--region")
      a.region = value();
    else if (arg == "--threads")
      a.threads = std::stoi(value());
    else if (arg == "--precision")
      a.precision = sinus::ParseComputePrecision(value());
    else if (arg == "--reference")
      a.reference = value();
    else if (arg == "--returnparameterfile")
      a.returnParameterFile = value();
    else if (arg == "--processinformationaddress" || arg == "--dice" || arg == "--hd95")
      value(); // Slicer's shared-memory progress address and the return parameters' own values: not inputs
    else if (arg.rfind("--", 0) == 0)
      throw std::invalid_argument("unknown option " + arg);
    else
      a.positional.push_back(arg);
  }
  if (a.positional.size() != 3)
    throw std::invalid_argument("expected inputVolume outputLabel model (got " + std::to_string(a.positional.size()) + " file arguments)");
  return a;
}

/** Reads a 2-D image, or a 3-D volume with exactly one slice (how Slicer stores a radiograph), as a
 *  single-slice volume with the file's geometry; `isVolume` tells which the file was. */
Volume::Pointer
ReadSingleSliceVolume(const std::string & path, bool * isVolume = nullptr)
{
  sinus::RequireCodecReadable(path);
  const itk::ImageIOBase::Pointer io = sinus::ProbeImageIO(path);
  if (!io)
    throw std::runtime_error(path + ": not an image file ITK can read");
  io->SetFileName(path);
  io->ReadImageInformation();
  if (io->GetNumberOfDimensions() == 3 && io->GetDimensions(2) != 1)
    throw std::runtime_error(path + ": a volume of " + std::to_string(io->GetDimensions(2)) +
                             " slices; SinusSeg segments one radiograph (a 2-D image or a single-slice volume)");
  if (isVolume)
    *isVolume = io->GetNumberOfDimensions() == 3;
  return sinus::ReadImageChecked<Volume>(path);
}

Slice::Pointer
ToSlice(const Volume * volume)
{
  auto                 extract = itk::ExtractImageFilter<Volume, Slice>::New();
  Volume::RegionType   region = volume->GetLargestPossibleRegion();
  region.SetSize(2, 0);
  extract->SetInput(volume);
  extract->SetExtractionRegion(region);
  extract->SetDirectionCollapseToSubmatrix();
  extract->Update();
  return extract->GetOutput();
}

/** Slicer's ROI (RAS centre and radius) -> MedSAM box in pixel coordinates of the slice. */
sinus::BoxPrompt
RegionToBox(const std::string & text, const Volume * volume)
{
  std::vector<double> v;
  std::stringstream   stream(text);
  std::string         item;
  while (std::getline(stream, item, ','))
    v.push_back(std::stod(item));
  if (v.size() != 6)
    throw std::invalid_argument("--region must be x,y,z,rx,ry,rz (RAS centre and radius); got '" + text + "'");
  if (v[3] <= 0 || v[4] <= 0)
    throw std::invalid_argument("--region has no in-plane extent (radius " + std::to_string(v[3]) + ", " + std::to_string(v[4]) + ")");
  // RAS -> LPS: x and y change sign; the radius is a size and keeps its sign.
  const double centre[3] = { -v[0], -v[1], v[2] };
  double       lo[2] = { INFINITY, INFINITY }, hi[2] = { -INFINITY, -INFINITY };
  for (int corner = 0; corner < 4; ++corner)
  {
    Volume::PointType p;
    p[0] = centre[0] + ((corner & 1) ? v[3] : -v[3]);
    p[1] = centre[1] + ((corner & 2) ? v[4] : -v[4]);
    p[2] = centre[2];
    itk::ContinuousIndex<double, 3> index;
    volume->TransformPhysicalPointToContinuousIndex(p, index);
    for (int d = 0; d < 2; ++d)
    {
      // Continuous index i is the centre of pixel i; MedSAM's boxes count pixel edges from 0.
      lo[d] = std::min(lo[d], index[d] + 0.5);
      hi[d] = std::max(hi[d], index[d] + 0.5);
    }
  }
  const auto size = volume->GetLargestPossibleRegion().GetSize();
  if (lo[0] < -1e-6 || lo[1] < -1e-6 || hi[0] > size[0] + 1e-6 || hi[1] > size[1] + 1e-6)
  {
    char message[256];
    std::snprintf(message, sizeof(message), "the region spans pixels [%.1f, %.1f] x [%.1f, %.1f], outside the %zux%zu image; move or shrink the ROI",
                  lo[0], hi[0], lo[1], hi[1], static_cast<size_t>(size[0]), static_cast<size_t>(size[1]));
    throw std::invalid_argument(message);
  }
  return sinus::BoxPrompt{ lo[0], lo[1], hi[0], hi[1] };
}

/** Slicer's progress tags for a filter's progress. */
void
ReportProgressToSlicer(itk::ProcessObject * filter)
{
  filter->AddObserver(itk::ProgressEvent(), [filter](const itk::EventObject &) {
    std::cout << "<filter-progress>" << filter->GetProgress() << "</filter-progress>" << std::endl;
  });
}

/** MedSAM on the slice, prompted with the region's box (the whole image without one). */
LabelSlice::Pointer
SegmentWithMedSAM(const Arguments & args, const sinus::Segmenter & network, const Volume * volume, const Slice * slice, bool rescale)
{
  auto filter = itk::MedSAMImageFilter<Slice>::New();
  filter->SetInput(slice);
  filter->SetModel(sinus::Sam(std::dynamic_pointer_cast<sinus::SamImpl>(network.ptr())));
  filter->SetPrecision(args.precision);
  filter->SetForegroundValue(1);
  filter->SetRescaleInputTo8BitRange(rescale);
  if (!args.region.empty())
  {
    const sinus::BoxPrompt box = RegionToBox(args.region, volume);
    if (box.x1 > box.x0)
      filter->SetBoxes({ box });
  }
  ReportProgressToSlicer(filter);
  filter->Update();
  return filter->GetMaskOutput();
}

/** Any other trained segmenter (the radiograph preset's U-Net, nnU-Net, ...), with the
 *  postprocessing and test-time mirroring its training chose and stored in the model file. */
LabelSlice::Pointer
SegmentWithSegmenter(const sinus::Segmenter & network, const sinus::Json & metadata, const std::string & modelPath, const Slice * slice,
                     bool rescale, sinus::ComputePrecision precision)
{
  auto filter = itk::SegmenterImageFilter<Slice>::New();
  filter->SetInput(slice);
  filter->SetSegmenter(network);
  filter->SetPrecision(precision);
  if (const auto stored = sinus::MaskPostprocessing::FromModelMetadata(metadata, modelPath))
    filter->SetPostprocessing(*stored);
  filter->SetTestTimeMirror(sinus::ReadTestTimeMirror(metadata, modelPath));
  filter->SetForegroundValue(1);
  filter->SetRescaleInputTo8BitRange(rescale);
  ReportProgressToSlicer(filter);
  filter->Update();
  return filter->GetMaskOutput();
}

/** The slice's mask from the model file's network: MedSAM with the region's box, any other network
 *  with its own automatic prompt (a region is refused for those rather than ignored). */
LabelSlice::Pointer
SegmentSlice(const Arguments & args, const Volume * volume, const Slice * slice)
{
  const std::string &    modelPath = args.positional[2];
  sinus::Json            metadata = sinus::Json::object();
  const sinus::Segmenter network = sinus::LoadSegmenterModel(modelPath, &metadata);
  const auto             range =
    std::minmax_element(slice->GetBufferPointer(), slice->GetBufferPointer() + slice->GetLargestPossibleRegion().GetNumberOfPixels());
  const bool rescale = *range.first < 0 || *range.second > 255;
  if (std::dynamic_pointer_cast<sinus::SamImpl>(network.ptr()))
    return SegmentWithMedSAM(args, network, volume, slice, rescale);
  if (!args.region.empty())
    throw std::invalid_argument(modelPath + " holds a '" + network->Architecture() +
                                "' network, which takes no box prompt: clear the region (ROI)");
  return SegmentWithSegmenter(network, metadata, modelPath, slice, rescale, args.precision);
}

/** The label map on the input's grid: a single-slice volume with the input's geometry. */
LabelVolume::Pointer
LabelVolumeOf(const Volume * volume, const itk::Image<unsigned char, 2> * mask)
{
  auto labels = LabelVolume::New();
  labels->CopyInformation(volume);
  labels->SetRegions(volume->GetLargestPossibleRegion());
  labels->Allocate();
  std::copy_n(mask->GetBufferPointer(), mask->GetLargestPossibleRegion().GetNumberOfPixels(), labels->GetBufferPointer());
  return labels;
}

/** Dice and HD95 against the reference mask, by the metrics library, as Slicer's return parameters. */
std::string
ReturnParameters(const std::string & referencePath, const Volume * volume, const LabelVolume * labels, const Slice * slice)
{
  const Volume::Pointer reference = ReadSingleSliceVolume(referencePath);
  if (reference->GetLargestPossibleRegion().GetSize() != volume->GetLargestPossibleRegion().GetSize())
    throw std::runtime_error(referencePath + ": the reference mask's size differs from the radiograph's");
  const size_t         n = slice->GetLargestPossibleRegion().GetNumberOfPixels();
  std::vector<uint8_t> referenceFlags(n);
  for (size_t i = 0; i < n; ++i)
    referenceFlags[i] = reference->GetBufferPointer()[i] != 0 ? 1 : 0;
  const auto                       spacing = slice->GetSpacing();
  const auto                       size = slice->GetLargestPossibleRegion().GetSize();
  const sinus::SegmentationMetrics metrics =
    sinus::ComputeSegmentationMetrics(labels->GetBufferPointer(), referenceFlags.data(),
                                      sinus::MaskGrid{ { static_cast<int64_t>(size[0]), static_cast<int64_t>(size[1]) }, { spacing[0], spacing[1] } });
  std::cout << "Dice " << metrics.dice << ", HD95 " << metrics.hd95.physical << " (physical units)" << std::endl;
  char text[160];
  std::snprintf(text, sizeof(text), "dice = %.9g\nhd95 = %.9g\n", metrics.dice, metrics.hd95.physical);
  return text;
}

void
Run(const Arguments & args)
{
  const auto start = std::chrono::steady_clock::now();
  if (args.threads < 0)
    throw std::invalid_argument("--threads must be 0 (all cores) or positive");
  sinus::ConfigureRuntime(args.threads);
  const std::string precision = sinus::DescribePrecision(args.precision); // bf16 without AVX-512 is refused here
  std::cout << "precision: " << precision << std::endl;
  const std::string & input = args.positional[0];
  const std::string & output = args.positional[1];
  std::cout << "<filter-start><filter-name>SinusSegmentation</filter-name><filter-comment>Segmenting the maxillary sinus in " << input
            << "</filter-comment></filter-start>" << std::endl;
  // The label map has the input's dimension: Slicer's single-slice volumes stay volumes, a 2-D
  // file (PNG, ...) gets a 2-D label image.
  bool                       inputIsVolume = false;
  const Volume::Pointer      volume = ReadSingleSliceVolume(input, &inputIsVolume);
  const Slice::Pointer       slice = ToSlice(volume);
  const LabelSlice::Pointer  mask = SegmentSlice(args, volume, slice);
  const LabelVolume::Pointer labels = LabelVolumeOf(volume, mask);
  const std::string          returned = args.reference.empty() ? std::string() : ReturnParameters(args.reference, volume, labels, slice);
  if (inputIsVolume)
    sinus::WriteImage(labels.GetPointer(), output);
  else
    sinus::WriteImage(mask.GetPointer(), output);
  if (!args.returnParameterFile.empty())
    sinus::WriteFileAtomically(args.returnParameterFile, returned);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << "<filter-end><filter-name>SinusSegmentation</filter-name><filter-time>" << seconds << "</filter-time></filter-end>"
            << std::endl;
}
} // namespace

int
main(int argc, char * argv[])
{
  if (argc >= 2 && std::string(argv[1]) == "--xml")
  {
    std::cout << kModuleDescription;
    return EXIT_SUCCESS;
  }
  if (argc >= 2 && (std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h"))
  {
    std::cout << "Usage: " << argv[0]
              << " [--region x,y,z,rx,ry,rz] [--threads N] [--precision auto|fp32|bf16] [--reference mask] [--returnparameterfile F] inputVolume outputLabel "
                 "model.sinusseg\n       "
              << argv[0] << " --xml" << std::endl;
    return EXIT_SUCCESS;
  }
  std::signal(SIGXFSZ, SIG_IGN); // a file-size limit fails the write (reported), not the process
  try
  {
    Run(ParseArguments(argc, argv));
  }
  catch (const itk::ExceptionObject & e)
  {
    std::cerr << "SinusSegmentationCLI: error: " << e.GetDescription() << std::endl;
    return EXIT_FAILURE;
  }
  catch (const std::exception & e)
  {
    std::cerr << "SinusSegmentationCLI: error: " << e.what() << std::endl;
    return EXIT_FAILURE;
  }
  return EXIT_SUCCESS;
}
