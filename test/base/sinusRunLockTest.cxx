// SPDX-License-Identifier: Apache-2.0
// One run per output: the lock refuses a second holder, names the first, and is released when its
// holder ends, however it ends. Temporaries of dead writers are cleared, those of live ones kept.
#include "sinus/FileUtilities.h"
#include "sinus/RunLock.h"
#include "sinusTestSupport.h"

#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <sys/wait.h>

namespace fs = std::filesystem;

TEST(RunLock, RefusesASecondHolderNamingTheFirstAndIsReleasedWithIt)
{
  const fs::path folder = ScratchDirectory("run_lock");
  {
    sinus::RunLock first(sinus::RunLock::ForFolder(folder), folder.string());
    try
    {
      sinus::RunLock second(sinus::RunLock::ForFolder(folder), folder.string());
      FAIL() << "a second lock on the same folder was granted";
    }
    catch (const sinus::RunLockedError & e)
    {
      EXPECT_EQ(std::string(e.what()), folder.string() + " is in use by another sinusseg process (pid " + std::to_string(::getpid()) +
                                          "); wait for it to finish, or choose another output");
    }
  }
  EXPECT_NO_THROW(sinus::RunLock again(sinus::RunLock::ForFolder(folder), folder.string()));
  EXPECT_EQ(sinus::RunLock::ForFile(folder / "refiner.sinusseg"), folder / ".refiner.sinusseg.lock");
}

TEST(RunLock, AHolderKilledBySigkillReleasesTheLock)
{
  const fs::path folder = ScratchDirectory("run_lock_kill");
  int            ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  const pid_t holder = ::fork();
  if (holder == 0)
  {
    sinus::RunLock lock(sinus::RunLock::ForFolder(folder), folder.string());
    const char byte = 1;
    if (::write(ready[1], &byte, 1) != 1)
      std::_Exit(2);
    ::pause();
    std::_Exit(0);
  }
  char byte = 0;
  ASSERT_EQ(::read(ready[0], &byte, 1), 1);
  EXPECT_THROW(sinus::RunLock(sinus::RunLock::ForFolder(folder), folder.string()), sinus::RunLockedError);
  ::kill(holder, SIGKILL);
  ::waitpid(holder, nullptr, 0);
  EXPECT_NO_THROW(sinus::RunLock(sinus::RunLock::ForFolder(folder), folder.string()));
  ::close(ready[0]);
  ::close(ready[1]);
}

TEST(RunLock, RemovesOnlyTheTemporariesOfWritersThatNoLongerRun)
{
  const fs::path folder = ScratchDirectory("run_lock_temporaries");
  const pid_t    gone = ::fork();
  if (gone == 0)
    std::_Exit(0);
  ::waitpid(gone, nullptr, 0); // its process id now names no process
  const std::string dead = ".sinusseg-tmp-" + std::to_string(gone) + "-3-teacher.checkpoint";
  const std::string live = ".sinusseg-tmp-" + std::to_string(::getppid()) + "-0-student.checkpoint";
  const std::string own = ".sinusseg-tmp-" + std::to_string(::getpid()) + "-1-state.json";
  for (const std::string & name : { dead, live, own, std::string("teacher.checkpoint") })
    sinus::WriteFileAtomically(folder / name, "x");
  fs::create_directory(folder / (".sinusseg-tmp-" + std::to_string(gone) + "-4-overlays"));
  EXPECT_EQ(sinus::RemoveAbandonedTemporaries(folder), 2);
  EXPECT_FALSE(fs::exists(folder / dead));
  EXPECT_TRUE(fs::exists(folder / live));
  EXPECT_TRUE(fs::exists(folder / own));
  EXPECT_TRUE(fs::exists(folder / "teacher.checkpoint"));
}
