#ifndef SinusSegCommand_h
#define SinusSegCommand_h

#include <boost/program_options.hpp>

#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace sinusseg
{

/** A `sinusseg` subcommand: its name, one-line summary and entry point. Each lives in its own
 *  Command*.cxx file and registers itself in Commands(). */
struct Command
{
  std::string                                          name;
  std::string                                          summary;
  std::function<int(const std::vector<std::string> &)> run;
};

const std::vector<Command> & Commands();

/** Bad command-line usage: reported with the subcommand's help hint and exit status 2. */
class UsageError : public std::runtime_error
{
public:
  using std::runtime_error::runtime_error;
};

/** Parses `args` against `options`; returns false after printing help when --help was given.
 *  Unknown options and malformed values become UsageError. */
bool
ParseCommandLine(const std::string & command, const std::string & usage,
                 boost::program_options::options_description & options, const std::vector<std::string> & args,
                 boost::program_options::variables_map & values);

/** "2048x1024" -> {2048, 1024}; throws UsageError naming `option`. */
std::pair<int64_t, int64_t>
ParseSize(const std::string & text, const std::string & option);

/** Sets LibTorch's thread count (0 = all cores) and returns it. */
int
ConfigureThreads(int threads);

// Entry points, one per file.
int RunPhantoms(const std::vector<std::string> & args);
int RunImportVia(const std::vector<std::string> & args);
int RunPreprocess(const std::vector<std::string> & args);
int RunDemo(const std::vector<std::string> & args);
int RunEvaluate(const std::vector<std::string> & args);
int RunPredict(const std::vector<std::string> & args);
int RunModelInfo(const std::vector<std::string> & args);

} // namespace sinusseg

#endif
