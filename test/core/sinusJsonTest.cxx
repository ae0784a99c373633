#include "sinus/Json.h"

#include <gtest/gtest.h>

using sinus::Json;

TEST(Json, ParsesEveryValueType)
{
  const Json j = Json::Parse(R"( {"a": [1, -2.5e3, true, false, null, "x\"y\u00e9\ud83d\ude00"], "b": {}} )");
  ASSERT_TRUE(j.IsObject());
  const auto & a = j.At("a").AsArray();
  ASSERT_EQ(a.size(), 6u);
  EXPECT_EQ(a[0].AsInteger(), 1);
  EXPECT_DOUBLE_EQ(a[1].AsNumber(), -2500.0);
  EXPECT_TRUE(a[2].AsBoolean());
  EXPECT_FALSE(a[3].AsBoolean());
  EXPECT_TRUE(a[4].IsNull());
  EXPECT_EQ(a[5].AsString(), "x\"y\xC3\xA9\xF0\x9F\x98\x80");
  EXPECT_TRUE(j.At("b").AsObject().empty());
}

TEST(Json, DumpReadsBackIdentically)
{
  const Json j = Json::Parse(R"({"pi": 3.141592653589793, "tiny": 1e-300, "big": 12345678901, "s": "a\nb\t\u0001", "n": [0.1, 0.2]})");
  for (int indent : { -1, 0, 2 })
  {
    EXPECT_EQ(Json::Parse(j.Dump(indent)), j) << j.Dump(indent);
  }
  EXPECT_EQ(Json(0.1).Dump(), "0.1");
  EXPECT_EQ(Json(3).Dump(), "3");
}

TEST(Json, KeepsKeyOrder)
{
  Json j = Json::Object();
  j["z"] = 1;
  j["a"] = 2;
  EXPECT_EQ(j.Dump(), R"({"z":1,"a":2})");
}

TEST(Json, ReportsLineAndColumnOfErrors)
{
  try
  {
    Json::Parse("{\n  \"a\": 1,\n  \"b\": [1, 2,, 3]\n}");
    FAIL() << "no error";
  }
  catch (const sinus::JsonParseError & e)
  {
    EXPECT_EQ(e.Line(), 3);
    EXPECT_EQ(e.Column(), 14);
  }
  for (const char * bad : { "", "{", "[1,]", "{\"a\" 1}", "tru", "\"abc", "01", "1.", "{\"a\":1,\"a\":2}", "\"\\x\"", "1 2" })
  {
    EXPECT_THROW(Json::Parse(bad), sinus::JsonParseError) << bad;
  }
}

TEST(Json, TypedAccessNamesTheMismatch)
{
  const Json j = Json::Parse(R"({"n": 1.5})");
  EXPECT_THROW(j.At("n").AsString(), std::runtime_error);
  EXPECT_THROW(j.At("n").AsInteger(), std::runtime_error);
  EXPECT_THROW(j.At("missing"), std::runtime_error);
  try
  {
    j.At("n").AsArray();
  }
  catch (const std::runtime_error & e)
  {
    EXPECT_STREQ(e.what(), "expected a JSON array, found number");
  }
}
