// SPDX-License-Identifier: Apache-2.0
#include "sinusTestSupport.h"

#include <array>
#include <cstdio>
#include <cstdlib>
#include <sys/wait.h>
#include <filesystem>

std::string
SharedDirectory()
{
  const char * fromEnvironment = std::getenv("SINUSSEG_SHARED_DIR");
  return fromEnvironment ? fromEnvironment : SINUSSEG_DEFAULT_SHARED_DIR;
}

std::string
GoldenPath()
{
  return SharedDirectory() + "/reference/golden/tiny_sam_golden.pth";
}

std::string
ScratchDirectory(const std::string & name)
{
  const auto path = std::filesystem::temp_directory_path() /
                    ("sinusseg-test-" + std::to_string(static_cast<long>(::getpid())) + "-" + name);
  std::filesystem::remove_all(path);
  std::filesystem::create_directories(path);
  return path.string();
}

CommandResult
RunCommand(const std::string & executable, const std::string & arguments)
{
  CommandResult r;
  FILE *        pipe = popen(("'" + executable + "' " + arguments + " 2>&1").c_str(), "r");
  if (!pipe)
    return r;
  std::array<char, 4096> buffer;
  size_t                 n;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0)
    r.output.append(buffer.data(), n);
  const int status = pclose(pipe);
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}
