// SPDX-License-Identifier: Apache-2.0
// The project's rules on top of nlohmann's JSON: positions in parse errors, no duplicate keys,
// exact integers, field readers that name the setting, refusal of unknown settings.
#include "sinus/Json.h"

#include <gtest/gtest.h>

using sinus::Json;

TEST(Json, ReportsLineAndColumnOfErrors)
{
  try
  {
    sinus::ParseJson("{\n  \"a\": 1,\n  \"b\": [1, 2,, 3]\n}");
    FAIL() << "no error";
  }
  catch (const sinus::JsonParseError & e)
  {
    EXPECT_EQ(e.Line(), 3);
    EXPECT_EQ(e.Column(), 14);
    EXPECT_NE(std::string(e.what()).find("line 3, column 14"), std::string::npos) << e.what();
  }
  for (const char * bad : { "", "{", "[1,]", "{\"a\" 1}", "tru", "\"abc", "01", "1.", "\"\\x\"", "1 2" })
    EXPECT_THROW(sinus::ParseJson(bad), sinus::JsonParseError) << bad;
}

TEST(Json, RefusesDuplicateKeys)
{
  EXPECT_THROW(sinus::ParseJson(R"({"a": 1, "a": 2})"), sinus::JsonParseError);
  EXPECT_THROW(sinus::ParseJson(R"({"x": {"b": 1, "b": 1}})"), sinus::JsonParseError);
  EXPECT_NO_THROW(sinus::ParseJson(R"({"a": {"a": 1}, "b": [{"a": 1}, {"a": 2}]})"));
}

TEST(Json, KeepsKeyOrderAndReadsBackExactly)
{
  Json j = Json::object();
  j["z"] = 1;
  j["a"] = 0.1;
  j["t"] = 1e-300;
  EXPECT_EQ(j.dump(), R"({"z":1,"a":0.1,"t":1e-300})");
  EXPECT_EQ(sinus::ParseJson(j.dump(2)), j);
}

TEST(Json, IntegersMustBeExact)
{
  const Json j = sinus::ParseJson(R"({"a": 3, "b": 3.0, "c": 1.5, "d": "3", "e": -1, "f": 300})");
  EXPECT_EQ(sinus::JsonInteger(j.at("a")), 3);
  EXPECT_EQ(sinus::JsonInteger(j.at("b")), 3);
  EXPECT_THROW(sinus::JsonInteger(j.at("c")), std::runtime_error);
  EXPECT_THROW(sinus::JsonInteger(j.at("d")), std::runtime_error);
  int64_t  epochs = 0;
  uint64_t seed = 0;
  uint8_t  small = 0;
  sinus::ReadJsonField(j, "a", epochs, "training");
  EXPECT_EQ(epochs, 3);
  try
  {
    sinus::ReadJsonField(j, "c", epochs, "training");
    FAIL() << "1.5 read as an integer";
  }
  catch (const std::runtime_error & e)
  {
    EXPECT_EQ(std::string(e.what()).rfind("training.c: ", 0), 0u) << e.what();
  }
  EXPECT_THROW(sinus::ReadJsonField(j, "e", seed, "training"), std::runtime_error);
  EXPECT_THROW(sinus::ReadJsonField(j, "f", small, "training"), std::runtime_error);
  sinus::ReadJsonField(j, "missing", epochs, "training");
  EXPECT_EQ(epochs, 3);
}

TEST(Json, UnknownSettingsAreNamed)
{
  const Json j = sinus::ParseJson(R"({"epochs": 1, "epochz": 2})");
  try
  {
    sinus::RequireKnownKeys(j, { "epochs" }, "teacher");
    FAIL() << "unknown key accepted";
  }
  catch (const std::runtime_error & e)
  {
    EXPECT_STREQ(e.what(), "teacher: unknown setting 'epochz' (known: epochs)");
  }
  EXPECT_EQ(sinus::FindJsonMember(j, "nope"), nullptr);
  EXPECT_EQ(sinus::FindJsonMember(Json::array(), "epochs"), nullptr);
}
