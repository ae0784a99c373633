// SPDX-License-Identifier: Apache-2.0
#include "sinusMetaImageCheck.h"

#include "sinus/FileUtilities.h"
#include "sinus/IntegerText.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <optional>
#include <stdexcept>

namespace sinus
{
namespace
{
/** A real header is a few hundred bytes; this bounds how far the check reads. */
constexpr size_t kLongestMetaImageHeader = size_t{ 64 } << 10;

/** The field name of a "Name = value" line, without the blanks around it. */
std::string
FieldName(const std::string & line)
{
  std::string name = line.substr(0, line.find('='));
  name.erase(0, name.find_first_not_of(" \t"));
  name.erase(name.find_last_not_of(" \t") + 1);
  return name;
}

/** Letters, digits and underscores, at least one. */
bool
IsPlainWord(const std::string & text)
{
  return !text.empty() && std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isalnum(c) != 0 || c == '_'; });
}

/** The value of a "Name = value" line, without the blanks around it. */
std::string
FieldValue(const std::string & line)
{
  const size_t equals = line.find('=');
  const size_t start = equals == std::string::npos ? std::string::npos : line.find_first_not_of(" \t", equals + 1);
  std::string  value = start == std::string::npos ? std::string() : line.substr(start);
  value.erase(value.find_last_not_of(" \t\r") + 1);
  return value;
}

/** MetaIO's own limit on the number of dimensions; it warns above it, but ITK 5.2 then sizes its
 *  per-dimension arrays from the number as written (a 16 GiB allocation for "NDims = 3e18", found by
 *  fuzzing). */
constexpr int64_t kMostMetaImageDimensions = 10;
} // namespace

bool
LooksLikeMetaImage(const std::string & path)
{
  const std::string extension = LowerCaseExtension(path);
  return extension == ".mha" || extension == ".mhd";
}

void
RequireBoundedMetaImageHeader(const std::string & path)
{
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw std::runtime_error(path + ": cannot open the file for reading");
  std::string line;
  size_t      read = 0;
  for (int number = 1; read < kLongestMetaImageHeader; ++number)
  {
    line.clear();
    char c = 0;
    while (in.get(c) && c != '\n' && line.size() <= kLongestMetaImageHeaderLine)
      line += c;
    read += line.size() + 1;
    if (line.size() > kLongestMetaImageHeaderLine)
      throw std::runtime_error(path + ": MetaImage header line " + std::to_string(number) + " is longer than " +
                               std::to_string(kLongestMetaImageHeaderLine) + " characters; refused (ITK's reader would overflow on it)");
    // MetaIO reads a field's name up to the next '=', across line ends: a line without one joins
    // the next, which is how a second, hidden ElementDataFile reached MetaIO (found by fuzzing).
    // A field's name is a plain word (MetaIO's own are): other bytes in it let MetaIO read a field
    // that this check would not see under its name (a hidden file pattern hung MetaIO; fuzzing).
    const bool blank = line.find_first_not_of(" \t\r") == std::string::npos;
    if (!blank && (line.find('=') == std::string::npos || !IsPlainWord(FieldName(line))))
      throw std::runtime_error(path + ": MetaImage header line " + std::to_string(number) + " is not a 'Name = value' field; refused");
    if (FieldName(line) == "NDims")
    {
      const std::optional<int64_t> dimensions = ParseWholeInteger(FieldValue(line));
      if (!dimensions || *dimensions < 1 || *dimensions > kMostMetaImageDimensions)
        throw std::runtime_error(path + ": MetaImage NDims '" + FieldValue(line) + "' is not a number of dimensions from 1 to " +
                                 std::to_string(kMostMetaImageDimensions));
    }
    if (FieldName(line) == "ElementDataFile")
    {
      // The header's last field: LOCAL (pixels follow) or one data file. MetaIO's other forms (a
      // file list, a numbered file-name pattern) describe slice stacks, not a radiograph, and a
      // pattern with step 0 divides by zero inside MetaIO (found by fuzzing).
      const std::string value = FieldValue(line);
      if (value == "LIST" || value.find_first_of("% \t") != std::string::npos)
        throw std::runtime_error(path + ": MetaImage ElementDataFile '" + value +
                                 "' names a list or pattern of files; a radiograph is one image (LOCAL or one data file)");
      return;
    }
    if (!in)
      return; // a header without its last field: ITK's reader refuses it with its own error
  }
  throw std::runtime_error(path + ": MetaImage header longer than " + std::to_string(kLongestMetaImageHeader >> 10) +
                           " KiB without an ElementDataFile line; refused");
}

} // namespace sinus
