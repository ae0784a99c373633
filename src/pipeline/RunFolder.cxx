// SPDX-License-Identifier: Apache-2.0
#include "RunFolder.h"

#include "sinus/FileUtilities.h"
#include "sinus/RankCoordination.h"

#include <cstdio>

namespace sinus
{
namespace fs = std::filesystem;

namespace
{
/** The settings without those only the evaluation stage reads (the postprocessing search,
 *  test-time mirroring), which may change between sittings of a run. */
Json
WithoutEvaluationSettings(Json config)
{
  if (config.is_object())
    for (const char * key : { "postprocessing", "test_time_mirror" })
      config.erase(key);
  return config;
}
} // namespace

RunFolder::RunFolder(const fs::path & root, const Json & config, const PipelineRunOptions & options, Messenger message)
  : m_Group(ProcessGroup())
  , m_Root(root)
  , m_Config(config)
  , m_Resume(options.resume)
  , m_Message(std::move(message))
  , m_StageStart(std::chrono::steady_clock::now())
{
  if (root.empty())
    throw std::invalid_argument("no output folder given");
  m_State = Json::object();
  m_State["completed"] = Json::array();
  // Rank 0 creates or checks the folder; the other ranks then read what it left there.
  RunOnLeader(m_Group, "opening the run folder " + root.string(), [&] { Open(options); });
  RunOnEveryRank(m_Group, "reading the run folder " + root.string(), [&] {
    if (!m_Group.Leader())
      ReadAsFollower();
  });
}

void
RunFolder::Open(const PipelineRunOptions & options)
{
  const fs::path configPath = File("config.json"), statePath = File("state.json");
  const Json &   config = m_Config;
  // One run per folder: a second one started on it is refused before it reads or writes anything.
  fs::create_directories(m_Root);
  m_Lock = std::make_unique<RunLock>(RunLock::ForFolder(m_Root), m_Root.string());
  RemoveAbandonedTemporaries(m_Root);
  if (!fs::exists(configPath))
  {
    WriteFileAtomically(configPath, config.dump(2) + "\n");
    return;
  }
  const Json stored = ParseJson(ReadTextFile(configPath.string()));
  if (WithoutEvaluationSettings(stored).dump() != WithoutEvaluationSettings(config).dump())
    throw std::runtime_error(configPath.string() + ": this folder holds a run with other settings; use another --out or the same configuration");
  if (stored.dump() != config.dump())
  {
    // Only what the evaluation reads changed: the evaluation runs again on every resume.
    WriteFileAtomically(configPath, config.dump(2) + "\n");
    if (m_Message)
      m_Message(PipelineStage::Evaluation, "evaluation settings (postprocessing, test-time mirroring) changed to this run's: trained stages are kept");
  }
  if (!options.resume && options.stages.empty())
    throw std::runtime_error(m_Root.string() + " already holds a run; add --resume to continue it, --stage NAME to redo one stage, "
                                               "or choose another --out");
  if (fs::exists(statePath))
    m_State = ParseJson(ReadTextFile(statePath.string()));
}

void
RunFolder::ReadAsFollower()
{
  // The folder must be the one rank 0 opened: shared between the machines of a multi-node job.
  const fs::path configPath = File("config.json"), statePath = File("state.json");
  if (!fs::exists(configPath))
    throw DistributedError("rank " + std::to_string(m_Group.Rank()) + ": " + configPath.string() +
                           " is missing although rank 0 wrote it: the run folder must be shared by every rank (a shared file system)");
  if (ParseJson(ReadTextFile(configPath.string())).dump() != m_Config.dump())
    throw DistributedError("rank " + std::to_string(m_Group.Rank()) + ": " + configPath.string() +
                           " holds other settings than this rank's: every rank must be started with the same options");
  if (fs::exists(statePath))
    m_State = ParseJson(ReadTextFile(statePath.string()));
}

bool
RunFolder::Completed(PipelineStage stage) const
{
  for (const Json & name : m_State.at("completed"))
    if (name.get<std::string>() == ToString(stage))
      return true;
  return false;
}

void
RunFolder::MarkCompleted(PipelineStage stage, bool reused)
{
  if (!Completed(stage))
    m_State["completed"].push_back(ToString(stage));
  // Wall time per stage, for benchmarks (a resumed stage counts its last part only).
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - m_StageStart).count();
  if (!m_State.contains("seconds"))
    m_State["seconds"] = Json::object();
  if (!reused)
    m_State["seconds"][ToString(stage)] = seconds;
  char text[80];
  std::snprintf(text, sizeof(text), reused ? "reused" : "done in %.1f s", seconds);
  if (m_Message)
    m_Message(stage, text);
  m_StageStart = std::chrono::steady_clock::now();
  // Also where the ranks meet between stages: a stage's files are complete before any rank reads them.
  RunOnLeader(m_Group, std::string("recording the ") + ToString(stage) + " stage",
              [&] { WriteFileAtomically(File("state.json"), m_State.dump(2) + "\n"); });
}

void
RunFolder::CheckReusable(const std::string & from, const Json & config, const SharedStages & shared)
{
  if (from.empty())
    return;
  const fs::path sourceConfig = fs::path(from) / "config.json";
  if (!fs::exists(sourceConfig))
    throw std::runtime_error(from + " holds no run (no config.json): its stages cannot be taken over");
  const Json source = ParseJson(ReadTextFile(sourceConfig.string()));
  for (const auto & key : shared.keys)
  {
    const Json * a = FindJsonMember(source, key);
    const Json * b = FindJsonMember(config, key);
    if ((a ? a->dump() : "null") != (b ? b->dump() : "null"))
      throw std::runtime_error(from + ": its '" + key + "' settings differ from this run's; its results cannot be reused");
  }
  for (const auto & file : shared.files)
    if (!fs::exists(fs::path(from) / file))
      throw std::runtime_error((fs::path(from) / file).string() + " is missing: the run in " + from + " has not finished that stage");
}

void
RunFolder::Reuse(const std::string & from, const SharedStages & shared)
{
  if (from.empty() || (m_Resume && Completed(shared.stages.back())))
    return;
  CheckReusable(from, m_Config, shared);
  RunOnLeader(m_Group, "taking over the stages of " + from, [&] {
    for (const auto & file : shared.files)
    {
      const fs::path temporary = TemporarySibling(File(file));
      fs::copy_file(fs::path(from) / file, temporary, fs::copy_options::overwrite_existing);
      CommitFile(temporary, File(file));
    }
  });
  if (m_Message)
    m_Message(shared.stages.front(), "taking the results of " + from);
  for (PipelineStage s : shared.stages)
  {
    MarkCompleted(s, true);
    m_TakenOver.insert(s);
  }
}

} // namespace sinus
