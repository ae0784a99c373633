// The sinusseg executable as a user meets it: help, exit codes, error messages, outputs.
#include "sinus/FileUtilities.h"
#include "sinusCoreTestSupport.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <sys/wait.h>

namespace fs = std::filesystem;

namespace
{
struct Result
{
  int         status = -1;
  std::string output; // stdout and stderr together
};

Result
RunSinusSeg(const std::string & arguments)
{
  Result      r;
  std::string command = std::string("'") + SINUSSEG_EXECUTABLE + "' " + arguments + " 2>&1";
  FILE *      pipe = popen(command.c_str(), "r");
  if (!pipe)
    return r;
  std::array<char, 4096> buffer;
  size_t                 n;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0)
    r.output.append(buffer.data(), n);
  const int status = pclose(pipe);
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}
} // namespace

TEST(CommandLine, HelpForTheToolAndEverySubcommand)
{
  const Result top = RunSinusSeg("--help");
  EXPECT_EQ(top.status, 0);
  for (const char * command : { "demo", "phantoms", "import-via", "preprocess" })
  {
    EXPECT_NE(top.output.find(command), std::string::npos) << command;
    const Result help = RunSinusSeg(std::string(command) + " --help");
    EXPECT_EQ(help.status, 0) << command;
    EXPECT_NE(help.output.find(std::string("Usage: sinusseg ") + command), std::string::npos) << help.output;
  }
  EXPECT_EQ(RunSinusSeg("").status, 2);
  EXPECT_EQ(RunSinusSeg("no-such-command").status, 2);
}

TEST(CommandLine, UsageErrorsExitWithTwo)
{
  const Result missing = RunSinusSeg("phantoms --count 3");
  EXPECT_EQ(missing.status, 2);
  EXPECT_NE(missing.output.find("--out"), std::string::npos) << missing.output;
  const Result badSize = RunSinusSeg("phantoms --out /tmp/x --count 1 --size 12");
  EXPECT_EQ(badSize.status, 2);
  EXPECT_NE(badSize.output.find("WIDTHxHEIGHT"), std::string::npos) << badSize.output;
}

TEST(CommandLine, PhantomsImportAndPreprocessEndToEnd)
{
  const fs::path root = ScratchDirectory("cli");
  const Result   phantoms = RunSinusSeg("phantoms --out '" + (root / "set").string() + "' --count 2 --size 384x192 --seed 3");
  ASSERT_EQ(phantoms.status, 0) << phantoms.output;
  EXPECT_TRUE(fs::exists(root / "set" / "images" / "phantom_00001.png"));

  const Result imported = RunSinusSeg("import-via --csv '" + (root / "set" / "annotations_via.csv").string() + "' --images '" +
                              (root / "set" / "images").string() + "' --out '" + (root / "via").string() + "'");
  ASSERT_EQ(imported.status, 0) << imported.output;
  EXPECT_NE(imported.output.find("wrote 2 masks (4 regions)"), std::string::npos) << imported.output;

  const Result preprocessed = RunSinusSeg("preprocess --input '" + (root / "set" / "images" / "phantom_00000.png").string() +
                                  "' --output '" + (root / "input.nrrd").string() + "' --size 256");
  ASSERT_EQ(preprocessed.status, 0) << preprocessed.output;
  EXPECT_TRUE(fs::exists(root / "input.nrrd"));

  // Bad input: exit 1, the message names the file and line, and no output folder appears.
  sinus::WriteFileAtomically(root / "broken.csv", "filename,file_size,file_attributes,region_count,region_id,"
                                                  "region_shape_attributes,region_attributes\n"
                                                  "phantom_00000.png,1,\"{}\",1,0,\"{\"\"name\"\":\"\"polygon\",\"{}\"\n");
  const Result broken = RunSinusSeg("import-via --csv '" + (root / "broken.csv").string() + "' --images '" +
                            (root / "set" / "images").string() + "' --out '" + (root / "never").string() + "'");
  EXPECT_EQ(broken.status, 1);
  EXPECT_NE(broken.output.find("broken.csv:2: invalid JSON in region_shape_attributes"), std::string::npos) << broken.output;
  EXPECT_FALSE(fs::exists(root / "never"));

  const Result absent = RunSinusSeg("preprocess --input '" + (root / "absent.png").string() + "' --output '" +
                            (root / "never.nrrd").string() + "'");
  EXPECT_EQ(absent.status, 1);
  EXPECT_NE(absent.output.find("absent.png: file not found"), std::string::npos) << absent.output;
  EXPECT_FALSE(fs::exists(root / "never.nrrd"));
  fs::remove_all(root);
}
