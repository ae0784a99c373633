// SPDX-License-Identifier: Apache-2.0
// The commands under Debian's torchrun, two processes on this CPU: predict shares a folder among
// the ranks and writes every mask once; train runs every stage data-parallel; a rank killed in
// the middle of training ends the job with an error, and one process resumes the run from the
// last checkpoint; commands that run in one process refuse a launcher.
#include "sinus/FileUtilities.h"
#include "sinusTestSupport.h"

#include <gtest/gtest.h>

#include <cmath>
#include <csignal>
#include <chrono>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

namespace fs = std::filesystem;

namespace
{
/** Debian's torchrun needs --redirects 1 --tee 1 (Documentation/Distributed.md); the rendezvous
 *  takes a free port (TorchrunOnThisMachine). Collectives give up after 120 s instead of PyTorch's
 *  30 minutes. */
std::string
TwoRanks(const std::string & arguments)
{
  return "SINUSSEG_DISTRIBUTED_TIMEOUT=120 timeout 600 " + TorchrunOnThisMachine(2) +
         std::string(SINUSSEG_EXECUTABLE) + " " + arguments;
}

CommandResult
RunTwoRanks(const std::string & arguments)
{
  return RunCommand("env", TwoRanks(arguments));
}

CommandResult
RunSinusSeg(const std::string & arguments)
{
  return RunCommand(SINUSSEG_EXECUTABLE, arguments);
}

/** How many times `needle` occurs in `text`. */
size_t
Occurrences(const std::string & text, const std::string & needle)
{
  size_t count = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1))
    ++count;
  return count;
}

std::string
MakePhantoms(const fs::path & root, int count)
{
  const CommandResult made = RunSinusSeg("phantoms --out '" + (root / "set").string() + "' --count " + std::to_string(count) +
                                         " --size 256x128 --labeled-fraction 0.5");
  EXPECT_EQ(made.status, 0) << made.output;
  return (root / "set" / "dataset.json").string();
}

/** The lines of a training log after its header. */
size_t
LoggedEpochs(const fs::path & log)
{
  std::ifstream in(log);
  std::string   line;
  size_t        lines = 0;
  while (std::getline(in, line))
    lines += line.empty() ? 0 : 1;
  return lines > 0 ? lines - 1 : 0;
}

/** The process whose command line mentions `marker` and whose environment says RANK=`rank`. */
pid_t
FindRankProcess(const std::string & marker, int rank)
{
  for (const auto & entry : fs::directory_iterator("/proc"))
  {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos)
      continue;
    std::ifstream commandLine(entry.path() / "cmdline"), environment(entry.path() / "environ");
    const std::string command((std::istreambuf_iterator<char>(commandLine)), std::istreambuf_iterator<char>());
    const std::string variables((std::istreambuf_iterator<char>(environment)), std::istreambuf_iterator<char>());
    if (command.find(marker) != std::string::npos && command.find("sinusseg") != std::string::npos &&
        command.find("torchrun") == std::string::npos && ('\0' + variables).find(std::string("\0RANK=", 6) + std::to_string(rank) + '\0') != std::string::npos)
      return static_cast<pid_t>(std::stol(name));
  }
  return 0;
}
} // namespace

TEST(DistributedCommands, PredictSharesAFolderAndWritesEveryMaskOnce)
{
  const fs::path root = ScratchDirectory("dist_predict");
  MakePhantoms(root, 5);
  const std::string golden = SharedDirectory() + "/reference/golden/";
  const std::string model = "--checkpoint '" + golden + "tiny_sam.pth' --model-config '" + golden + "tiny_sam_config.json'";
  const std::string images = (root / "set" / "images").string();
  const CommandResult alone = RunSinusSeg("predict " + model + " --input '" + images + "' --output '" + (root / "alone").string() + "'");
  ASSERT_EQ(alone.status, 0) << alone.output;
  const CommandResult shared = RunTwoRanks("predict " + model + " --input '" + images + "' --output '" + (root / "shared").string() + "'");
  ASSERT_EQ(shared.status, 0) << shared.output;
  // Five images: rank 0 takes three, rank 1 two; each mask is written once, as one process writes it.
  size_t files = 0;
  for (const auto & image : fs::directory_iterator(images))
  {
    const std::string mask = image.path().stem().string() + ".png";
    EXPECT_EQ(Occurrences(shared.output, "-> " + mask), 1u) << mask << "\n" << shared.output;
    EXPECT_EQ(sinus::ReadTextFile(root / "shared" / mask), sinus::ReadTextFile(root / "alone" / mask)) << mask;
    ++files;
  }
  EXPECT_EQ(files, 5u);
  EXPECT_EQ(std::distance(fs::directory_iterator(root / "shared"), fs::directory_iterator()), 5);
  EXPECT_NE(shared.output.find("data-parallel: rank 1 of 2"), std::string::npos) << shared.output;

  // An unreadable image on one rank's share: every rank fails and nothing appears.
  fs::copy(images, root / "broken");
  std::ofstream(root / "broken" / "phantom_00004.png") << "not an image";
  const CommandResult broken = RunTwoRanks("predict " + model + " --input '" + (root / "broken").string() + "' --output '" +
                                           (root / "never").string() + "'");
  EXPECT_NE(broken.status, 0) << broken.output;
  EXPECT_NE(broken.output.find("phantom_00004.png"), std::string::npos) << broken.output;
  EXPECT_NE(broken.output.find("failed on another rank"), std::string::npos) << broken.output;
  EXPECT_FALSE(fs::exists(root / "never"));
  for (const auto & entry : fs::directory_iterator(root))
    EXPECT_EQ(entry.path().filename().string().find(".never"), std::string::npos) << "staging left behind: " << entry.path();

  // A command that runs in one process refuses a launcher instead of running twice.
  const CommandResult evaluate = RunTwoRanks("evaluate --pred '" + (root / "alone").string() + "' --gt '" +
                                             (root / "set" / "masks").string() + "'");
  EXPECT_NE(evaluate.status, 0) << evaluate.output;
  EXPECT_NE(evaluate.output.find("runs in one process"), std::string::npos) << evaluate.output;
}

TEST(DistributedCommands, TrainRunsEveryStageOnTwoRanks)
{
  const fs::path    root = ScratchDirectory("dist_train");
  const std::string datalist = MakePhantoms(root, 12);
  const fs::path    out = root / "run";
  const CommandResult trained = RunTwoRanks("train --datalist '" + datalist + "' --out '" + out.string() +
                                            "' --teacher-epochs 2 --student-epochs 1 --refiner-epochs 1");
  ASSERT_EQ(trained.status, 0) << trained.output;
  for (const char * file : { "teacher.sinusseg", "pseudo_labels.pt", "refiner.sinusseg", "refined_pseudo_labels.pt", "student.sinusseg",
                             "teacher_log.csv", "student_log.csv", "evaluation.json", "report.md" })
    EXPECT_TRUE(fs::exists(out / file)) << file << "\n" << trained.output;
  EXPECT_EQ(LoggedEpochs(out / "teacher_log.csv"), 2u);
  // Rank 0 alone reports epochs and writes the report.
  EXPECT_EQ(Occurrences(trained.output, "teacher: epoch 2/2"), 1u) << trained.output;
  EXPECT_EQ(Occurrences(trained.output, "report: "), 1u) << trained.output;
  for (const auto & entry : fs::directory_iterator(out))
    EXPECT_EQ(entry.path().filename().string().find(".tmp"), std::string::npos) << entry.path();
}

TEST(DistributedCommands, AKilledRankEndsTrainingAndOneProcessResumesFromTheCheckpoint)
{
  const fs::path    root = ScratchDirectory("dist_kill");
  const std::string datalist = MakePhantoms(root, 12);
  const fs::path    out = root / "run";
  const std::string training = "train --datalist '" + datalist + "' --out '" + out.string() + "' --stage teacher --teacher-epochs 12";
  const fs::path    log = root / "job.log", status = root / "job.status";
  // The job in the background, its exit status in a file when it ends.
  ASSERT_EQ(std::system(("(env " + TwoRanks(training) + " > '" + log.string() + "' 2>&1; echo $? > '" + status.string() + "') &").c_str()), 0);
  const auto start = std::chrono::steady_clock::now();
  const auto waited = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
  while (LoggedEpochs(out / "teacher_log.csv") < 1 && !fs::exists(status) && waited() < 300)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ASSERT_FALSE(fs::exists(status)) << "the job ended before its first epoch:\n" << sinus::ReadTextFile(log);
  const pid_t rank1 = FindRankProcess(out.string(), 1);
  ASSERT_GT(rank1, 0) << sinus::ReadTextFile(log);
  ASSERT_EQ(::kill(rank1, SIGKILL), 0);
  const double killedAt = waited();
  while (!fs::exists(status) && waited() < killedAt + 200)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ASSERT_TRUE(fs::exists(status)) << "the job did not end after a rank was killed";
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const int         exitStatus = std::stoi(sinus::ReadTextFile(status));
  const std::string output = sinus::ReadTextFile(log);
  EXPECT_NE(exitStatus, 0) << output;
  EXPECT_NE(exitStatus, 124) << "the job hung until the time limit:\n" << output;
  EXPECT_LT(waited() - killedAt, 60.0) << output;
  // The survivor names its stage and rank; which collective it was in depends on when the kill landed.
  EXPECT_NE(output.find("teacher stage: rank 0 of 2: "), std::string::npos) << output;
  EXPECT_NE(output.find("a rank stopped or did not answer in time"), std::string::npos) << output;
  const size_t epochsBefore = LoggedEpochs(out / "teacher_log.csv");
  EXPECT_LT(epochsBefore, 12u) << output;
  EXPECT_TRUE(fs::exists(out / "teacher.checkpoint"));

  // One process resumes the two processes' run from its last checkpoint.
  const CommandResult resumed = RunSinusSeg(training + " --resume --threads 2");
  ASSERT_EQ(resumed.status, 0) << resumed.output;
  EXPECT_NE(resumed.output.find("epoch " + std::to_string(epochsBefore + 1) + "/12"), std::string::npos) << resumed.output;
  EXPECT_EQ(resumed.output.find("epoch 1/12"), std::string::npos) << resumed.output;
  EXPECT_EQ(LoggedEpochs(out / "teacher_log.csv"), 12u);
  EXPECT_TRUE(fs::exists(out / "teacher.sinusseg"));
}

namespace
{
/** The second column of a training log (epoch,loss,... or epoch,total,...), one value per epoch. */
std::vector<double>
LoggedLosses(const fs::path & log)
{
  std::ifstream       in(log);
  std::string         line;
  std::vector<double> losses;
  std::getline(in, line); // header
  while (std::getline(in, line))
    losses.push_back(std::stod(line.substr(line.find(',') + 1)));
  return losses;
}
} // namespace

TEST(DistributedCommands, PretrainOnTwoRanksWithBatchBFollowsOneProcessWithBatch2B)
{
  // Seven images at four per step: steps of 4 and 3 images, so the ranks' shares differ.
  const fs::path    root = ScratchDirectory("dist_pretrain");
  const std::string images = (fs::path(MakePhantoms(root, 7)).parent_path() / "images").string();
  const std::string pretrain = "pretrain --images '" + images + "' --arch unet --input-size 64 --epochs 2";
  const CommandResult alone = RunSinusSeg(pretrain + " --batch 4 --threads 1 --out '" + (root / "alone").string() + "'");
  ASSERT_EQ(alone.status, 0) << alone.output;
  const CommandResult shared = RunTwoRanks(pretrain + " --batch 2 --out '" + (root / "shared").string() + "'");
  ASSERT_EQ(shared.status, 0) << shared.output;
  EXPECT_EQ(Occurrences(shared.output, "epoch 2/2"), 1u) << shared.output;
  const std::vector<double> one = LoggedLosses(root / "alone" / "pretraining_log.csv");
  const std::vector<double> two = LoggedLosses(root / "shared" / "pretraining_log.csv");
  ASSERT_EQ(one.size(), 2u);
  ASSERT_EQ(two.size(), 2u);
  // The same images, flips and masks in the same steps; only the order of float sums differs.
  for (size_t epoch = 0; epoch < 2; ++epoch)
    EXPECT_NEAR(two[epoch], one[epoch], 1e-4 * std::fabs(one[epoch])) << "epoch " << epoch + 1;
  EXPECT_TRUE(fs::exists(root / "shared" / "pretrained.sinusseg"));
}

TEST(DistributedCommands, TrainRefinerOnTwoRanksWithBatchBFollowsOneProcessWithBatch2B)
{
  // Five teacher masks and their truths at two per rank: steps of 4 masks and of 1 (rank 1 has none).
  // Without history pools (size 0) the discriminators see the same fakes in both runs.
  const fs::path root = ScratchDirectory("dist_refiner");
  MakePhantoms(root, 10);
  const fs::path masks = root / "set" / "masks";
  for (const char * folder : { "teacher", "truth" })
    fs::create_directories(root / folder);
  int copied = 0;
  for (const auto & mask : fs::directory_iterator(masks))
    if (copied++ < 5)
      for (const char * folder : { "teacher", "truth" })
        fs::copy_file(mask.path(), root / folder / mask.path().filename());
  sinus::WriteFileAtomically(root / "refiner.json", R"({"refiner": {"generator_filters": 4, "generator_blocks": 1,
    "discriminator_filters": 4, "discriminator_layers": 1, "correction_filters": 4, "cbam_reduction": 2},
    "refiner_training": {"history_pool_size": 0}})");
  const std::string common = "train-refiner --paired-teacher '" + (root / "teacher").string() + "' --paired-truth '" + (root / "truth").string() +
                             "' --preset small --working-size 32x16 --lr 1e-3 --epochs 2 --config '" + (root / "refiner.json").string() + "'";
  const CommandResult alone = RunSinusSeg(common + " --batch 4 --threads 1 --out '" + (root / "alone.sinusseg").string() + "'");
  ASSERT_EQ(alone.status, 0) << alone.output;
  const CommandResult shared = RunTwoRanks(common + " --batch 2 --out '" + (root / "shared.sinusseg").string() + "'");
  ASSERT_EQ(shared.status, 0) << shared.output;
  EXPECT_EQ(Occurrences(shared.output, "epoch 2/2"), 1u) << shared.output;
  const std::vector<double> one = LoggedLosses(root / "alone.sinusseg.log.csv");
  const std::vector<double> two = LoggedLosses(root / "shared.sinusseg.log.csv");
  ASSERT_EQ(one.size(), 2u);
  ASSERT_EQ(two.size(), 2u);
  // A GAN at lr 1e-3 amplifies the float-order differences more than pretraining: within 1e-3.
  for (size_t epoch = 0; epoch < 2; ++epoch)
    EXPECT_NEAR(two[epoch], one[epoch], 1e-3 * std::fabs(one[epoch])) << "epoch " << epoch + 1;
  EXPECT_TRUE(fs::exists(root / "shared.sinusseg"));
}
