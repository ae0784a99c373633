// SPDX-License-Identifier: Apache-2.0
#ifndef sinusTestSupport_h
#define sinusTestSupport_h

#include <string>
#include <unistd.h>

/** ../shared (or $SINUSSEG_SHARED_DIR): the golden reference data. Tests that need it fail, not
 *  skip, when it is missing: CI always has it. */
std::string SharedDirectory();
std::string GoldenPath();
/** What a program printed (stdout and stderr together) and its exit status (-1 if it did not exit). */
struct CommandResult
{
  int         status = -1;
  std::string output;
};
/** Runs `executable arguments` through the shell (arguments are passed as written, quotes and all). */
CommandResult
RunCommand(const std::string & executable, const std::string & arguments);

/** A fresh, empty folder under the system temp folder. */
std::string ScratchDirectory(const std::string & name);

/** torchrun's options for a one-machine job of `processes` ranks whose rendezvous listens on a
 *  port free right now. Not --standalone: LibTorch 1.13's always takes port 29400, so two tests
 *  running at once (ctest -j) collide ("Address already in use"). */
std::string
TorchrunOnThisMachine(int processes);

#endif
