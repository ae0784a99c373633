// SPDX-License-Identifier: Apache-2.0
#ifndef sinus_FileUtilities_h
#define sinus_FileUtilities_h

#include <cstdint>
#include <filesystem>
#include <string>
#include <system_error>

namespace sinus
{

/** Removes `path` and, when it is a folder, everything in it, without following symbolic links, as
 *  std::filesystem::remove_all does: returns how many entries it removed (0 when nothing was
 *  there), or static_cast<std::uintmax_t>(-1) with `error` set when one could not be removed.
 *  remove_all itself crashes in programs linked against pytorch.org's LibTorch wheels from 2.5 on
 *  (x86-64): their libtorch_cpu.so exports its own older copy of libstdc++'s
 *  recursive_directory_iterator, which newer libstdc++'s remove_all then calls into
 *  (pytorch/pytorch#133437). This walks the tree with POSIX nftw instead. */
std::uintmax_t
RemoveTree(const std::filesystem::path & path, std::error_code & error);

/** As above; throws std::filesystem::filesystem_error naming the path when an entry cannot be
 *  removed. */
std::uintmax_t
RemoveTree(const std::filesystem::path & path);

/** The largest text file (JSON, CSV) read whole: far above any datalist, configuration, VIA export
 *  or training log, far below what would exhaust a workstation's memory once parsed. */
constexpr std::uintmax_t kTextFileLimit = std::uintmax_t{ 64 } << 20;

/** Reads a whole file; throws std::runtime_error naming the file when it cannot be read or is
 *  larger than `limit` bytes (refused from its size, before anything is allocated). */
std::string
ReadTextFile(const std::filesystem::path & path, std::uintmax_t limit = kTextFileLimit);

/** Up to `count` bytes from the start of a file (fewer when it is shorter; none when it cannot be
 *  opened): enough to recognise a format by its signature. */
std::string
ReadFileStart(const std::filesystem::path & path, size_t count);

/** The file name's last extension in lower case, with its dot (".jpg"). */
std::string
LowerCaseExtension(const std::filesystem::path & path);

/** A path in the same folder as `target` that keeps its file name (and so its extensions, which
 *  choose ITK's ImageIO) behind a hidden, unique prefix. Used to write a file completely before
 *  CommitFile() renames it into place, so a crash never leaves a truncated output. */
std::filesystem::path
TemporarySibling(const std::filesystem::path & target);

/** Renames `temporary` onto `target` (atomic on POSIX file systems); removes `temporary` and
 *  throws naming `target` on failure. */
void
CommitFile(const std::filesystem::path & temporary, const std::filesystem::path & target);

/** Writes `contents` to `target` through TemporarySibling + CommitFile. */
void
WriteFileAtomically(const std::filesystem::path & target, const std::string & contents);

/** A file written through a callback (LibTorch's archive writers take one): every failed write
 *  (disk full, file-size limit) is remembered, not reported to the caller, and Finish() -- which
 *  also flushes the file to the disk -- throws with the system's reason (the caller names the file,
 *  which is a temporary the user never sees). LibTorch's
 *  writers must not see the failure themselves: their destructor then throws again, which ends the
 *  process (std::terminate) instead of reporting the error. */
class CheckedFileSink
{
public:
  explicit CheckedFileSink(const std::filesystem::path & file);
  ~CheckedFileSink();
  CheckedFileSink(const CheckedFileSink &) = delete;
  CheckedFileSink & operator=(const CheckedFileSink &) = delete;

  /** Writes all `size` bytes or records why not; returns `size` either way. */
  size_t Write(const void * data, size_t size);
  /** Flushes and closes; throws std::runtime_error after any failed write. */
  void Finish();

private:
  int m_Descriptor = -1;
  int m_Error = 0;
};

/** An output folder that only appears when complete. Files are written under Path(); Commit()
 *  renames the staging folder to the target. Destroyed without Commit() (an error was thrown), the
 *  staging folder and everything in it are removed, so no partial output is left behind.
 *  The target must not exist or must be an empty folder. */
class StagingDirectory
{
public:
  explicit StagingDirectory(std::filesystem::path target);
  ~StagingDirectory();
  StagingDirectory(const StagingDirectory &) = delete;
  StagingDirectory & operator=(const StagingDirectory &) = delete;

  const std::filesystem::path & Path() const { return m_Staging; }
  const std::filesystem::path & Target() const { return m_Target; }
  void                          Commit();

private:
  std::filesystem::path m_Target;
  std::filesystem::path m_Staging;
  bool                  m_Committed = false;
};

} // namespace sinus

#endif
