// SPDX-License-Identifier: Apache-2.0
#ifndef sinus_Json_h
#define sinus_Json_h

#include <nlohmann/json.hpp>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

namespace sinus
{

/** JSON values of configuration files, datalists, model indexes and VIA attributes: nlohmann's
 *  ordered JSON, so files we write keep their keys in the order we set them. */
using Json = nlohmann::ordered_json;

/** Raised by ParseJson; names the 1-based line and column of the problem when it is known. */
class JsonParseError : public std::runtime_error
{
public:
  JsonParseError(const std::string & message, int line, int column);
  int Line() const { return m_Line; }
  int Column() const { return m_Column; }

private:
  int m_Line;
  int m_Column;
};

/** Parses RFC 8259 JSON. Unlike a plain nlohmann::json::parse, a key repeated within one object
 *  is an error (a configuration must not silently lose one of two settings). */
Json
ParseJson(const std::string & text);

/** The member `key` of an object; nullptr when absent or when `object` is not an object. */
const Json *
FindJsonMember(const Json & object, const std::string & key);

/** A number with no fractional part (1 and 1.0 are integers, 1.5 is not); throws
 *  std::runtime_error naming the value's type otherwise. */
int64_t
JsonInteger(const Json & value);

/** Reads `object[key]` into `value` when present (bool, floating point, integer or string by the
 *  type of `value`); leaves `value` alone when absent. Integers must be exact and within the
 *  range of T. Errors read "<where>.<key>: <problem>". */
template <typename T>
void
ReadJsonField(const Json & object, const char * key, T & value, const std::string & where)
{
  const Json * v = FindJsonMember(object, key);
  if (!v)
    return;
  try
  {
    if constexpr (std::is_same_v<T, bool>)
      value = v->get<bool>();
    else if constexpr (std::is_floating_point_v<T>)
      value = v->get<T>();
    else if constexpr (std::is_same_v<T, std::string>)
      value = v->get<std::string>();
    else if constexpr (std::is_same_v<T, std::vector<int64_t>>)
    {
      if (!v->is_array())
        throw std::runtime_error("expected an array of integers");
      value.clear();
      for (const Json & item : *v)
        value.push_back(JsonInteger(item));
    }
    else
    {
      const int64_t i = JsonInteger(*v);
      if ((std::is_unsigned_v<T> && i < 0) || static_cast<int64_t>(static_cast<T>(i)) != i)
        throw std::runtime_error("integer " + std::to_string(i) + " is out of range");
      value = static_cast<T>(i);
    }
  }
  catch (const std::exception & e)
  {
    throw std::runtime_error(where + "." + key + ": " + e.what());
  }
}

/** Throws naming the first key of `object` that is not in `known` (catches misspelt settings). */
void
RequireKnownKeys(const Json & object, const std::vector<std::string> & known, const std::string & where);

} // namespace sinus

#endif
