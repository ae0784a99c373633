#include "sinus/Json.h"

#include <algorithm>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace sinus
{
namespace
{

class JsonParser
{
public:
  explicit JsonParser(const std::string & text)
    : m_Text(text)
  {}

  Json ParseDocument()
  {
    SkipWhitespace();
    Json value = ParseValue(0);
    SkipWhitespace();
    if (m_Pos != m_Text.size())
    {
      Fail("unexpected text after the JSON value");
    }
    return value;
  }

private:
  [[noreturn]] void Fail(const std::string & message) const
  {
    int line = 1, column = 1;
    for (size_t i = 0; i < m_Pos && i < m_Text.size(); ++i)
    {
      if (m_Text[i] == '\n')
      {
        ++line;
        column = 1;
      }
      else
      {
        ++column;
      }
    }
    throw JsonParseError(message, line, column);
  }

  void SkipWhitespace()
  {
    while (m_Pos < m_Text.size() &&
           (m_Text[m_Pos] == ' ' || m_Text[m_Pos] == '\t' || m_Text[m_Pos] == '\n' || m_Text[m_Pos] == '\r'))
    {
      ++m_Pos;
    }
  }

  char Peek() const { return m_Pos < m_Text.size() ? m_Text[m_Pos] : '\0'; }

  void Expect(char c)
  {
    if (Peek() != c)
    {
      Fail(std::string("expected '") + c + "'");
    }
    ++m_Pos;
  }

  Json ParseValue(int depth)
  {
    if (depth > 256)
    {
      Fail("nesting deeper than 256 levels");
    }
    if (m_Pos >= m_Text.size())
    {
      Fail("unexpected end of input");
    }
    const char c = m_Text[m_Pos];
    if (c == '{')
    {
      return ParseObject(depth);
    }
    if (c == '[')
    {
      return ParseArray(depth);
    }
    if (c == '"')
    {
      return Json(ParseString());
    }
    if (c == '-' || (c >= '0' && c <= '9'))
    {
      return Json(ParseNumber());
    }
    if (m_Text.compare(m_Pos, 4, "true") == 0)
    {
      m_Pos += 4;
      return Json(true);
    }
    if (m_Text.compare(m_Pos, 5, "false") == 0)
    {
      m_Pos += 5;
      return Json(false);
    }
    if (m_Text.compare(m_Pos, 4, "null") == 0)
    {
      m_Pos += 4;
      return Json();
    }
    Fail(std::string("unexpected character '") + c + "'");
  }

  Json ParseObject(int depth)
  {
    Expect('{');
    Json object = Json::Object();
    SkipWhitespace();
    if (Peek() == '}')
    {
      ++m_Pos;
      return object;
    }
    while (true)
    {
      SkipWhitespace();
      if (Peek() != '"')
      {
        Fail("expected a string key");
      }
      std::string key = ParseString();
      if (object.Contains(key))
      {
        Fail("duplicate key \"" + key + "\"");
      }
      SkipWhitespace();
      Expect(':');
      SkipWhitespace();
      object[key] = ParseValue(depth + 1);
      SkipWhitespace();
      if (Peek() == ',')
      {
        ++m_Pos;
        continue;
      }
      if (Peek() == '}')
      {
        ++m_Pos;
        return object;
      }
      Fail("expected ',' or '}' in object");
    }
  }

  Json ParseArray(int depth)
  {
    Expect('[');
    Json array = Json::Array();
    SkipWhitespace();
    if (Peek() == ']')
    {
      ++m_Pos;
      return array;
    }
    while (true)
    {
      SkipWhitespace();
      array.PushBack(ParseValue(depth + 1));
      SkipWhitespace();
      if (Peek() == ',')
      {
        ++m_Pos;
        continue;
      }
      if (Peek() == ']')
      {
        ++m_Pos;
        return array;
      }
      Fail("expected ',' or ']' in array");
    }
  }

  unsigned ParseHex4()
  {
    if (m_Pos + 4 > m_Text.size())
    {
      Fail("truncated \\u escape");
    }
    unsigned code = 0;
    for (int i = 0; i < 4; ++i)
    {
      const char h = m_Text[m_Pos++];
      code <<= 4;
      if (h >= '0' && h <= '9')
        code |= static_cast<unsigned>(h - '0');
      else if (h >= 'a' && h <= 'f')
        code |= static_cast<unsigned>(h - 'a' + 10);
      else if (h >= 'A' && h <= 'F')
        code |= static_cast<unsigned>(h - 'A' + 10);
      else
        Fail("invalid hex digit in \\u escape");
    }
    return code;
  }

  static void AppendUtf8(std::string & out, unsigned code)
  {
    if (code < 0x80)
    {
      out += static_cast<char>(code);
    }
    else if (code < 0x800)
    {
      out += static_cast<char>(0xC0 | (code >> 6));
      out += static_cast<char>(0x80 | (code & 0x3F));
    }
    else if (code < 0x10000)
    {
      out += static_cast<char>(0xE0 | (code >> 12));
      out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (code & 0x3F));
    }
    else
    {
      out += static_cast<char>(0xF0 | (code >> 18));
      out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (code & 0x3F));
    }
  }

  std::string ParseString()
  {
    Expect('"');
    std::string out;
    while (true)
    {
      if (m_Pos >= m_Text.size())
      {
        Fail("unterminated string");
      }
      const char c = m_Text[m_Pos++];
      if (c == '"')
      {
        return out;
      }
      if (static_cast<unsigned char>(c) < 0x20)
      {
        --m_Pos;
        Fail("control character inside a string");
      }
      if (c != '\\')
      {
        out += c;
        continue;
      }
      if (m_Pos >= m_Text.size())
      {
        Fail("unterminated escape");
      }
      const char e = m_Text[m_Pos++];
      switch (e)
      {
        case '"':
          out += '"';
          break;
        case '\\':
          out += '\\';
          break;
        case '/':
          out += '/';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u':
        {
          unsigned code = ParseHex4();
          if (code >= 0xD800 && code < 0xDC00)
          {
            if (m_Text.compare(m_Pos, 2, "\\u") != 0)
            {
              Fail("unpaired surrogate in \\u escape");
            }
            m_Pos += 2;
            const unsigned low = ParseHex4();
            if (low < 0xDC00 || low >= 0xE000)
            {
              Fail("invalid low surrogate in \\u escape");
            }
            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
          }
          AppendUtf8(out, code);
          break;
        }
        default:
          --m_Pos;
          Fail(std::string("invalid escape '\\") + e + "'");
      }
    }
  }

  double ParseNumber()
  {
    const size_t start = m_Pos;
    if (Peek() == '-')
      ++m_Pos;
    if (Peek() == '0')
    {
      ++m_Pos;
    }
    else if (Peek() >= '1' && Peek() <= '9')
    {
      while (Peek() >= '0' && Peek() <= '9')
        ++m_Pos;
    }
    else
    {
      Fail("invalid number");
    }
    if (Peek() == '.')
    {
      ++m_Pos;
      if (!(Peek() >= '0' && Peek() <= '9'))
        Fail("invalid number: digits expected after '.'");
      while (Peek() >= '0' && Peek() <= '9')
        ++m_Pos;
    }
    if (Peek() == 'e' || Peek() == 'E')
    {
      ++m_Pos;
      if (Peek() == '+' || Peek() == '-')
        ++m_Pos;
      if (!(Peek() >= '0' && Peek() <= '9'))
        Fail("invalid number: digits expected in exponent");
      while (Peek() >= '0' && Peek() <= '9')
        ++m_Pos;
    }
    const std::string token = m_Text.substr(start, m_Pos - start);
    const double      value = std::strtod(token.c_str(), nullptr);
    if (!std::isfinite(value))
    {
      m_Pos = start;
      Fail("number out of range");
    }
    return value;
  }

  const std::string & m_Text;
  size_t              m_Pos = 0;
};

std::string
FormatNumber(double d)
{
  if (d == std::floor(d) && std::fabs(d) < 1e15)
  {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%.0f", d);
    return buf;
  }
  // Shortest of %.15g..%.17g that reads back to the same double.
  char buf[40];
  for (int precision = 15; precision <= 17; ++precision)
  {
    std::snprintf(buf, sizeof(buf), "%.*g", precision, d);
    if (std::strtod(buf, nullptr) == d)
    {
      break;
    }
  }
  return buf;
}

} // namespace

Json
Json::Object()
{
  Json j;
  j.m_Type = Type::Object;
  return j;
}

Json
Json::Parse(const std::string & text)
{
  return JsonParser(text).ParseDocument();
}

const char *
Json::TypeName() const
{
  switch (m_Type)
  {
    case Type::Null:
      return "null";
    case Type::Boolean:
      return "boolean";
    case Type::Number:
      return "number";
    case Type::String:
      return "string";
    case Type::Array:
      return "array";
    case Type::Object:
      return "object";
  }
  return "unknown";
}

namespace
{
[[noreturn]] void
TypeMismatch(const char * expected, const Json & actual)
{
  throw std::runtime_error(std::string("expected a JSON ") + expected + ", found " + actual.TypeName());
}
} // namespace

bool
Json::AsBoolean() const
{
  if (!IsBoolean())
    TypeMismatch("boolean", *this);
  return m_Boolean;
}
double
Json::AsNumber() const
{
  if (!IsNumber())
    TypeMismatch("number", *this);
  return m_Number;
}
int64_t
Json::AsInteger() const
{
  const double d = AsNumber();
  if (d != std::floor(d) || std::fabs(d) > 9.0e15)
  {
    throw std::runtime_error("expected an integer, found " + FormatNumber(d));
  }
  return static_cast<int64_t>(d);
}
const std::string &
Json::AsString() const
{
  if (!IsString())
    TypeMismatch("string", *this);
  return m_String;
}
const Json::ArrayType &
Json::AsArray() const
{
  if (!IsArray())
    TypeMismatch("array", *this);
  return m_Array;
}
Json::ArrayType &
Json::AsArray()
{
  if (!IsArray())
    TypeMismatch("array", *this);
  return m_Array;
}
const Json::ObjectType &
Json::AsObject() const
{
  if (!IsObject())
    TypeMismatch("object", *this);
  return m_Object;
}

const Json *
Json::Find(const std::string & key) const
{
  for (const auto & kv : AsObject())
  {
    if (kv.first == key)
      return &kv.second;
  }
  return nullptr;
}

bool
Json::Contains(const std::string & key) const
{
  return Find(key) != nullptr;
}

const Json &
Json::At(const std::string & key) const
{
  const Json * found = Find(key);
  if (!found)
  {
    throw std::runtime_error("missing key \"" + key + "\"");
  }
  return *found;
}

Json &
Json::operator[](const std::string & key)
{
  if (!IsObject())
    TypeMismatch("object", *this);
  for (auto & kv : m_Object)
  {
    if (kv.first == key)
      return kv.second;
  }
  m_Object.emplace_back(key, Json());
  return m_Object.back().second;
}

void
Json::PushBack(Json value)
{
  AsArray().push_back(std::move(value));
}

bool
Json::operator==(const Json & other) const
{
  if (m_Type != other.m_Type)
    return false;
  switch (m_Type)
  {
    case Type::Null:
      return true;
    case Type::Boolean:
      return m_Boolean == other.m_Boolean;
    case Type::Number:
      return m_Number == other.m_Number;
    case Type::String:
      return m_String == other.m_String;
    case Type::Array:
      return m_Array == other.m_Array;
    case Type::Object:
      return m_Object == other.m_Object;
  }
  return false;
}

std::string
JsonQuote(const std::string & s)
{
  std::string out = "\"";
  for (const char c : s)
  {
    switch (c)
    {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20)
        {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(c)));
          out += buf;
        }
        else
        {
          out += c;
        }
    }
  }
  return out + "\"";
}

std::string
Json::Dump(int indent) const
{
  std::string out;
  DumpTo(out, indent, 0);
  return out;
}

void
Json::DumpTo(std::string & out, int indent, int depth) const
{
  const auto newline = [&](int d) {
    if (indent >= 0)
    {
      out += '\n';
      out.append(static_cast<size_t>(indent * d), ' ');
    }
  };
  switch (m_Type)
  {
    case Type::Null:
      out += "null";
      return;
    case Type::Boolean:
      out += m_Boolean ? "true" : "false";
      return;
    case Type::Number:
      if (!std::isfinite(m_Number))
      {
        throw std::runtime_error("JSON cannot represent a NaN or infinite number");
      }
      out += FormatNumber(m_Number);
      return;
    case Type::String:
      out += JsonQuote(m_String);
      return;
    case Type::Array:
      out += '[';
      for (size_t i = 0; i < m_Array.size(); ++i)
      {
        if (i)
          out += ',';
        newline(depth + 1);
        m_Array[i].DumpTo(out, indent, depth + 1);
      }
      if (!m_Array.empty())
        newline(depth);
      out += ']';
      return;
    case Type::Object:
      out += '{';
      for (size_t i = 0; i < m_Object.size(); ++i)
      {
        if (i)
          out += ',';
        newline(depth + 1);
        out += JsonQuote(m_Object[i].first);
        out += indent >= 0 ? ": " : ":";
        m_Object[i].second.DumpTo(out, indent, depth + 1);
      }
      if (!m_Object.empty())
        newline(depth);
      out += '}';
      return;
  }
}

void
RequireKnownKeys(const Json & object, const std::vector<std::string> & known, const std::string & where)
{
  if (!object.IsObject())
    throw std::runtime_error(where + ": expected a JSON object");
  for (const auto & [key, value] : object.AsObject())
  {
    if (std::find(known.begin(), known.end(), key) == known.end())
    {
      std::string list;
      for (const auto & k : known)
        list += (list.empty() ? "" : ", ") + k;
      throw std::runtime_error(where + ": unknown setting '" + key + "' (known: " + list + ")");
    }
  }
}

} // namespace sinus
