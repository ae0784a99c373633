// SPDX-License-Identifier: Apache-2.0
// Reading a launcher's environment (torchrun's variables) and sharing positions among ranks.
#include "sinus/LaunchEnvironment.h"
#include "sinus/RankShare.h"

#include <gtest/gtest.h>

#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace
{
using Variables = std::map<std::string, std::string>;

sinus::LaunchEnvironment
Read(const Variables & variables)
{
  return sinus::ReadLaunchEnvironment([&](const char * name) -> const char * {
    const auto found = variables.find(name);
    return found == variables.end() ? nullptr : found->second.c_str();
  });
}

std::string
RefusalOf(const Variables & variables)
{
  try
  {
    Read(variables);
  }
  catch (const std::invalid_argument & e)
  {
    return e.what();
  }
  return "accepted";
}
} // namespace

TEST(LaunchEnvironment, NoLauncherMeansOneProcess)
{
  const sinus::LaunchEnvironment launch = Read({ { "MASTER_PORT", "29500" } });
  EXPECT_EQ(launch.rank, 0);
  EXPECT_EQ(launch.worldSize, 1);
  EXPECT_FALSE(launch.Distributed());
  EXPECT_TRUE(launch.Leader());
}

TEST(LaunchEnvironment, ReadsTorchrunsVariables)
{
  const sinus::LaunchEnvironment launch = Read({ { "RANK", "3" },
                                                 { "WORLD_SIZE", "4" },
                                                 { "LOCAL_RANK", "1" },
                                                 { "MASTER_ADDR", "node7" },
                                                 { "MASTER_PORT", "29400" },
                                                 { "TORCHELASTIC_USE_AGENT_STORE", "True" },
                                                 { "TORCHELASTIC_RESTART_COUNT", "2" } });
  EXPECT_EQ(launch.rank, 3);
  EXPECT_EQ(launch.worldSize, 4);
  EXPECT_EQ(launch.localRank, 1);
  EXPECT_EQ(launch.masterAddress, "node7");
  EXPECT_EQ(launch.masterPort, 29400);
  EXPECT_TRUE(launch.launcherHostsStore);
  EXPECT_EQ(launch.restartCount, 2);
  EXPECT_TRUE(launch.Distributed());
  EXPECT_FALSE(launch.Leader());
  // A plain launcher (torch.distributed.launch, SLURM scripts) leaves the store to rank 0.
  EXPECT_FALSE(Read({ { "RANK", "0" }, { "WORLD_SIZE", "2" }, { "MASTER_ADDR", "h" }, { "MASTER_PORT", "1" } }).launcherHostsStore);
  // A world of one needs no rendezvous.
  EXPECT_FALSE(Read({ { "RANK", "0" }, { "WORLD_SIZE", "1" } }).Distributed());
}

TEST(LaunchEnvironment, IncompleteOrInconsistentDescriptionsAreRefusedByName)
{
  const Variables good = { { "RANK", "1" }, { "WORLD_SIZE", "2" }, { "MASTER_ADDR", "h" }, { "MASTER_PORT", "29500" } };
  const auto      without = [&](const std::string & name) {
    Variables v = good;
    v.erase(name);
    return v;
  };
  const auto with = [&](const std::string & name, const std::string & value) {
    Variables v = good;
    v[name] = value;
    return v;
  };
  EXPECT_EQ(RefusalOf(good), "accepted");
  EXPECT_NE(RefusalOf(without("WORLD_SIZE")).find("RANK is set but WORLD_SIZE is not"), std::string::npos);
  EXPECT_NE(RefusalOf(without("RANK")).find("WORLD_SIZE is set but RANK is not"), std::string::npos);
  EXPECT_NE(RefusalOf(without("MASTER_ADDR")).find("MASTER_ADDR is not set"), std::string::npos);
  EXPECT_NE(RefusalOf(without("MASTER_PORT")).find("MASTER_PORT=\"\" is not an integer"), std::string::npos);
  EXPECT_NE(RefusalOf(with("RANK", "2")).find("RANK=2 must lie in [0, 1]"), std::string::npos);
  EXPECT_NE(RefusalOf(with("RANK", "1x")).find("RANK=\"1x\" is not an integer"), std::string::npos);
  EXPECT_NE(RefusalOf(with("WORLD_SIZE", "0")).find("WORLD_SIZE=0 must lie in"), std::string::npos);
  EXPECT_NE(RefusalOf(with("MASTER_PORT", "70000")).find("MASTER_PORT=70000 must lie in [1, 65535]"), std::string::npos);
  EXPECT_NE(RefusalOf(with("LOCAL_RANK", "-1")).find("LOCAL_RANK=-1"), std::string::npos);
}

TEST(LaunchEnvironment, EachProcessOfAMachineTakesTheGpuOfItsLocalRank)
{
  const sinus::LaunchEnvironment second = Read(
    { { "RANK", "3" }, { "WORLD_SIZE", "4" }, { "LOCAL_RANK", "1" }, { "MASTER_ADDR", "h" }, { "MASTER_PORT", "29500" } });
  EXPECT_EQ(sinus::DeviceForRank("cuda", second), "cuda:1");
  EXPECT_EQ(sinus::DeviceForRank("cuda:0", second), "cuda:0"); // the launcher gave it one visible GPU
  EXPECT_EQ(sinus::DeviceForRank("cpu", second), "cpu");
  const sinus::LaunchEnvironment alone = Read({});
  EXPECT_EQ(sinus::DeviceForRank("cuda", alone), "cuda");
}

TEST(RankShare, EveryPositionOnceInRankOrderWithSizesWithinOne)
{
  // 10 over 4 ranks: 3, 3, 2, 2.
  const std::vector<std::pair<int64_t, int64_t>> expected = { { 0, 3 }, { 3, 6 }, { 6, 8 }, { 8, 10 } };
  for (int64_t rank = 0; rank < 4; ++rank)
  {
    const sinus::IndexRange range = sinus::RankShare(10, rank, 4);
    EXPECT_EQ(range.begin, expected[static_cast<size_t>(rank)].first);
    EXPECT_EQ(range.end, expected[static_cast<size_t>(rank)].second);
  }
  for (int64_t count : { 0, 1, 5, 7, 64 })
    for (int64_t world : { 1, 2, 3, 8 })
    {
      int64_t next = 0;
      for (int64_t rank = 0; rank < world; ++rank)
      {
        const sinus::IndexRange range = sinus::RankShare(count, rank, world);
        EXPECT_EQ(range.begin, next) << count << " over " << world;
        EXPECT_GE(range.Size(), count / world);
        EXPECT_LE(range.Size(), count / world + 1);
        next = range.end;
      }
      EXPECT_EQ(next, count) << count << " over " << world;
    }
  EXPECT_EQ(sinus::RankShare(1, 1, 2).Size(), 0); // nothing repeated to pad the second rank
  EXPECT_THROW(sinus::RankShare(4, 2, 2), std::invalid_argument);
  EXPECT_THROW(sinus::RankShare(-1, 0, 2), std::invalid_argument);
  EXPECT_THROW(sinus::RankShare(4, 0, 0), std::invalid_argument);
}
