// SPDX-License-Identifier: Apache-2.0
// The command table and the dispatch shared by sinusseg, sinusseg-learn and sinusseg-view.
#include "SinusSegCommand.h"

#include "itkMacro.h"
#include "sinus/LaunchEnvironment.h"

#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <iomanip>
#include <iostream>

namespace sinusseg
{

const std::vector<CommandInfo> &
AllCommands()
{
  static const std::vector<CommandInfo> commands = {
    { "demo", "run the main job on the built-in phantom data", "sinusseg-learn" },
    { "phantoms", "generate synthetic panoramic radiographs with sinus masks, VIA CSV and datalist", "sinusseg" },
    { "import-via", "rasterise a VGG Image Annotator 2.x CSV export into one mask per image", "sinusseg" },
    { "preprocess", "apply MedSAM's exact preprocessing to a radiograph", "sinusseg" },
    { "predict", "segment radiographs with a model file (MedSAM with box or point prompts, or any trained segmenter)", "sinusseg-learn", true },
    { "model-info", "parameters and FLOPs of an architecture (vs the paper), or the state-dict entries of a model", "sinusseg-learn" },
    { "evaluate", "Dice, recall, precision, HD95, HD and ASSD of predicted masks against references", "sinusseg" },
    { "train-refiner", "train SinusCycle-GAN on teacher masks and ground truth (pseudo-label refinement)", "sinusseg-learn", true },
    { "refine", "refine teacher masks with a trained SinusCycle-GAN", "sinusseg-learn" },
    { "split", "make a seeded datalist (labelled/unlabelled/validation/test) from image and mask folders", "sinusseg" },
    { "pretrain", "self-supervised masked-image pretraining of a network's encoder on unlabelled radiographs", "sinusseg-learn", true },
    { "train", "semi-supervised training: teacher, pseudo-labels, refinement, student, evaluation", "sinusseg-learn", true },
    { "overlay", "render a radiograph with the predicted (and reference) contour to a PNG (VTK)", "sinusseg-view" },
    { "view", "interactive VTK viewer: radiograph, mask overlay with opacity, contours", "sinusseg-view" },
    { "plot", "training curves (losses, validation Dice) of a training folder as a PNG", "sinusseg" },
    { "ablation", "run the paper's ablations (Table 2) and alpha sweep (Table 3) and print the tables", "sinusseg-learn", true },
    { "suggest", "rank a finished run's unlabelled images by what labelling them would teach; VIA project of the picks", "sinusseg-learn" },
    { "benchmark", "train the paper's Table 1 (six segmenters and the method) on a datalist; tables and Figure 5", "sinusseg-learn" },
  };
  return commands;
}

namespace
{
void
PrintUsage()
{
  std::cout << "sinusseg -- maxillary sinus segmentation in dental panoramic radiographs\n"
               "(semi-supervised MedSAM teacher-student with SinusCycle-GAN refinement, Park et al. 2026)\n\n"
               "Usage: sinusseg <command> [options]     sinusseg <command> --help\n\nCommands:\n";
  for (const auto & command : AllCommands())
    std::cout << "  " << std::left << std::setw(15) << command.name << command.summary << "\n";
}

/** A command that is not data-parallel, started as one of several processes by a launcher, would
 *  run once per process and write the same files concurrently: refused. */
void
RefuseLaunchUnlessDataParallel(const std::string & name)
{
  const sinus::LaunchEnvironment launch = sinus::ReadProcessLaunchEnvironment();
  if (!launch.Distributed())
    return;
  std::string dataParallel;
  for (const auto & command : AllCommands())
  {
    if (command.name == name && command.dataParallel)
      return;
    if (command.dataParallel)
      dataParallel += (dataParallel.empty() ? "" : ", ") + std::string(command.name);
  }
  throw UsageError("runs in one process, but a launcher started it as rank " + std::to_string(launch.rank) + " of WORLD_SIZE=" +
                   std::to_string(launch.worldSize) + "; start it without torchrun (data-parallel commands: " + dataParallel + ")");
}

int
RunHere(const std::string & name, CommandFunction run, const std::vector<std::string> & args)
{
  try
  {
    RefuseLaunchUnlessDataParallel(name);
    return run(args);
  }
  catch (const UsageError & e)
  {
    std::cerr << "sinusseg " << name << ": " << e.what() << "\n(see 'sinusseg " << name << " --help')" << std::endl;
    return 2;
  }
  catch (const itk::ExceptionObject & e)
  {
    std::cerr << "sinusseg " << name << ": error: " << e.GetDescription() << std::endl;
    return 1;
  }
  catch (const std::exception & e)
  {
    std::cerr << "sinusseg " << name << ": error: " << e.what() << std::endl;
    return 1;
  }
}

/** Replaces this process by `program` from this executable's folder; returns only on failure. */
int
HandOver(const std::string & program, char * argv[])
{
  std::error_code             ec;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  const std::filesystem::path path = (ec ? std::filesystem::path(argv[0]).parent_path() : self.parent_path()) / program;
  ::execv(path.c_str(), argv);
  std::cerr << "sinusseg " << argv[1] << ": error: cannot run " << path.string() << " (" << std::strerror(errno)
            << "); it is built and installed beside sinusseg" << std::endl;
  return 1;
}
} // namespace

int
CommandMain(int argc, char * argv[], const std::vector<std::pair<std::string, CommandFunction>> & here)
{
  if (argc < 2)
  {
    PrintUsage();
    return 2;
  }
  const std::string name = argv[1];
  if (name == "--help" || name == "-h" || name == "help")
  {
    PrintUsage();
    return 0;
  }
  if (name == "--version")
  {
    std::cout << "sinusseg " << SINUSSEG_VERSION << std::endl;
    return 0;
  }
  // A file-size limit (ulimit -f) then fails the write with EFBIG, reported like a full disk,
  // instead of killing the process with SIGXFSZ halfway through a file.
  std::signal(SIGXFSZ, SIG_IGN);
  for (const auto & [command, run] : here)
    if (command == name)
      return RunHere(name, run, std::vector<std::string>(argv + 2, argv + argc));
  for (const auto & command : AllCommands())
    if (command.name == name)
      return HandOver(command.program, argv);
  std::cerr << "sinusseg: unknown command '" << name << "'\n\n";
  PrintUsage();
  return 2;
}

} // namespace sinusseg
