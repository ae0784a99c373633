// SPDX-License-Identifier: Apache-2.0
// Annotation rounds as a user runs them: `suggest` on a finished run, the VIA project corrected
// and imported into the datalist, the next round trained with `--resume-from`.
#include "sinus/Csv.h"
#include "sinus/FileUtilities.h"
#include "sinus/Json.h"
#include "sinus/SegmentationMetrics.h"
#include "sinusImageIO.h"
#include "sinusTestSupport.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <sstream>

namespace fs = std::filesystem;
using sinus::Json;

namespace
{
CommandResult
RunSinusSeg(const std::string & arguments)
{
  return RunCommand(SINUSSEG_EXECUTABLE, arguments);
}

const char * kTinyUNet = " --teacher-arch unet --student-arch unet --input-size 64 --refinement off --teacher-epochs 1 --student-epochs 1 --threads 2";

std::string
Quoted(const fs::path & path)
{
  return "'" + path.string() + "'";
}

/** Phantoms with 7 labelled and 17 unlabelled training images, a copy of one unlabelled image
 *  under another name added as an 18th (a rescan), and a tiny run trained on them. */
fs::path
TrainedRun(const std::string & name)
{
  const fs::path root = ScratchDirectory(name);
  EXPECT_EQ(RunSinusSeg("phantoms --out " + Quoted(root / "set") + " --count 30 --size 256x128 --labeled-fraction 0.3").status, 0);
  fs::copy_file(root / "set" / "images" / "phantom_00012.png", root / "set" / "images" / "rescan_of_00012.png");
  Json datalist = sinus::ParseJson(sinus::ReadTextFile(root / "set" / "dataset.json"));
  datalist["training"].push_back(Json{ { "image", "images/rescan_of_00012.png" } });
  sinus::WriteFileAtomically(root / "set" / "dataset.json", datalist.dump(2));
  const CommandResult trained = RunSinusSeg("train --datalist " + Quoted(root / "set" / "dataset.json") + " --out " + Quoted(root / "run") + kTinyUNet);
  EXPECT_EQ(trained.status, 0) << trained.output;
  return root;
}

std::vector<std::string>
Lines(const std::string & text)
{
  std::vector<std::string> lines;
  std::istringstream       in(text);
  for (std::string line; std::getline(in, line);)
    lines.push_back(line);
  return lines;
}

std::set<std::string>
ImagesOf(const Json & datalist, const std::string & list, bool labelled)
{
  std::set<std::string> names;
  for (const Json & e : datalist.at(list))
    if (e.contains("label") == labelled)
      names.insert(fs::path(e.at("image").get<std::string>()).filename().string());
  return names;
}
} // namespace

TEST(SuggestCommand, RanksUnlabelledImagesOnlyDeterministicallyAndSkipsTheRescan)
{
  const fs::path root = TrainedRun("suggest_ranks");
  ASSERT_TRUE(fs::exists(root / "run" / "datalist.json")); // the run keeps the datalist it was trained on
  const Json                  datalist = sinus::ParseJson(sinus::ReadTextFile(root / "set" / "dataset.json"));
  const std::set<std::string> unlabelled = ImagesOf(datalist, "training", false);
  ASSERT_GT(unlabelled.size(), 10u);
  const std::string common = "suggest --run " + Quoted(root / "run") + " --seed 3 --max-similarity 0.99 --count " +
                             std::to_string(unlabelled.size()) + " --out ";
  const CommandResult first = RunSinusSeg(common + Quoted(root / "s1"));
  ASSERT_EQ(first.status, 0) << first.output;
  ASSERT_EQ(RunSinusSeg(common + Quoted(root / "s2")).status, 0);
  for (const char * file : { "suggestions.csv", "suggestions.json", "via_project.csv", "images.txt" })
    EXPECT_EQ(sinus::ReadTextFile(root / "s1" / file), sinus::ReadTextFile(root / "s2" / file)) << file;

  const Json                  ranking = sinus::ParseJson(sinus::ReadTextFile(root / "s1" / "suggestions.json"));
  EXPECT_EQ(ranking.at("candidates").get<size_t>(), unlabelled.size());
  EXPECT_FALSE(ranking.at("dropout").is_null()); // the U-Net has feature dropout
  // Every unlabelled image asked for, all but one picked: the rescan and its original are never
  // both suggested.
  const std::vector<std::string> picks = Lines(sinus::ReadTextFile(root / "s1" / "images.txt"));
  EXPECT_EQ(picks.size(), unlabelled.size() - 1);
  std::set<std::string> picked;
  for (const std::string & p : picks)
    picked.insert(fs::path(p).filename().string());
  EXPECT_NE(picked.count("phantom_00012.png") + picked.count("rescan_of_00012.png"), 2u);
  for (const std::string & p : picked)
    EXPECT_EQ(unlabelled.count(p), 1u) << p << " is not an unlabelled training image";
  int duplicates = 0;
  for (const Json & e : ranking.at("ranking"))
    if (e.contains("near_duplicate_of"))
    {
      ++duplicates;
      EXPECT_EQ(e.at("rank").get<int>(), 0);
      EXPECT_GT(e.at("similarity").get<double>(), 0.99);
      EXPECT_NE(e.at("reasons").get<std::string>().find("teacher-student HD95"), std::string::npos);
    }
  EXPECT_EQ(duplicates, 1);
  size_t overlays = 0;
  for (const auto & entry : fs::directory_iterator(root / "s1" / "overlays"))
    overlays += entry.path().extension() == ".png";
  EXPECT_EQ(overlays, picks.size());
  EXPECT_EQ(Lines(sinus::ReadTextFile(root / "s1" / "suggestions.csv")).size(), unlabelled.size() + 1);

  // The random control: another order, same files.
  const CommandResult random = RunSinusSeg("suggest --run " + Quoted(root / "run") + " --strategy random --seed 3 --count 5 --out " + Quoted(root / "r"));
  ASSERT_EQ(random.status, 0) << random.output;
  EXPECT_EQ(Lines(sinus::ReadTextFile(root / "r" / "images.txt")).size(), 5u);

  // Stratified: every candidate in one group of alike radiographs, grouped with the labelled
  // images; the groups' counts add up to the candidates and the labelled images.
  const CommandResult stratified = RunSinusSeg("suggest --run " + Quoted(root / "run") + " --strategy stratified --seed 3 --count 3 --out " + Quoted(root / "g"));
  ASSERT_EQ(stratified.status, 0) << stratified.output;
  const Json                                     grouped = sinus::ParseJson(sinus::ReadTextFile(root / "g" / "suggestions.json"));
  std::map<int64_t, std::pair<int64_t, int64_t>> groups; ///< group -> (candidates, labelled) as reported
  std::map<int64_t, int64_t>                     seen;   ///< group -> candidates listed in it
  int                                            stratifiedPicks = 0;
  for (const Json & e : grouped.at("ranking"))
  {
    ASSERT_TRUE(e.contains("group")) << e.dump();
    const Json & g = e.at("group");
    groups[g.at("index").get<int64_t>()] = { g.at("candidates").get<int64_t>(), g.at("labelled").get<int64_t>() };
    ++seen[g.at("index").get<int64_t>()];
    stratifiedPicks += e.at("rank").get<int>() > 0;
  }
  EXPECT_EQ(grouped.at("strategy"), "stratified");
  EXPECT_EQ(stratifiedPicks, 3);
  int64_t labelledTotal = 0;
  for (const auto & [index, counts] : groups)
  {
    EXPECT_EQ(counts.first, seen[index]) << "group " << index;
    labelledTotal += counts.second;
  }
  EXPECT_EQ(labelledTotal, static_cast<int64_t>(ImagesOf(datalist, "training", true).size()));
  EXPECT_NE(sinus::ReadTextFile(root / "g" / "suggestions.csv").find(",group,group_candidates,group_labelled,reasons"), std::string::npos);
  EXPECT_FALSE(ranking.at("ranking").at(0).contains("group")); // the informative strategy groups nothing
}

TEST(SuggestCommand, ViaRoundTripLabelsTheDatalistAndTheNextRoundResumes)
{
  const fs::path      root = TrainedRun("suggest_round_trip");
  const fs::path      datalist = root / "set" / "dataset.json";
  const CommandResult suggested = RunSinusSeg("suggest --run " + Quoted(root / "run") + " --count 4 --max-similarity 0.99 --out " + Quoted(root / "s"));
  ASSERT_EQ(suggested.status, 0) << suggested.output;
  const std::vector<std::string> picks = Lines(sinus::ReadTextFile(root / "s" / "images.txt"));
  ASSERT_EQ(picks.size(), 4u);

  // The student's own masks of the picks, as `predict` makes them.
  fs::create_directories(root / "picked");
  for (const std::string & p : picks)
    fs::create_symlink(p, root / "picked" / fs::path(p).filename());
  const CommandResult predicted = RunSinusSeg("predict --model " + Quoted(root / "run" / "student.sinusseg") + " --input " +
                                              Quoted(root / "picked") + " --output " + Quoted(root / "predicted"));
  ASSERT_EQ(predicted.status, 0) << predicted.output;

  // The uncorrected VIA project imported into the datalist: the masks come back (VIA polygons
  // have no holes, the polygons are simplified by half a pixel).
  const std::string   before = sinus::ReadTextFile(datalist);
  const Json          original = sinus::ParseJson(before);
  const size_t        labelledBefore = ImagesOf(original, "training", true).size(), unlabelledBefore = ImagesOf(original, "training", false).size();
  const std::string   import = "import-via --csv " + Quoted(root / "s" / "via_project.csv") + " --images " + Quoted(root / "set" / "images") +
                             " --datalist " + Quoted(datalist) + " --out ";
  const CommandResult imported = RunSinusSeg(import + Quoted(root / "masks1"));
  ASSERT_EQ(imported.status, 0) << imported.output;
  EXPECT_NE(imported.output.find("labelled 4 training images"), std::string::npos) << imported.output;
  for (const std::string & p : picks)
  {
    const std::string name = fs::path(p).filename().replace_extension(".png").string();
    const auto        back = sinus::ImageToRaster(sinus::ReadMask((root / "masks1" / name).string()).GetPointer());
    const auto        original = sinus::ImageToRaster(sinus::ReadMask((root / "predicted" / name).string()).GetPointer());
    ASSERT_EQ(back.data.size(), original.data.size());
    EXPECT_GE(sinus::DiceCoefficient(back.data.data(), original.data.data(), back.data.size()), 0.98) << name;
  }
  const Json labelled = sinus::ParseJson(sinus::ReadTextFile(datalist));
  for (const std::string & p : picks)
    EXPECT_EQ(ImagesOf(labelled, "training", true).count(fs::path(p).filename().string()), 1u) << p;
  EXPECT_EQ(ImagesOf(labelled, "training", false).size(), unlabelledBefore - 4);
  EXPECT_NE(sinus::ReadTextFile(datalist), before);

  // Importing the same images again is refused: nothing written, the datalist unchanged.
  const std::string   now = sinus::ReadTextFile(datalist);
  const CommandResult again = RunSinusSeg(import + Quoted(root / "masks2"));
  EXPECT_EQ(again.status, 1);
  EXPECT_NE(again.output.find("already labelled"), std::string::npos) << again.output;
  EXPECT_FALSE(fs::exists(root / "masks2"));
  EXPECT_EQ(sinus::ReadTextFile(datalist), now);
  // So is a test image.
  const std::string testImage = fs::path(labelled.at("test")[0].at("image").get<std::string>()).filename().string();
  sinus::WriteFileAtomically(root / "test_image.csv", "filename,file_size,file_attributes,region_count,region_id,region_shape_attributes,region_attributes\n" +
                                                        testImage + ",1,\"{}\",0,0,\"{}\",\"{}\"\n");
  const CommandResult test = RunSinusSeg("import-via --csv " + Quoted(root / "test_image.csv") + " --images " + Quoted(root / "set" / "images") +
                                         " --datalist " + Quoted(datalist) + " --out " + Quoted(root / "masks3"));
  EXPECT_EQ(test.status, 1);
  EXPECT_NE(test.output.find("a test image: never labelled for training"), std::string::npos) << test.output;
  EXPECT_FALSE(fs::exists(root / "masks3"));
  EXPECT_EQ(sinus::ReadTextFile(datalist), now);

  // The next round: its teacher starts from the previous round's, on 4 more labels.
  const CommandResult next = RunSinusSeg("train --datalist " + Quoted(datalist) + " --out " + Quoted(root / "run2") + " --resume-from " +
                                         Quoted(root / "run") + kTinyUNet);
  ASSERT_EQ(next.status, 0) << next.output;
  EXPECT_NE(next.output.find("fine-tuning on " + std::to_string(labelledBefore + 4) + " labelled images"), std::string::npos) << next.output;
  EXPECT_NE(next.output.find("starting from " + fs::canonical(root / "run").string() + "/teacher.sinusseg"), std::string::npos) << next.output;
  const Json config = sinus::ParseJson(sinus::ReadTextFile(root / "run2" / "config.json"));
  EXPECT_EQ(config.at("resume_from").get<std::string>(), fs::canonical(root / "run").string());
  const Json copy = sinus::ParseJson(sinus::ReadTextFile(root / "run2" / "datalist.json"));
  EXPECT_EQ(ImagesOf(copy, "training", false).size(), unlabelledBefore - 4);
  // The next suggestions come from the new run's unlabelled images: none of the imported ones.
  ASSERT_EQ(RunSinusSeg("suggest --run " + Quoted(root / "run2") + " --count " + std::to_string(unlabelledBefore - 4) + " --max-similarity 1 --out " + Quoted(root / "s2")).status, 0);
  for (const std::string & p : Lines(sinus::ReadTextFile(root / "s2" / "images.txt")))
    EXPECT_EQ(std::count(picks.begin(), picks.end(), p), 0) << p;

  // Other networks cannot continue that run; nothing is left behind.
  const CommandResult other = RunSinusSeg("train --datalist " + Quoted(datalist) + " --out " + Quoted(root / "run3") + " --resume-from " +
                                          Quoted(root / "run") + " --teacher-arch nnunet --student-arch nnunet --input-size 64 --teacher-epochs 1");
  EXPECT_NE(other.status, 0);
  EXPECT_NE(other.output.find("--resume-from " + (root / "run").string() + ": its teacher_model is"), std::string::npos) << other.output;
  EXPECT_FALSE(fs::exists(root / "run3"));
}

TEST(SuggestCommand, RefusesUnfinishedRunsAndBadSettingsWithoutOutput)
{
  const fs::path root = ScratchDirectory("suggest_refuses");
  ASSERT_EQ(RunSinusSeg("phantoms --out " + Quoted(root / "set") + " --count 12 --size 256x128 --labeled-fraction 0.5").status, 0);
  ASSERT_EQ(RunSinusSeg("train --datalist " + Quoted(root / "set" / "dataset.json") + " --out " + Quoted(root / "run") + kTinyUNet +
                        " --stage teacher")
              .status,
            0);
  const CommandResult noStudent = RunSinusSeg("suggest --run " + Quoted(root / "run") + " --count 2 --out " + Quoted(root / "s"));
  EXPECT_EQ(noStudent.status, 1);
  EXPECT_NE(noStudent.output.find((root / "run" / "student.sinusseg").string() + " is missing"), std::string::npos) << noStudent.output;
  EXPECT_FALSE(fs::exists(root / "s"));
  for (const char * bad : { " --count 0", " --count 2 --strategy best", " --count 2 --max-similarity 1.5", " --count 2 --weight-hd95 -1" })
  {
    const CommandResult refused = RunSinusSeg("suggest --run " + Quoted(root / "run") + " --out " + Quoted(root / "s") + bad);
    EXPECT_EQ(refused.status, 2) << bad << "\n" << refused.output;
    EXPECT_FALSE(fs::exists(root / "s"));
  }
}
