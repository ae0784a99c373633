// SPDX-License-Identifier: Apache-2.0
#include "sinus/LaunchEnvironment.h"

#include "sinus/IntegerText.h"

#include <cstdlib>
#include <limits>
#include <stdexcept>

namespace sinus
{
namespace
{
/** The variable's value, or "" when unset. */
std::string
Value(const EnvironmentLookup & lookup, const char * name)
{
  const char * value = lookup(name);
  return value ? std::string(value) : std::string();
}

int64_t
Integer(const EnvironmentLookup & lookup, const char * name, int64_t minimum, int64_t maximum)
{
  const std::string            text = Value(lookup, name);
  const std::optional<int64_t> parsed = ParseWholeInteger(text);
  if (!parsed)
    throw std::invalid_argument(std::string("environment variable ") + name + "=\"" + text + "\" is not an integer");
  const int64_t value = *parsed;
  if (value < minimum || value > maximum)
    throw std::invalid_argument(std::string("environment variable ") + name + "=" + text + " must lie in [" +
                                std::to_string(minimum) + ", " + std::to_string(maximum) + "]");
  return value;
}
} // namespace

LaunchEnvironment
ReadLaunchEnvironment(const EnvironmentLookup & lookup)
{
  LaunchEnvironment launch;
  const bool        hasRank = lookup("RANK") != nullptr, hasWorld = lookup("WORLD_SIZE") != nullptr;
  if (!hasRank && !hasWorld)
    return launch;
  if (hasRank != hasWorld)
    throw std::invalid_argument(std::string("environment variable ") + (hasRank ? "RANK" : "WORLD_SIZE") + " is set but " +
                                (hasRank ? "WORLD_SIZE" : "RANK") + " is not: a launcher sets both");
  constexpr int64_t largest = std::numeric_limits<int32_t>::max();
  launch.worldSize = Integer(lookup, "WORLD_SIZE", 1, largest);
  launch.rank = Integer(lookup, "RANK", 0, launch.worldSize - 1);
  launch.localRank = lookup("LOCAL_RANK") ? Integer(lookup, "LOCAL_RANK", 0, launch.rank) : 0;
  launch.restartCount = lookup("TORCHELASTIC_RESTART_COUNT") ? Integer(lookup, "TORCHELASTIC_RESTART_COUNT", 0, largest) : 0;
  launch.launcherHostsStore = Value(lookup, "TORCHELASTIC_USE_AGENT_STORE") == "True";
  if (!launch.Distributed())
    return launch;
  launch.masterAddress = Value(lookup, "MASTER_ADDR");
  if (launch.masterAddress.empty())
    throw std::invalid_argument("environment variable MASTER_ADDR is not set: a job of WORLD_SIZE=" + std::to_string(launch.worldSize) +
                                " needs the host of rank 0's rendezvous");
  launch.masterPort = static_cast<uint16_t>(Integer(lookup, "MASTER_PORT", 1, 65535));
  return launch;
}

LaunchEnvironment
ReadProcessLaunchEnvironment()
{
  return ReadLaunchEnvironment([](const char * name) { return static_cast<const char *>(std::getenv(name)); });
}

std::string
DeviceForRank(const std::string & requested, const LaunchEnvironment & launch)
{
  if (requested == "cuda" && launch.Distributed())
    return "cuda:" + std::to_string(launch.localRank);
  return requested;
}

} // namespace sinus
