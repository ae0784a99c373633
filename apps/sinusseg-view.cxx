// SPDX-License-Identifier: Apache-2.0
// sinusseg-view: the commands that render with VTK. Reached through `sinusseg <command>`.
#include "SinusSegCommand.h"

int
main(int argc, char * argv[])
{
  using namespace sinusseg;
  return CommandMain(argc, argv, { { "overlay", RunOverlay }, { "view", RunView } });
}
