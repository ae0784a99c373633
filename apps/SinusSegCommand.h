// SPDX-License-Identifier: Apache-2.0
#ifndef SinusSegCommand_h
#define SinusSegCommand_h

#include <boost/program_options.hpp>

#include "itkProcessObject.h"

#include <filesystem>
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
  /** Runs as one rank of a data-parallel job when a launcher (torchrun) starts it; the others are
   *  refused under a launcher rather than run once per process. */
  bool dataParallel = false;
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

/** Which part of a folder this process takes: rank `rank` of the `worldSize` processes of a
 *  data-parallel job (sinus::RankShare of the sorted files), or all of it alone. */
struct ProcessShare
{
  int64_t rank = 0;
  int64_t worldSize = 1;
};

/** The jobs of a command that takes a file or a folder: a file maps to `output` (and
 *  `probability`); a folder maps each of its files to `output/<stem>.png` (and
 *  `probability/<stem>.mha`) inside staging folders that appear only when Commit() is called, so
 *  a failed run leaves nothing behind. Missing input or an empty folder is an error. In a
 *  data-parallel job each process has its share of the folder's jobs; rank 0 creates the staging
 *  folders, the others write into them once they know them (ShareStaging), and rank 0 commits. */
class ImageJobPlan
{
public:
  ImageJobPlan(const std::string & input, const std::string & output, const std::string & probability, ProcessShare share = {});
  ~ImageJobPlan();
  /** This process's jobs (its share of a folder). */
  const std::vector<ImageJob> & Jobs() const { return m_Jobs; }
  bool                          IsFolder() const { return m_Folder; }
  /** The staging folders of the masks and of the probability maps ("" when none): rank 0's. */
  std::pair<std::string, std::string> StagingFolders() const;
  /** Another rank's jobs write into rank 0's staging folders, as its StagingFolders() named them. */
  void ShareStaging(const std::string & masks, const std::string & probabilities);
  /** Moves the staging folders into place (rank 0; nothing on the other ranks). */
  void Commit();

private:
  void PlanJobs(const std::filesystem::path & masks, const std::filesystem::path & probabilities);

  struct Staging;
  std::vector<std::filesystem::path> m_Files; ///< this process's share of the folder's files
  std::vector<ImageJob>              m_Jobs;
  bool                               m_Folder = false;
  std::unique_ptr<Staging>           m_Staging;
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
int RunSuggest(const std::vector<std::string> & args);

} // namespace sinusseg

#endif
