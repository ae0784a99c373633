#include "sinusCoreTestSupport.h"

#include <cstdlib>
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
