// SPDX-License-Identifier: Apache-2.0
#include "sinus/RunLock.h"

#include "sinus/FileUtilities.h"
#include "sinus/IntegerText.h"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

namespace sinus
{
namespace fs = std::filesystem;

namespace
{
/** The holder's process id as it wrote it into the lock file, or "unknown". */
std::string
HolderOf(int descriptor)
{
  char          text[32] = {};
  const ssize_t n = ::pread(descriptor, text, sizeof(text) - 1, 0);
  const auto    pid = n > 0 ? ParseWholeInteger(std::string(text, static_cast<size_t>(n))) : std::nullopt;
  return pid ? std::to_string(*pid) : std::string("unknown");
}

void
RecordHolder(int descriptor)
{
  const std::string pid = std::to_string(static_cast<long>(::getpid()));
  // Best effort: the id only makes the refusal's message more helpful.
  if (::ftruncate(descriptor, 0) == 0 && ::pwrite(descriptor, pid.data(), pid.size(), 0) < 0)
    return;
}
} // namespace

RunLock::RunLock(const fs::path & lockFile, const std::string & what)
{
  m_Descriptor = ::open(lockFile.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (m_Descriptor < 0)
    throw std::runtime_error(lockFile.string() + ": cannot create the lock file of " + what + ": " + std::strerror(errno));
  if (::flock(m_Descriptor, LOCK_EX | LOCK_NB) != 0)
  {
    const int         error = errno;
    const std::string holder = HolderOf(m_Descriptor);
    ::close(m_Descriptor);
    if (error == EWOULDBLOCK)
      throw RunLockedError(what + " is in use by another sinusseg process (pid " + holder +
                           "); wait for it to finish, or choose another output");
    throw std::runtime_error(lockFile.string() + ": cannot lock " + what + ": " + std::strerror(error));
  }
  RecordHolder(m_Descriptor);
}

RunLock::~RunLock()
{
  if (m_Descriptor >= 0)
    ::close(m_Descriptor); // releases the lock
}

fs::path
RunLock::ForFolder(const fs::path & folder)
{
  return folder / ".sinusseg.lock";
}

fs::path
RunLock::ForFile(const fs::path & file)
{
  return file.parent_path() / ("." + file.filename().string() + ".lock");
}

int
RemoveAbandonedTemporaries(const fs::path & folder)
{
  // TemporarySibling names: ".sinusseg-tmp-<pid>-<counter>-<target name>".
  const std::string prefix = ".sinusseg-tmp-";
  int               removed = 0;
  std::error_code   ec;
  for (const auto & entry : fs::directory_iterator(folder, ec))
  {
    const std::string name = entry.path().filename().string();
    if (name.rfind(prefix, 0) != 0)
      continue;
    const size_t dash = name.find('-', prefix.size());
    const auto   pid = dash == std::string::npos ? std::nullopt : ParseWholeInteger(name.substr(prefix.size(), dash - prefix.size()));
    if (!pid || *pid <= 0 || *pid == ::getpid())
      continue;
    if (::kill(static_cast<pid_t>(*pid), 0) == 0 || errno != ESRCH)
      continue; // its writer still runs (or cannot be asked): not ours to remove
    std::error_code      removeError;
    const std::uintmax_t entries = RemoveTree(entry.path(), removeError);
    removed += !removeError && entries > 0 ? 1 : 0;
  }
  return removed;
}

} // namespace sinus
