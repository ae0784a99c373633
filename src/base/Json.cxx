// SPDX-License-Identifier: Apache-2.0
#include "sinus/Json.h"

#include <algorithm>
#include <cmath>
#include <set>

namespace sinus
{

JsonParseError::JsonParseError(const std::string & message, int line, int column)
  : std::runtime_error(line > 0 ? "line " + std::to_string(line) + ", column " + std::to_string(column) + ": " + message : message)
  , m_Line(line)
  , m_Column(column)
{}

namespace
{
/** nlohmann reports a byte offset; users look for lines and columns. */
std::pair<int, int>
LineAndColumn(const std::string & text, size_t byte)
{
  int line = 1, column = 1;
  for (size_t i = 0; i < std::min(byte, text.size()); ++i)
  {
    if (text[i] == '\n')
    {
      ++line;
      column = 1;
    }
    else
      ++column;
  }
  return { line, column };
}
} // namespace

Json
ParseJson(const std::string & text)
{
  // Keys seen in each open object, to refuse duplicates that nlohmann would silently overwrite.
  std::vector<std::set<std::string>> openObjects;
  const Json::parser_callback_t      callback = [&](int, Json::parse_event_t event, Json & parsed) {
    if (event == Json::parse_event_t::object_start)
      openObjects.emplace_back();
    else if (event == Json::parse_event_t::object_end && !openObjects.empty())
      openObjects.pop_back();
    else if (event == Json::parse_event_t::key && !openObjects.empty() &&
             !openObjects.back().insert(parsed.get<std::string>()).second)
      throw JsonParseError("duplicate key \"" + parsed.get<std::string>() + "\" in one object", 0, 0);
    return true;
  };
  try
  {
    return Json::parse(text, callback);
  }
  catch (const Json::parse_error & e)
  {
    const auto [line, column] = LineAndColumn(text, e.byte > 0 ? e.byte - 1 : 0);
    std::string message = e.what();
    const size_t cut = message.find(": ", message.find("parse error"));
    if (cut != std::string::npos)
      message = message.substr(cut + 2);
    throw JsonParseError(message, line, column);
  }
}

const Json *
FindJsonMember(const Json & object, const std::string & key)
{
  if (!object.is_object())
    return nullptr;
  const auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

int64_t
JsonInteger(const Json & value)
{
  if (value.is_number_integer())
    return value.get<int64_t>();
  if (value.is_number_float())
  {
    const double d = value.get<double>();
    if (std::floor(d) == d && std::abs(d) < 9.2e18)
      return static_cast<int64_t>(d);
    throw std::runtime_error("expected an integer, found " + value.dump());
  }
  throw std::runtime_error(std::string("expected an integer, found ") + value.type_name());
}

void
RequireKnownKeys(const Json & object, const std::vector<std::string> & known, const std::string & where)
{
  if (!object.is_object())
    throw std::runtime_error(where + ": expected a JSON object");
  for (const auto & [key, value] : object.items())
  {
    if (std::find(known.begin(), known.end(), key) != known.end())
      continue;
    std::string list;
    for (const auto & k : known)
      list += (list.empty() ? "" : ", ") + k;
    throw std::runtime_error(where + ": unknown setting '" + key + "' (known: " + list + ")");
  }
}

} // namespace sinus
