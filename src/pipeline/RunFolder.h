// SPDX-License-Identifier: Apache-2.0
#ifndef sinus_RunFolder_h
#define sinus_RunFolder_h

#include "sinus/DataParallelGroup.h"
#include "sinus/RunLock.h"
#include "sinus/SemiSupervisedPipeline.h"

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace sinus
{

/** Stages one run can take over from another: the settings that made them (top-level keys of
 *  config.json), the files they left, and the stages themselves in order. */
struct SharedStages
{
  std::vector<std::string>   keys;
  std::vector<std::string>   files;
  std::vector<PipelineStage> stages;
};

/** The folder of one run: config.json fixes its settings (a resumed or partial run must use the
 *  same ones), state.json records the completed stages and each stage's wall time, and stage files
 *  of another run can be taken over when that run's settings for them are this run's. In a
 *  data-parallel job rank 0 alone writes these files; the other ranks read what it wrote, and
 *  MarkCompleted is where all ranks meet between stages. */
class RunFolder
{
public:
  using Messenger = std::function<void(PipelineStage, const std::string &)>;

  /** Creates the folder and config.json, or checks an existing one against `config`. */
  RunFolder(const std::filesystem::path & root, const Json & config, const PipelineRunOptions & options, Messenger message);

  const std::filesystem::path & Root() const { return m_Root; }
  std::filesystem::path         File(const std::string & name) const { return m_Root / name; }

  bool Completed(PipelineStage stage) const;
  /** Whether Reuse took the stage over from another run in this invocation (it must not run again). */
  bool TakenOver(PipelineStage stage) const { return m_TakenOver.count(stage) > 0; }
  /** Records the stage in state.json with the seconds since the previous stage ended. */
  void MarkCompleted(PipelineStage stage, bool reused = false);

  /** Copies the stages' files from the run in `from` after checking that it may be taken over
   *  (CheckReusable), and marks the stages completed. Nothing when `from` is empty or the last of
   *  the stages is already completed in a resumed run. */
  void Reuse(const std::string & from, const SharedStages & shared);

  /** Throws, naming `from` and the reason, unless the run in `from` has finished the stages
   *  (their files exist) with the settings under `shared.keys` equal to those of `config`.
   *  Nothing is written: a run checks this before it creates its own folder. */
  static void CheckReusable(const std::string & from, const Json & config, const SharedStages & shared);

private:
  /** Rank 0's part of the constructor: creates the folder, or checks its settings. */
  void Open(const PipelineRunOptions & options);
  /** The other ranks' part: the settings and state rank 0 wrote, checked against this rank's. */
  void ReadAsFollower();

  const DataParallelGroup &             m_Group;
  std::filesystem::path                 m_Root;
  Json                                  m_Config;
  Json                                  m_State;
  bool                                  m_Resume;
  Messenger                             m_Message;
  std::set<PipelineStage>               m_TakenOver;
  std::chrono::steady_clock::time_point m_StageStart;
  std::unique_ptr<RunLock>              m_Lock; ///< rank 0's, held while the run lives
};

} // namespace sinus

#endif
