// SPDX-License-Identifier: Apache-2.0
#include "sinus/FileUtilities.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

namespace sinus
{
namespace fs = std::filesystem;

namespace
{
std::string
UniqueTag()
{
  static std::atomic<unsigned long> counter{ 0 };
  return std::to_string(static_cast<long>(::getpid())) + "-" + std::to_string(counter++);
}

// nftw's callback takes no user pointer: the walk in progress keeps its count here.
thread_local std::uintmax_t t_removedEntries = 0;
thread_local int            t_removalErrno = 0;

int
RemoveVisitedEntry(const char * path, const struct stat *, int, struct FTW *)
{
  if (::remove(path) != 0)
  {
    t_removalErrno = errno;
    return 1; // stops the walk
  }
  ++t_removedEntries;
  return 0;
}
} // namespace

std::uintmax_t
RemoveTree(const fs::path & path, std::error_code & error)
{
  error.clear();
  struct stat info;
  if (::lstat(path.c_str(), &info) != 0)
  {
    if (errno == ENOENT)
      return 0;
    error = std::error_code(errno, std::generic_category());
    return static_cast<std::uintmax_t>(-1);
  }
  t_removedEntries = 0;
  t_removalErrno = 0;
  // Children before their folder (FTW_DEPTH); links removed, never followed (FTW_PHYS).
  if (::nftw(path.c_str(), RemoveVisitedEntry, 16, FTW_DEPTH | FTW_PHYS) != 0)
  {
    error = std::error_code(t_removalErrno != 0 ? t_removalErrno : errno, std::generic_category());
    return static_cast<std::uintmax_t>(-1);
  }
  return t_removedEntries;
}

std::uintmax_t
RemoveTree(const fs::path & path)
{
  std::error_code      error;
  const std::uintmax_t removed = RemoveTree(path, error);
  if (error)
    throw fs::filesystem_error("cannot remove the folder tree", path, error);
  return removed;
}

std::string
ReadTextFile(const fs::path & path, std::uintmax_t limit)
{
  std::ifstream in(path, std::ios::binary);
  if (!in)
  {
    throw std::runtime_error(path.string() + ": cannot open file for reading");
  }
  std::error_code      ec;
  const std::uintmax_t size = fs::is_regular_file(path, ec) ? fs::file_size(path, ec) : 0;
  if (!ec && size > limit)
  {
    throw std::runtime_error(path.string() + ": " + std::to_string(size) + " bytes, more than the " + std::to_string(limit >> 20) +
                             " MiB a text file (JSON, CSV) may have here; refused without reading it");
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad())
  {
    throw std::runtime_error(path.string() + ": read error");
  }
  return buffer.str();
}

std::string
ReadFileStart(const fs::path & path, size_t count)
{
  std::ifstream in(path, std::ios::binary);
  std::string   bytes(count, '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(count));
  bytes.resize(in ? count : static_cast<size_t>(std::max<std::streamsize>(0, in.gcount())));
  return bytes;
}

std::string
LowerCaseExtension(const fs::path & path)
{
  std::string extension = path.extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return extension;
}

fs::path
TemporarySibling(const fs::path & target)
{
  fs::path folder = target.parent_path();
  return folder / (".sinusseg-tmp-" + UniqueTag() + "-" + target.filename().string());
}

void
CommitFile(const fs::path & temporary, const fs::path & target)
{
  std::error_code ec;
  fs::rename(temporary, target, ec);
  if (ec)
  {
    fs::remove(temporary, ec);
    throw std::runtime_error(target.string() + ": cannot move the finished file into place: " + ec.message());
  }
}

void
WriteFileAtomically(const fs::path & target, const std::string & contents)
{
  const fs::path temporary = TemporarySibling(target);
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    if (!out)
    {
      throw std::runtime_error(target.string() + ": cannot open for writing");
    }
    out.write(contents.data(), static_cast<std::streamsize>(contents.size()));
    out.close();
    if (!out)
    {
      const int       error = errno;
      std::error_code ec;
      fs::remove(temporary, ec);
      throw std::runtime_error(target.string() + ": write error (" + (error ? std::strerror(error) : "disk full?") + "); nothing was written");
    }
  }
  CommitFile(temporary, target);
}

CheckedFileSink::CheckedFileSink(const fs::path & file)
{
  m_Descriptor = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (m_Descriptor < 0)
    throw std::runtime_error(std::string("cannot open for writing: ") + std::strerror(errno));
}

CheckedFileSink::~CheckedFileSink()
{
  if (m_Descriptor >= 0)
    ::close(m_Descriptor);
}

size_t
CheckedFileSink::Write(const void * data, size_t size)
{
  const char * bytes = static_cast<const char *>(data);
  for (size_t done = 0; done < size && m_Error == 0;)
  {
    const ssize_t n = ::write(m_Descriptor, bytes + done, size - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      m_Error = n < 0 ? errno : EIO;
    else
      done += static_cast<size_t>(n);
  }
  return size;
}

void
CheckedFileSink::Finish()
{
  if (m_Error == 0 && ::fsync(m_Descriptor) != 0)
    m_Error = errno;
  if (::close(m_Descriptor) != 0 && m_Error == 0)
    m_Error = errno;
  m_Descriptor = -1;
  if (m_Error != 0)
    throw std::runtime_error(std::string("write error (") + std::strerror(m_Error) + ")");
}

StagingDirectory::StagingDirectory(fs::path target)
  : m_Target(std::move(target))
{
  std::error_code ec;
  if (fs::exists(m_Target, ec))
  {
    if (!fs::is_directory(m_Target, ec))
    {
      throw std::runtime_error(m_Target.string() + ": exists and is not a folder");
    }
    if (!fs::is_empty(m_Target, ec))
    {
      throw std::runtime_error(m_Target.string() +
                               ": folder exists and is not empty; choose a new output folder or remove it");
    }
  }
  fs::path parent = m_Target.has_parent_path() ? m_Target.parent_path() : fs::path(".");
  if (m_Target.filename().empty())
  {
    // "out/" -> parent "out", filename "": normalise so the staging folder sits beside it.
    m_Target = m_Target.parent_path();
    parent = m_Target.has_parent_path() ? m_Target.parent_path() : fs::path(".");
  }
  fs::create_directories(parent, ec);
  if (ec)
  {
    throw std::runtime_error(parent.string() + ": cannot create folder: " + ec.message());
  }
  m_Staging = parent / (".sinusseg-staging-" + UniqueTag() + "-" + m_Target.filename().string());
  fs::create_directory(m_Staging, ec);
  if (ec)
  {
    throw std::runtime_error(m_Staging.string() + ": cannot create staging folder: " + ec.message());
  }
}

StagingDirectory::~StagingDirectory()
{
  if (!m_Committed)
  {
    std::error_code ec;
    RemoveTree(m_Staging, ec);
  }
}

void
StagingDirectory::Commit()
{
  std::error_code ec;
  if (fs::exists(m_Target, ec))
  {
    fs::remove(m_Target, ec); // only an empty folder can be here (checked in the constructor)
    if (ec)
    {
      throw std::runtime_error(m_Target.string() + ": cannot replace the empty output folder: " + ec.message());
    }
  }
  fs::rename(m_Staging, m_Target, ec);
  if (ec)
  {
    throw std::runtime_error(m_Target.string() + ": cannot move the finished output into place: " + ec.message());
  }
  m_Committed = true;
}

} // namespace sinus
