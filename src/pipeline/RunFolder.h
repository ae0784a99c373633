// SPDX-License-Identifier: Apache-2.0
#ifndef sinus_RunFolder_h
#define sinus_RunFolder_h

#include "sinus/SemiSupervisedPipeline.h"

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace sinus
{

/** The folder of one run: config.json fixes its settings (a resumed or partial run must use the
 *  same ones), state.json records the completed stages and each stage's wall time, and stage files
 *  of another run can be taken over when that run's settings for them are this run's. */
class RunFolder
{
public:
  using Messenger = std::function<void(PipelineStage, const std::string &)>;

  /** Creates the folder and config.json, or checks an existing one against `config`. */
  RunFolder(const std::filesystem::path & root, const Json & config, const PipelineRunOptions & options, Messenger message);

  const std::filesystem::path & Root() const { return m_Root; }
  std::filesystem::path         File(const std::string & name) const { return m_Root / name; }

  bool Completed(PipelineStage stage) const;
  /** Records the stage in state.json with the seconds since the previous stage ended. */
  void MarkCompleted(PipelineStage stage, bool reused = false);

  /** Copies `files` from the run in `from` after checking that the settings under `keys` are
   *  this run's, and marks `stages` completed. Nothing when `from` is empty or the last of
   *  `stages` is already completed in a resumed run. */
  void Reuse(const std::string & from, const std::vector<std::string> & keys, const std::vector<std::string> & files,
             const std::vector<PipelineStage> & stages);

private:
  std::filesystem::path                 m_Root;
  Json                                  m_Config;
  Json                                  m_State;
  bool                                  m_Resume;
  Messenger                             m_Message;
  std::chrono::steady_clock::time_point m_StageStart;
};

} // namespace sinus

#endif
