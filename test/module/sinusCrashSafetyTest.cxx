// SPDX-License-Identifier: Apache-2.0
// The sinusseg programs when the process or the machine fails them: killed by SIGKILL at any
// moment of training, a full disk (a file-size limit, which fails writes as ENOSPC does), a second
// run on the same output, and hostile inputs that claim more than they hold.
#include "sinus/FileUtilities.h"
#include "sinus/ModelFile.h"
#include "sinus/ZipDirectory.h"
#include "sinusTestSupport.h"

#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace fs = std::filesystem;

namespace
{
CommandResult
RunSinusSeg(const std::string & arguments)
{
  return RunCommand(SINUSSEG_EXECUTABLE, arguments);
}

/** sinusseg started in the background, its output going to `log`. */
class BackgroundRun
{
public:
  BackgroundRun(const std::string & arguments, const fs::path & log)
    : m_Log(log)
  {
    const std::string command = "exec '" + std::string(SINUSSEG_EXECUTABLE) + "' " + arguments + " > '" + log.string() + "' 2>&1";
    m_Pid = ::fork();
    if (m_Pid == 0)
    {
      ::execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char *>(nullptr));
      std::_Exit(127);
    }
  }
  ~BackgroundRun()
  {
    if (!m_Finished)
      Kill();
  }
  /** Waits until the output holds `marker` or the run ends; true when the marker came. */
  bool WaitFor(const std::string & marker, double seconds = 300)
  {
    const auto start = std::chrono::steady_clock::now();
    while (std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() < seconds)
    {
      if (Output().find(marker) != std::string::npos)
        return true;
      int status = 0;
      if (::waitpid(m_Pid, &status, WNOHANG) == m_Pid)
      {
        m_Finished = true;
        return Output().find(marker) != std::string::npos;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return false;
  }
  /** SIGKILL; true when the process was still running (it died by the signal). */
  bool Kill()
  {
    if (m_Finished)
      return false;
    ::kill(m_Pid, SIGKILL);
    int status = 0;
    ::waitpid(m_Pid, &status, 0);
    m_Finished = true;
    return WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
  }
  std::string Output() const
  {
    std::error_code ec;
    return fs::exists(m_Log, ec) ? sinus::ReadTextFile(m_Log) : std::string();
  }

private:
  fs::path m_Log;
  pid_t    m_Pid = -1;
  bool     m_Finished = false;
};

std::string
MakePhantoms(const fs::path & root)
{
  const CommandResult made = RunSinusSeg("phantoms --out '" + (root / "set").string() + "' --count 12 --size 256x128 --labeled-fraction 0.5");
  EXPECT_EQ(made.status, 0) << made.output;
  return (root / "set" / "dataset.json").string();
}

/** Every finished file of a run folder must read as valid: a kill may leave hidden temporaries
 *  behind, never a truncated model, checkpoint or record under its real name. */
void
ExpectEveryFileInPlaceIsComplete(const fs::path & folder, const std::string & moment)
{
  for (const auto & entry : fs::directory_iterator(folder))
  {
    const std::string name = entry.path().filename().string();
    const std::string ext = entry.path().extension().string();
    if (name.rfind(".sinusseg-tmp-", 0) == 0 || !entry.is_regular_file())
      continue;
    if (ext == ".sinusseg")
    {
      EXPECT_NO_THROW(sinus::ReadModelArchive(entry.path().string())) << moment << ": " << name;
    }
    if (ext == ".checkpoint" || ext == ".pt")
    {
      EXPECT_NO_THROW(sinus::RequireBoundedZipArchive(entry.path().string())) << moment << ": " << name;
      torch::serialize::InputArchive archive;
      EXPECT_NO_THROW(archive.load_from(entry.path().string())) << moment << ": " << name;
    }
    if (ext == ".json")
    {
      EXPECT_NO_THROW(sinus::ParseJson(sinus::ReadTextFile(entry.path()))) << moment << ": " << name;
    }
  }
}

void
ExpectSameTensors(const fs::path & expected, const fs::path & actual)
{
  const sinus::ModelArchive a = sinus::ReadModelArchive(expected.string());
  const sinus::ModelArchive b = sinus::ReadModelArchive(actual.string());
  ASSERT_EQ(a.tensors.size(), b.tensors.size()) << actual;
  EXPECT_EQ(a.config.dump(), b.config.dump()) << actual;
  for (size_t i = 0; i < a.tensors.size(); ++i)
  {
    EXPECT_EQ(a.tensors[i].first, b.tensors[i].first);
    EXPECT_TRUE(torch::equal(a.tensors[i].second, b.tensors[i].second)) << actual << ": " << a.tensors[i].first;
  }
}
} // namespace

TEST(CrashSafety, TrainKilledAtFiveMomentsResumesToTheSameModelsAsAnUninterruptedRun)
{
  const fs::path    root = ScratchDirectory("crash_kill");
  const std::string datalist = MakePhantoms(root);
  const std::string settings = " --teacher-epochs 3 --student-epochs 3 --refiner-epochs 3 --threads 2 --datalist '" + datalist + "'";
  const fs::path    reference = root / "uninterrupted", killed = root / "killed";
  const CommandResult whole = RunSinusSeg("train --out '" + reference.string() + "'" + settings);
  ASSERT_EQ(whole.status, 0) << whole.output;

  // One kill in every stage, each at a random moment after the stage's line appears (a fixed seed:
  // the same moments on every run of this test, up to the machine's speed).
  std::mt19937                          random(20261203);
  std::uniform_int_distribution<int>    delay(0, 400);
  const std::vector<std::string>        moments = { "teacher: epoch 1/3", "pseudo-labels:", "refinement: epoch 1/3", "student: epoch 1/3",
                                                    "evaluation: teacher" };
  int                                   killedRuns = 0;
  for (size_t i = 0; i < moments.size(); ++i)
  {
    BackgroundRun run("train --out '" + killed.string() + "'" + settings + (i ? " --resume" : ""), root / "run.log");
    ASSERT_TRUE(run.WaitFor(moments[i])) << moments[i] << "\n" << run.Output();
    std::this_thread::sleep_for(std::chrono::milliseconds(delay(random)));
    killedRuns += run.Kill() ? 1 : 0;
    ExpectEveryFileInPlaceIsComplete(killed, "after the kill at '" + moments[i] + "'");
  }
  EXPECT_GE(killedRuns, 4) << "most kills must find the run still working";
  const CommandResult resumed = RunSinusSeg("train --out '" + killed.string() + "' --resume" + settings);
  ASSERT_EQ(resumed.status, 0) << resumed.output;
  for (const char * model : { "teacher.sinusseg", "refiner.sinusseg", "student.sinusseg" })
    ExpectSameTensors(reference / model, killed / model);
  EXPECT_EQ(sinus::ReadTextFile(reference / "evaluation.csv"), sinus::ReadTextFile(killed / "evaluation.csv"));
  // The killed runs' temporaries were cleared when the next run took the folder.
  for (const auto & entry : fs::directory_iterator(killed))
    EXPECT_NE(entry.path().filename().string().rfind(".sinusseg-tmp-", 0), 0u) << entry.path();
}

TEST(CrashSafety, ASecondRunOnTheSameFolderIsRefusedWhileTheFirstRuns)
{
  const fs::path    root = ScratchDirectory("crash_lock");
  const std::string datalist = MakePhantoms(root);
  const std::string train = "train --datalist '" + datalist + "' --out '" + (root / "run").string() + "' --threads 1";
  BackgroundRun     first(train + " --teacher-epochs 50", root / "first.log");
  ASSERT_TRUE(first.WaitFor("teacher: epoch 1/50")) << first.Output();
  const CommandResult second = RunSinusSeg(train + " --resume --teacher-epochs 50");
  EXPECT_EQ(second.status, 1) << second.output;
  EXPECT_NE(second.output.find("is in use by another sinusseg process (pid "), std::string::npos) << second.output;
  EXPECT_TRUE(first.Kill()) << "the first run must not have been disturbed:\n" << first.Output();
  // A killed holder releases the lock: the next run gets the folder at once (and, asking for other
  // settings, reaches the check of the folder's settings behind the lock).
  const CommandResult after = RunSinusSeg(train + " --resume --teacher-epochs 1");
  EXPECT_EQ(after.output.find("in use by another"), std::string::npos) << after.output;
  EXPECT_NE(after.output.find("holds a run with other settings"), std::string::npos) << after.output;
}

TEST(CrashSafety, AFullDiskKeepsThePreviousCheckpointAndLeavesNoPartialOutput)
{
  const fs::path root(ScratchDirectory("crash_full"));
  const std::string datalist = MakePhantoms(root);
  const fs::path    out = root / "run";
  const std::string train = "train --datalist '" + datalist + "' --out '" + out.string() + "' --threads 2 --stage teacher --teacher-epochs 2";
  {
    BackgroundRun first(train, root / "first.log");
    ASSERT_TRUE(first.WaitFor("teacher: epoch 1/2")) << first.Output();
    first.Kill();
  }
  const fs::path    checkpoint = out / "teacher.checkpoint";
  const std::string before = sinus::ReadTextFile(checkpoint, fs::file_size(checkpoint));
  // Resumed with room for less than a checkpoint: its write fails (EFBIG, as ENOSPC on a full
  // disk), the run stops with a message naming the file, and epoch 1's checkpoint stays.
  const std::string   limit = "--fsize=" + std::to_string(before.size() / 2) + " '" + SINUSSEG_EXECUTABLE + "' ";
  const CommandResult full = RunCommand("prlimit", limit + train + " --resume");
  EXPECT_EQ(full.status, 1) << full.output;
  EXPECT_NE(full.output.find(checkpoint.string() + ": cannot write the checkpoint"), std::string::npos) << full.output;
  EXPECT_EQ(sinus::ReadTextFile(checkpoint, fs::file_size(checkpoint)), before);
  for (const auto & entry : fs::directory_iterator(out))
    EXPECT_NE(entry.path().filename().string().rfind(".sinusseg-tmp-", 0), 0u) << entry.path();
  // With room again, the run continues from that checkpoint.
  const CommandResult resumed = RunSinusSeg(train + " --resume");
  EXPECT_EQ(resumed.status, 0) << resumed.output;
  EXPECT_NE(resumed.output.find("teacher: epoch 2/2"), std::string::npos) << resumed.output;
  EXPECT_EQ(resumed.output.find("teacher: epoch 1/2"), std::string::npos) << resumed.output;

  // An output image on a full disk: an error naming it, and no file under its name. PNG and JPEG
  // are encoded by SinusSeg and fail as they are written; ITK's BMP and NRRD writers truncate
  // silently and the read-back finds it.
  const std::string input = (root / "set" / "images" / "phantom_00000.png").string();
  for (const auto & [name, error] : std::vector<std::pair<std::string, std::string>>{ { "mask.png", ": cannot write image: write error (File too large)" },
                                                                                       { "mask.jpg", ": cannot write image: write error (File too large)" },
                                                                                       { "mask.bmp", ": the written file" },
                                                                                       { "mask.nrrd", ": the written file" } })
  {
    const fs::path      mask = root / name;
    const CommandResult written = RunCommand("prlimit", "--fsize=16 '" + std::string(SINUSSEG_EXECUTABLE) + "' predict --model '" +
                                                          (out / "teacher.sinusseg").string() + "' --input '" + input + "' --output '" +
                                                          mask.string() + "'");
    EXPECT_EQ(written.status, 1) << written.output;
    EXPECT_NE(written.output.find(mask.string() + error), std::string::npos) << written.output;
    EXPECT_FALSE(fs::exists(mask)) << name;
  }
  // Radiographs that fill the limit in the middle of their pixels (ITK 5.2's PNG writer crashed
  // there, with a double free): an error, and no data set folder.
  const CommandResult phantoms = RunCommand("prlimit", "--fsize=4096 '" + std::string(SINUSSEG_EXECUTABLE) + "' phantoms --out '" +
                                                         (root / "more").string() + "' --count 1 --size 256x128");
  EXPECT_EQ(phantoms.status, 1) << phantoms.output;
  EXPECT_NE(phantoms.output.find("phantom_00000.png: cannot write image: write error (File too large)"), std::string::npos) << phantoms.output;
  EXPECT_FALSE(fs::exists(root / "more"));
  for (const auto & entry : fs::directory_iterator(root))
    EXPECT_NE(entry.path().filename().string().rfind(".sinusseg-tmp-", 0), 0u) << entry.path();
}

namespace
{
void
AppendLittleEndian(std::string & bytes, uint64_t value, int width)
{
  for (int i = 0; i < width; ++i)
    bytes.push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
}

/** A zip archive of one deflated entry that claims `declared` bytes unpacked: the shape of a zip
 *  bomb (a real one's few kilobytes of deflate data are replaced by 64 zero bytes; what a reader
 *  allocates is decided by the declared size). */
std::string
ZipBomb(const std::string & name, uint64_t declared)
{
  const std::string payload(64, '\0');
  std::string       zip;
  AppendLittleEndian(zip, 0x04034b50, 4);
  AppendLittleEndian(zip, 20, 2);
  AppendLittleEndian(zip, 0, 2);
  AppendLittleEndian(zip, 8, 2); // deflated
  AppendLittleEndian(zip, 0, 8); // time, date, CRC
  AppendLittleEndian(zip, payload.size(), 4);
  AppendLittleEndian(zip, declared, 4);
  AppendLittleEndian(zip, name.size(), 2);
  AppendLittleEndian(zip, 0, 2);
  zip += name + payload;
  const uint64_t directory = zip.size();
  AppendLittleEndian(zip, 0x02014b50, 4);
  AppendLittleEndian(zip, 20, 2);
  AppendLittleEndian(zip, 20, 2);
  AppendLittleEndian(zip, 0, 2);
  AppendLittleEndian(zip, 8, 2);
  AppendLittleEndian(zip, 0, 8);
  AppendLittleEndian(zip, payload.size(), 4);
  AppendLittleEndian(zip, declared, 4);
  AppendLittleEndian(zip, name.size(), 2);
  AppendLittleEndian(zip, 0, 2 * 4); // extra, comment, disk, internal attributes
  AppendLittleEndian(zip, 0, 4);     // external attributes
  AppendLittleEndian(zip, 0, 4);     // local header offset
  zip += name;
  const uint64_t directorySize = zip.size() - directory;
  AppendLittleEndian(zip, 0x06054b50, 4);
  AppendLittleEndian(zip, 0, 4);
  AppendLittleEndian(zip, 1, 2);
  AppendLittleEndian(zip, 1, 2);
  AppendLittleEndian(zip, directorySize, 4);
  AppendLittleEndian(zip, directory, 4);
  AppendLittleEndian(zip, 0, 2);
  return zip;
}

/** A 2x2 8-bit grey TIFF whose ImageDescription (tag 270) holds `text` with no NUL at its end. */
std::string
TiffWithUnterminatedText(const std::string & text)
{
  struct Entry
  {
    uint64_t tag, type, count, value;
  };
  constexpr uint64_t kShort = 3, kAscii = 2, kLong = 4, kEntries = 10;
  const uint64_t     pixelsAt = 8 + 2 + kEntries * 12 + 4;
  const Entry        entries[kEntries] = { { 256, kShort, 1, 2 }, { 257, kShort, 1, 2 },  { 258, kShort, 1, 8 },       { 259, kShort, 1, 1 },
                                           { 262, kShort, 1, 1 }, { 270, kAscii, 4, 0 },  { 273, kLong, 1, pixelsAt }, { 277, kShort, 1, 1 },
                                           { 278, kShort, 1, 2 }, { 279, kLong, 1, 4 } };
  std::string        tiff = "II";
  AppendLittleEndian(tiff, 42, 2);
  AppendLittleEndian(tiff, 8, 4);
  AppendLittleEndian(tiff, kEntries, 2);
  for (const Entry & e : entries)
  {
    AppendLittleEndian(tiff, e.tag, 2);
    AppendLittleEndian(tiff, e.type, 2);
    AppendLittleEndian(tiff, e.count, 4);
    if (e.type == kAscii)
      tiff += text.substr(0, 4); // four bytes fit in the entry itself
    else
      AppendLittleEndian(tiff, e.value, 4);
  }
  AppendLittleEndian(tiff, 0, 4); // no next directory
  return tiff + std::string("\x00\x40\x80\xff", 4);
}
} // namespace

TEST(CrashSafety, HostileInputsAreRefusedBeforeAllocating)
{
  const fs::path root(ScratchDirectory("crash_hostile"));
  // An image header claiming 100000 x 100000 pixels, its data file a few bytes.
  sinus::WriteFileAtomically(root / "huge.mha", "ObjectType = Image\nNDims = 2\nDimSize = 100000 100000\nElementType = MET_UCHAR\n"
                                                "ElementDataFile = huge.raw\n");
  sinus::WriteFileAtomically(root / "huge.raw", std::string(16, '\0'));
  const CommandResult huge = RunSinusSeg("preprocess --input '" + (root / "huge.mha").string() + "' --output '" + (root / "p.png").string() + "'");
  EXPECT_EQ(huge.status, 1) << huge.output;
  EXPECT_NE(huge.output.find("huge.mha: the header claims 100000x100000 pixels"), std::string::npos) << huge.output;
  EXPECT_FALSE(fs::exists(root / "p.png"));

  // A header whose number of dimensions ITK 5.2 would size its arrays by (16 GiB for this one).
  sinus::WriteFileAtomically(root / "ndims.mha", "ObjectType = Image\nNDims = 3e18\nDimSize = 2 2\nElementType = MET_UCHAR\n"
                                                 "ElementDataFile = huge.raw\n");
  const CommandResult ndims = RunSinusSeg("preprocess --input '" + (root / "ndims.mha").string() + "' --output '" + (root / "p.png").string() + "'");
  EXPECT_EQ(ndims.status, 1) << ndims.output;
  EXPECT_NE(ndims.output.find("ndims.mha: MetaImage NDims '3e18' is not a number of dimensions from 1 to 10"), std::string::npos) << ndims.output;

  // A PNG cut inside its header: an error naming it (ITK 5.2 alone aborts the process there).
  const CommandResult phantom = RunSinusSeg("phantoms --out '" + (root / "one").string() + "' --count 1 --size 128x64");
  ASSERT_EQ(phantom.status, 0) << phantom.output;
  const std::string png = sinus::ReadTextFile(root / "one" / "images" / "phantom_00000.png");
  for (size_t cut : { size_t{ 16 }, size_t{ 40 }, png.size() / 2 })
  {
    sinus::WriteFileAtomically(root / "cut.png", png.substr(0, cut));
    const CommandResult truncated = RunSinusSeg("preprocess --input '" + (root / "cut.png").string() + "' --output '" + (root / "p.png").string() + "'");
    EXPECT_EQ(truncated.status, 1) << cut << ": " << truncated.output;
    EXPECT_NE(truncated.output.find((root / "cut.png").string() + ": "), std::string::npos) << truncated.output;
  }

  // A TIFF text tag without its closing NUL (ITK 5.2's reader runs past libtiff's buffer on one).
  sinus::WriteFileAtomically(root / "text.tif", TiffWithUnterminatedText("abcd"));
  const CommandResult text = RunSinusSeg("preprocess --input '" + (root / "text.tif").string() + "' --output '" + (root / "p.png").string() + "'");
  EXPECT_EQ(text.status, 1) << text.output;
  EXPECT_NE(text.output.find("text.tif: not a readable TIFF (its text tag 270 does not end with the NUL"), std::string::npos) << text.output;
  EXPECT_FALSE(fs::exists(root / "p.png"));

  // A zip bomb given as a model file and as an official checkpoint: refused by name, not inflated.
  sinus::WriteFileAtomically(root / "bomb.sinusseg", ZipBomb("archive/sinusseg_model.json", 4000000000u));
  const CommandResult bomb = RunSinusSeg("model-info --model '" + (root / "bomb.sinusseg").string() + "'");
  EXPECT_EQ(bomb.status, 1) << bomb.output;
  EXPECT_NE(bomb.output.find("bomb.sinusseg: not a SinusSeg model file, or damaged: compressed entry 'archive/sinusseg_model.json' "
                             "would unpack to 4000000000 bytes"),
            std::string::npos)
    << bomb.output;
  sinus::WriteFileAtomically(root / "bomb.pth", ZipBomb("archive/data.pkl", 4000000000u));
  const CommandResult pth = RunSinusSeg("model-info --checkpoint '" + (root / "bomb.pth").string() + "'");
  EXPECT_EQ(pth.status, 1) << pth.output;
  EXPECT_NE(pth.output.find("bomb.pth: not a PyTorch zip checkpoint (torch.save format of PyTorch >= 1.6), or damaged: compressed entry "
                            "'archive/data.pkl'"),
            std::string::npos)
    << pth.output;

  // A 1 GiB VIA CSV (one line; sparse, so it takes no disk): refused from its size.
  const fs::path csv = root / "line.csv";
  sinus::WriteFileAtomically(csv, "filename,file_size,file_attributes,region_count,region_id,region_shape_attributes,region_attributes\n");
  fs::resize_file(csv, std::uintmax_t{ 1 } << 30);
  const CommandResult line = RunSinusSeg("import-via --csv '" + csv.string() + "' --images '" + root.string() + "' --out '" +
                                         (root / "masks").string() + "'");
  EXPECT_EQ(line.status, 1) << line.output;
  EXPECT_NE(line.output.find("line.csv: 1073741824 bytes, more than the 64 MiB"), std::string::npos) << line.output;
  EXPECT_FALSE(fs::exists(root / "masks"));
}
