// sinusseg: the SinusSeg command-line tool. One subcommand per file (Command*.cxx).
#include "SinusSegCommand.h"

#include "sinus/TensorDictionary.h"

#include "itkMacro.h"

#include <iomanip>
#include <iostream>

namespace sinusseg
{

const std::vector<Command> &
Commands()
{
  static const std::vector<Command> commands = {
    { "demo", "run the main job on the built-in phantom data", RunDemo },
    { "phantoms", "generate synthetic panoramic radiographs with sinus masks, VIA CSV and datalist", RunPhantoms },
    { "import-via", "rasterise a VGG Image Annotator 2.x CSV export into one mask per image", RunImportVia },
    { "preprocess", "apply MedSAM's exact preprocessing to a radiograph", RunPreprocess },
    { "predict", "segment radiographs with a MedSAM model (box or point prompts; default: the full image)", RunPredict },
    { "model-info", "architecture and state-dict entries of a model, checkpoint or preset", RunModelInfo },
    { "evaluate", "Dice, recall, precision, HD95, HD and ASSD of predicted masks against references", RunEvaluate },
    { "train-refiner", "train SinusCycle-GAN on teacher masks and ground truth (pseudo-label refinement)", RunTrainRefiner },
    { "refine", "refine teacher masks with a trained SinusCycle-GAN", RunRefine },
    { "split", "make a seeded datalist (labelled/unlabelled/validation/test) from image and mask folders", RunSplit },
    { "train", "semi-supervised training: teacher, pseudo-labels, refinement, student, evaluation", RunTrain },
    { "overlay", "render a radiograph with the predicted (and reference) contour to a PNG (VTK)", RunOverlay },
    { "view", "interactive VTK viewer: radiograph, mask overlay with opacity, contours", RunView },
    { "plot", "training curves (losses, validation Dice) of a training folder as a PNG (VTK charts)", RunPlot },
    { "ablation", "run the paper's ablations (Table 2) and alpha sweep (Table 3) and print the tables", RunAblation },
  };
  return commands;
}

bool
ParseCommandLine(const std::string & command, const std::string & usage, boost::program_options::options_description & options,
                 const std::vector<std::string> & args, boost::program_options::variables_map & values)
{
  namespace po = boost::program_options;
  options.add_options()("help,h", "show this help");
  try
  {
    po::store(po::command_line_parser(args).options(options).run(), values);
    if (values.count("help"))
    {
      std::cout << "Usage: sinusseg " << command << " " << usage << "\n\n" << options << std::endl;
      return false;
    }
    po::notify(values);
  }
  catch (const po::error & e)
  {
    throw UsageError(e.what());
  }
  return true;
}

std::pair<int64_t, int64_t>
ParseSize(const std::string & text, const std::string & option)
{
  const size_t x = text.find('x');
  try
  {
    if (x != std::string::npos)
    {
      size_t       used1 = 0, used2 = 0;
      const long long w = std::stoll(text.substr(0, x), &used1);
      const long long h = std::stoll(text.substr(x + 1), &used2);
      if (used1 == x && used2 == text.size() - x - 1 && w > 0 && h > 0)
      {
        return { w, h };
      }
    }
  }
  catch (const std::exception &)
  {
  }
  throw UsageError("--" + option + " must be WIDTHxHEIGHT with positive integers, e.g. 2048x1024; got '" + text + "'");
}

int
ConfigureThreads(int threads)
{
  if (threads < 0)
  {
    throw UsageError("--threads must be 0 (all cores) or positive");
  }
  return sinus::ConfigureRuntime(threads);
}

} // namespace sinusseg

namespace
{
void
PrintUsage()
{
  std::cout << "sinusseg -- maxillary sinus segmentation in dental panoramic radiographs\n"
               "(semi-supervised MedSAM teacher-student with SinusCycle-GAN refinement, Park et al. 2026)\n\n"
               "Usage: sinusseg <command> [options]     sinusseg <command> --help\n\nCommands:\n";
  for (const auto & command : sinusseg::Commands())
  {
    std::cout << "  " << std::left << std::setw(15) << command.name << command.summary << "\n";
  }
}
} // namespace

int
main(int argc, char * argv[])
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
  for (const auto & command : sinusseg::Commands())
  {
    if (command.name != name)
    {
      continue;
    }
    const std::vector<std::string> args(argv + 2, argv + argc);
    try
    {
      return command.run(args);
    }
    catch (const sinusseg::UsageError & e)
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
  std::cerr << "sinusseg: unknown command '" << name << "'\n\n";
  PrintUsage();
  return 2;
}
