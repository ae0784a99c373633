// SPDX-License-Identifier: Apache-2.0
#include "sinus/FileUtilities.h"

#include <atomic>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <system_error>
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
} // namespace

std::string
ReadTextFile(const fs::path & path)
{
  std::ifstream in(path, std::ios::binary);
  if (!in)
  {
    throw std::runtime_error(path.string() + ": cannot open file for reading");
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad())
  {
    throw std::runtime_error(path.string() + ": read error");
  }
  return buffer.str();
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
    out.flush();
    if (!out)
    {
      out.close();
      std::error_code ec;
      fs::remove(temporary, ec);
      throw std::runtime_error(target.string() + ": write error (disk full?)");
    }
  }
  CommitFile(temporary, target);
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
    fs::remove_all(m_Staging, ec);
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
