// SPDX-License-Identifier: Apache-2.0
#ifndef SinusSegCommand_h
#define SinusSegCommand_h

#include <boost/program_options.hpp>

#include "itkProcessObject.h"

#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace sinusseg
{

/** A `sinusseg` subcommand: its name, one-line summary, and the program that runs it. The light
 *  `sinusseg` (ITK and the base layer) runs the commands that need no networks and hands the
 *  others to `sinusseg-learn` (LibTorch) or `sinusseg-view` (VTK) beside it, so that a command loads
 *  only the libraries it uses. Each command lives in its own Command*.cxx file. */
struct CommandInfo
{
  const char * name;
  const char * summary;
  const char * program;
};
const std::vector<CommandInfo> &
AllCommands();

using CommandFunction = int (*)(const std::vector<std::string> &);

/** The main function of each program: `--help`, `--version`, the command's own function when this
 *  program has it (`here`), otherwise the program that has it, in this program's folder, with the
 *  same arguments. Usage errors exit 2, other errors 1, each with one message on stderr. */
int
CommandMain(int argc, char * argv[], const std::vector<std::pair<std::string, CommandFunction>> & here);

/** Bad command-line usage: reported with the subcommand's help hint and exit status 2. */
class UsageError : public std::runtime_error
{
public:
  using std::runtime_error::runtime_error;
};

/** Parses `args` against `options` (and `positional` arguments, when given); returns false after printing help when --help was given.
 *  Unknown options and malformed values become UsageError. */
bool
ParseCommandLine(const std::string & command, const std::string & usage,
                 boost::program_options::options_description & options, const std::vector<std::string> & args,
                 boost::program_options::variables_map & values,
                 const boost::program_options::positional_options_description * positional = nullptr);

/** "a,b,,c" -> {a, b, c}. */
std::vector<std::string>
SplitCommaList(const std::string & text);

/** "2048x1024" -> {2048, 1024}; throws UsageError naming `option`. */
std::pair<int64_t, int64_t>
ParseSize(const std::string & text, const std::string & option);

/** One image to process: its input and where its mask (and optionally probability map) go. */
struct ImageJob
{
  std::string input, mask, probability;
};

/** The jobs of a command that takes a file or a folder: a file maps to `output` (and
 *  `probability`); a folder maps each of its files to `output/<stem>.png` (and
 *  `probability/<stem>.mha`) inside staging folders that appear only when Commit() is called, so
 *  a failed run leaves nothing behind. Missing input or an empty folder is an error. */
class ImageJobPlan
{
public:
  ImageJobPlan(const std::string & input, const std::string & output, const std::string & probability);
  ~ImageJobPlan();
  const std::vector<ImageJob> & Jobs() const { return m_Jobs; }
  bool                          IsFolder() const { return m_Folder; }
  void                          Commit();

private:
  struct Staging;
  std::vector<ImageJob>    m_Jobs;
  bool                     m_Folder = false;
  std::unique_ptr<Staging> m_Staging;
};

/** Runs the filter's pipeline; an ITK exception becomes an error naming `input`. */
void
UpdateNamingInput(itk::ProcessObject * filter, const std::string & input);

/** Writes a job's mask and (if requested) probability map: in a folder run straight into the
 *  staging folders; for a single file both appear together or not at all. */
void
WriteMaskAndProbability(const ImageJob & job, bool folder, const std::function<void(const std::string &)> & writeMask,
                        const std::function<void(const std::string &)> & writeProbability);

// Entry points, one per file.
int RunPhantoms(const std::vector<std::string> & args);
int RunImportVia(const std::vector<std::string> & args);
int RunPreprocess(const std::vector<std::string> & args);
int RunDemo(const std::vector<std::string> & args);
int RunEvaluate(const std::vector<std::string> & args);
int RunPredict(const std::vector<std::string> & args);
int RunModelInfo(const std::vector<std::string> & args);
int RunTrainRefiner(const std::vector<std::string> & args);
int RunRefine(const std::vector<std::string> & args);
int RunTrain(const std::vector<std::string> & args);
int RunAblation(const std::vector<std::string> & args);
int RunSplit(const std::vector<std::string> & args);
int RunOverlay(const std::vector<std::string> & args);
int RunView(const std::vector<std::string> & args);
int RunPlot(const std::vector<std::string> & args);
int RunBenchmark(const std::vector<std::string> & args);
int RunPretrain(const std::vector<std::string> & args);

} // namespace sinusseg

#endif
