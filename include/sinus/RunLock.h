// SPDX-License-Identifier: Apache-2.0
#ifndef sinus_RunLock_h
#define sinus_RunLock_h

#include <filesystem>
#include <stdexcept>
#include <string>

namespace sinus
{

/** Another process holds the lock: the message names what is locked and the holder's process id. */
class RunLockedError : public std::runtime_error
{
public:
  using std::runtime_error::runtime_error;
};

/** An exclusive lock on an output (a run folder, a trained model's checkpoint) for as long as this
 *  object lives, so that two runs started on the same output do not interleave their files: the
 *  second is refused at once. It is a kernel lock (flock) on a small file, so a process that dies,
 *  even by kill -9, releases it; the file itself is left and reused. */
class RunLock
{
public:
  /** Locks `lockFile` (created when missing); `what` names the output in the error. */
  RunLock(const std::filesystem::path & lockFile, const std::string & what);
  ~RunLock();
  RunLock(const RunLock &) = delete;
  RunLock & operator=(const RunLock &) = delete;

  /** The lock file of a folder: `folder/.sinusseg.lock` (the folder must exist). */
  static std::filesystem::path ForFolder(const std::filesystem::path & folder);
  /** The lock file of a single output file: a hidden sibling `.NAME.lock`. */
  static std::filesystem::path ForFile(const std::filesystem::path & file);

private:
  int m_Descriptor = -1;
};

/** Removes the temporary files (TemporarySibling) that killed processes left in `folder`: those
 *  whose writer, named by the process id in the file name, no longer runs. Returns how many. */
int
RemoveAbandonedTemporaries(const std::filesystem::path & folder);

} // namespace sinus

#endif
