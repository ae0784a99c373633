// SPDX-License-Identifier: Apache-2.0
// What every fuzz target shares: the input as a file (the readers under test open files, as users'
// programs do) and the oracle for errors. A reader may refuse an input only with an error that
// names the file; anything else -- a crash, a sanitizer report, an exception of another kind or
// an unnamed error -- stops the fuzzer as a finding.
#ifndef sinusFuzzSupport_h
#define sinusFuzzSupport_h

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

namespace sinusfuzz
{

/** Writes the fuzzer's input to `name` in this process's own scratch folder; returns its path. */
inline std::string
WriteInput(const uint8_t * data, size_t size, const std::string & name)
{
  static const std::filesystem::path folder = [] {
    const std::filesystem::path f = std::filesystem::temp_directory_path() / ("sinusseg-fuzz-" + std::to_string(::getpid()));
    std::filesystem::create_directories(f);
    return f;
  }();
  const std::filesystem::path path = folder / name;
  std::ofstream(path, std::ios::binary | std::ios::trunc).write(reinterpret_cast<const char *>(data), static_cast<std::streamsize>(size));
  return path.string();
}

/** The oracle for a refusal: its message must start with the file's name. */
inline void
RequireNamedError(const std::exception & e, const std::string & source)
{
  if (std::string(e.what()).rfind(source, 0) != 0)
  {
    std::fprintf(stderr, "error does not name %s: %s\n", source.c_str(), e.what());
    std::abort();
  }
}

/** The whole of a file reader's fuzz target: the input written to `name`, read by `read(path)`;
 *  a refusal must be a `TError` that names the file. */
template <typename TError, typename TRead>
int
ReadAsFile(const uint8_t * data, size_t size, const std::string & name, TRead read)
{
  const std::string path = WriteInput(data, size, name);
  try
  {
    read(path);
  }
  catch (const TError & e)
  {
    RequireNamedError(e, path);
  }
  return 0;
}

} // namespace sinusfuzz

#endif
