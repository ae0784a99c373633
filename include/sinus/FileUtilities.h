// SPDX-License-Identifier: Apache-2.0
#ifndef sinus_FileUtilities_h
#define sinus_FileUtilities_h

#include <filesystem>
#include <string>

namespace sinus
{

/** Reads a whole file; throws std::runtime_error naming the file when it cannot be read. */
std::string
ReadTextFile(const std::filesystem::path & path);

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
