// SPDX-License-Identifier: Apache-2.0
// sinusseg: the commands that need neither LibTorch nor VTK run here; the rest are handed to
// sinusseg-learn and sinusseg-view (AllCommands() says which program runs which command).
#include "SinusSegCommand.h"

int
main(int argc, char * argv[])
{
  using namespace sinusseg;
  return CommandMain(argc, argv,
                     { { "phantoms", RunPhantoms },
                       { "import-via", RunImportVia },
                       { "preprocess", RunPreprocess },
                       { "evaluate", RunEvaluate },
                       { "split", RunSplit },
                       { "plot", RunPlot } });
}
