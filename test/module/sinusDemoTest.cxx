// SPDX-License-Identifier: Apache-2.0
// The demo's sequence lives in the library: its settings and the command that repeats it. The
// whole run is exercised by CommandLine.AblationPrintsThePaperTablesAndDemoWritesItsReport.
#include "sinus/FileUtilities.h"
#include "sinusDemo.h"
#include "sinusTestSupport.h"

#include <gtest/gtest.h>

#include <filesystem>

TEST(Demo, CommandLineRepeatsTheRun)
{
  sinus::DemoOptions o;
  o.outputDirectory = "out";
  o.count = 12;
  o.width = 256;
  o.height = 128;
  o.seed = 3;
  o.labelledFraction = 0.5;
  o.trainingArguments = { "--preset small", "--teacher-epochs 1" };
  EXPECT_EQ(sinus::DemoCommandLine(o),
            "sinusseg demo --out out --count 12 --size 256x128 --seed 3 --labelled-fraction 0.5 --preset small --teacher-epochs 1");
}

TEST(Demo, RefusesTooFewImagesAndForeignFolders)
{
  sinus::DemoOptions o;
  o.count = 9;
  EXPECT_THROW(o.Validate(), std::invalid_argument);
  o.count = 12;
  o.labelledFraction = 0;
  EXPECT_THROW(o.Validate(), std::invalid_argument);
  // A non-empty folder that is not an earlier demo's output is never replaced.
  const std::filesystem::path root = ScratchDirectory("demo_foreign");
  std::filesystem::create_directories(root / "mine");
  sinus::WriteFileAtomically(root / "mine" / "keep.txt", "user data");
  o.labelledFraction = 0.3;
  o.outputDirectory = (root / "mine").string();
  EXPECT_THROW(sinus::RunDemo(o, {}), std::runtime_error);
  EXPECT_TRUE(std::filesystem::exists(root / "mine" / "keep.txt"));
}
