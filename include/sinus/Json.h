#ifndef sinus_Json_h
#define sinus_Json_h

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace sinus
{

/** Raised by Json::Parse with the 1-based line and column of the problem. */
class JsonParseError : public std::runtime_error
{
public:
  JsonParseError(const std::string & message, int line, int column)
    : std::runtime_error("line " + std::to_string(line) + ", column " + std::to_string(column) + ": " + message)
    , m_Line(line)
    , m_Column(column)
  {}
  int Line() const { return m_Line; }
  int Column() const { return m_Column; }

private:
  int m_Line;
  int m_Column;
};

/** A JSON value (RFC 8259) for configuration files, datalists and VIA region attributes.
 *  Objects keep their keys in insertion order so written files read naturally; numbers are doubles
 *  and are written with the shortest representation that reads back exactly. */
class Json
{
public:
  enum class Type
  {
    Null,
    Boolean,
    Number,
    String,
    Array,
    Object
  };
  using ArrayType = std::vector<Json>;
  using ObjectType = std::vector<std::pair<std::string, Json>>;

  Json() = default;
  Json(std::nullptr_t) {}
  Json(bool b)
    : m_Type(Type::Boolean)
    , m_Boolean(b)
  {}
  Json(double d)
    : m_Type(Type::Number)
    , m_Number(d)
  {}
  Json(int i)
    : Json(static_cast<double>(i))
  {}
  Json(int64_t i)
    : Json(static_cast<double>(i))
  {}
  Json(const char * s)
    : m_Type(Type::String)
    , m_String(s)
  {}
  Json(std::string s)
    : m_Type(Type::String)
    , m_String(std::move(s))
  {}
  Json(ArrayType a)
    : m_Type(Type::Array)
    , m_Array(std::move(a))
  {}
  static Json Array() { return Json(ArrayType{}); }
  static Json Object();

  static Json Parse(const std::string & text);

  Type        GetType() const { return m_Type; }
  const char * TypeName() const;
  bool        IsNull() const { return m_Type == Type::Null; }
  bool        IsBoolean() const { return m_Type == Type::Boolean; }
  bool        IsNumber() const { return m_Type == Type::Number; }
  bool        IsString() const { return m_Type == Type::String; }
  bool        IsArray() const { return m_Type == Type::Array; }
  bool        IsObject() const { return m_Type == Type::Object; }

  /** Typed access; each throws std::runtime_error naming the expected and the actual type. */
  bool                AsBoolean() const;
  double              AsNumber() const;
  int64_t             AsInteger() const; ///< a number with no fractional part
  const std::string & AsString() const;
  const ArrayType &   AsArray() const;
  ArrayType &         AsArray();
  const ObjectType &  AsObject() const;

  /** Object access. */
  bool         Contains(const std::string & key) const;
  const Json & At(const std::string & key) const; ///< throws when absent
  const Json * Find(const std::string & key) const;
  Json &       operator[](const std::string & key); ///< inserts null when absent (object only)
  void         PushBack(Json value);                 ///< array only

  /** Serialises; indent < 0 writes one line. */
  std::string Dump(int indent = -1) const;

  bool operator==(const Json & other) const;
  bool operator!=(const Json & other) const { return !(*this == other); }

private:
  void DumpTo(std::string & out, int indent, int depth) const;

  Type        m_Type = Type::Null;
  bool        m_Boolean = false;
  double      m_Number = 0.0;
  std::string m_String;
  ArrayType   m_Array;
  ObjectType  m_Object;
};

/** Escapes a string as a JSON string literal including the quotes. */
std::string
JsonQuote(const std::string & s);

/** Reads `object[key]` into `value` when present (bool, double or integer by the type of `value`);
 *  leaves `value` alone when absent. Errors read "<where>.<key>: <problem>". */
template <typename T>
void
ReadJsonField(const Json & object, const char * key, T & value, const std::string & where)
{
  const Json * v = object.IsObject() ? object.Find(key) : nullptr;
  if (!v)
    return;
  try
  {
    if constexpr (std::is_same_v<T, bool>)
      value = v->AsBoolean();
    else if constexpr (std::is_floating_point_v<T>)
      value = static_cast<T>(v->AsNumber());
    else if constexpr (std::is_same_v<T, std::string>)
      value = v->AsString();
    else
      value = static_cast<T>(v->AsInteger());
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
