// SPDX-License-Identifier: Apache-2.0
// The one datalist writer and the seeded split of `sinusseg split`.
#include "sinus/Datalist.h"
#include "sinus/FileUtilities.h"
#include "sinusTestSupport.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <set>

namespace fs = std::filesystem;
using namespace sinus;

namespace
{
std::string
MakeFolders(const std::string & name, int count)
{
  const fs::path root = ScratchDirectory(name);
  fs::create_directories(root / "images");
  fs::create_directories(root / "masks");
  for (int i = 0; i < count; ++i)
  {
    WriteFileAtomically(root / "images" / ("r" + std::to_string(i) + ".png"), "x");
    WriteFileAtomically(root / "masks" / ("r" + std::to_string(i) + ".png"), "x");
  }
  return root.string();
}
} // namespace

TEST(Datalist, WriterKeepsHeaderFirstAndLabelsOptional)
{
  Datalist d;
  d.header["description"] = "test";
  d.training = { { "a.png", "a_mask.png" }, { "b.png", "" } };
  d.test = { { "c.png", "c_mask.png" } };
  const Json j = ParseJson(FormatDatalist(d));
  EXPECT_EQ(j.begin().key(), "description");
  EXPECT_FALSE(j.at("training")[1].contains("label"));
  EXPECT_EQ(j.at("test")[0].at("label").get<std::string>(), "c_mask.png");
  EXPECT_TRUE(j.at("validation").empty());
}

TEST(Datalist, SplitIsSeededAndCountsEveryList)
{
  const std::string root = MakeFolders("datalist_split", 10);
  SplitCounts       counts;
  counts.labelled = 3;
  counts.validation = 2;
  counts.test = 1;
  counts.seed = 7;
  const Datalist a = SplitImageFolders(root + "/images", root + "/masks", counts, root + "/lists");
  const Datalist b = SplitImageFolders(root + "/images", root + "/masks", counts, root + "/lists");
  EXPECT_EQ(FormatDatalist(a), FormatDatalist(b));
  ASSERT_EQ(a.training.size(), 7u); // 3 labelled + the 4 left over, unlabelled
  EXPECT_EQ(a.validation.size(), 2u);
  EXPECT_EQ(a.test.size(), 1u);
  int labelled = 0;
  std::set<std::string> images;
  for (const auto & list : { a.training, a.validation, a.test })
    for (const auto & item : list)
    {
      EXPECT_EQ(item.image.rfind("../images/", 0), 0u) << item.image; // relative to the datalist's folder
      images.insert(item.image);
      labelled += item.label.empty() ? 0 : 1;
    }
  EXPECT_EQ(images.size(), 10u); // every image once
  EXPECT_EQ(labelled, 6);
  counts.seed = 8;
  EXPECT_NE(FormatDatalist(SplitImageFolders(root + "/images", root + "/masks", counts, root + "/lists")), FormatDatalist(a));
}

TEST(Datalist, SplitReportsEveryProblemTogether)
{
  const std::string root = MakeFolders("datalist_problems", 4);
  fs::remove(fs::path(root) / "masks" / "r1.png");
  WriteFileAtomically(fs::path(root) / "masks" / "stray.png", "x");
  SplitCounts counts;
  counts.labelled = 5;
  try
  {
    SplitImageFolders(root + "/images", root + "/masks", counts, root);
    FAIL() << "problems not reported";
  }
  catch (const std::runtime_error & e)
  {
    const std::string m = e.what();
    EXPECT_NE(m.find("3 problem(s)"), std::string::npos) << m;
    EXPECT_NE(m.find("r1: no mask"), std::string::npos) << m;
    EXPECT_NE(m.find("stray.png: no image of that name"), std::string::npos) << m;
    EXPECT_NE(m.find("needs 5 images"), std::string::npos) << m;
  }
  counts.labelled = 0;
  EXPECT_THROW(SplitImageFolders(root + "/images", root + "/masks", counts, root), std::invalid_argument);
}
