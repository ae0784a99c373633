// SPDX-License-Identifier: Apache-2.0
#include "sinus/Csv.h"

#include "sinus/FileUtilities.h"

#include <cmath>

namespace sinus
{

FileLocationError::FileLocationError(const std::string & file, int line, const std::string & problem)
  : std::runtime_error(file + (line > 0 ? ":" + std::to_string(line) : std::string()) + ": " + problem)
{}

namespace
{
/** Reads RFC 4180 fields one at a time, keeping the line number for messages. */
class CsvScanner
{
public:
  CsvScanner(const std::string & text, const std::string & source)
    : m_Text(text)
    , m_Source(source)
  {}
  bool AtEnd() const { return m_Pos >= m_Text.size(); }
  int  Line() const { return m_Line; }
  /** The next field; `endOfRecord` tells whether it was the last of its record. */
  std::string Field(bool & endOfRecord);

private:
  std::string QuotedField();
  std::string PlainField();
  bool        FieldEnd(size_t at) const { return at >= m_Text.size() || m_Text[at] == ',' || m_Text[at] == '\n' || m_Text[at] == '\r'; }
  void        LineEnd();

  const std::string & m_Text;
  const std::string & m_Source;
  size_t              m_Pos = 0;
  int                 m_Line = 1;
};

std::string
CsvScanner::QuotedField()
{
  const int   quoteLine = m_Line;
  std::string field;
  for (++m_Pos;;)
  {
    if (m_Pos >= m_Text.size())
      throw FileLocationError(m_Source, quoteLine, "unterminated quoted field");
    const char c = m_Text[m_Pos++];
    if (c == '"' && m_Pos < m_Text.size() && m_Text[m_Pos] == '"')
    {
      field += '"';
      ++m_Pos;
      continue;
    }
    if (c == '"')
      break;
    m_Line += c == '\n' ? 1 : 0;
    field += c;
  }
  if (!FieldEnd(m_Pos))
    throw FileLocationError(m_Source, m_Line, "unexpected character '" + std::string(1, m_Text[m_Pos]) + "' after a closing quote");
  return field;
}

std::string
CsvScanner::PlainField()
{
  std::string field;
  while (!FieldEnd(m_Pos))
  {
    if (m_Text[m_Pos] == '"')
      throw FileLocationError(m_Source, m_Line, "quote inside an unquoted field (fields holding quotes must be quoted)");
    field += m_Text[m_Pos++];
  }
  return field;
}

void
CsvScanner::LineEnd()
{
  if (m_Text[m_Pos] == '\r')
  {
    ++m_Pos;
    if (m_Pos < m_Text.size() && m_Text[m_Pos] != '\n')
      throw FileLocationError(m_Source, m_Line, "carriage return not followed by a line feed");
  }
  if (m_Pos < m_Text.size() && m_Text[m_Pos] == '\n')
    ++m_Pos;
  ++m_Line;
}

std::string
CsvScanner::Field(bool & endOfRecord)
{
  std::string field = (m_Pos < m_Text.size() && m_Text[m_Pos] == '"') ? QuotedField() : PlainField();
  endOfRecord = true;
  if (m_Pos >= m_Text.size())
    return field;
  if (m_Text[m_Pos] == ',')
  {
    ++m_Pos;
    endOfRecord = false;
    return field;
  }
  LineEnd();
  return field;
}
} // namespace

std::vector<CsvRecord>
ParseCsv(const std::string & text, const std::string & sourceName)
{
  std::vector<CsvRecord> records;
  CsvScanner             scanner(text, sourceName);
  while (!scanner.AtEnd())
  {
    CsvRecord record;
    record.line = scanner.Line();
    for (bool endOfRecord = false; !endOfRecord;)
      record.fields.push_back(scanner.Field(endOfRecord));
    const bool blank = record.fields.size() == 1 && record.fields[0].empty();
    if (!blank)
      records.push_back(std::move(record));
  }
  return records;
}

std::map<std::string, std::vector<double>>
ReadCsvColumns(const std::string & path)
{
  std::map<std::string, std::vector<double>> columns;
  const std::vector<CsvRecord>               records = ParseCsv(ReadTextFile(path), path);
  if (records.empty())
    return columns;
  const std::vector<std::string> & header = records.front().fields;
  for (size_t r = 1; r < records.size(); ++r)
    for (size_t c = 0; c < header.size() && c < records[r].fields.size(); ++c)
    {
      const std::string & cell = records[r].fields[c];
      double              value = std::nan("");
      size_t              used = 0;
      try
      {
        if (!cell.empty())
          value = std::stod(cell, &used);
      }
      catch (const std::exception &)
      {
        used = 0;
      }
      if (!cell.empty() && used != cell.size())
        throw FileLocationError(path, records[r].line, "column '" + header[c] + "': '" + cell + "' is not a number");
      columns[header[c]].push_back(value);
    }
  return columns;
}

std::string
QuoteCsvField(const std::string & field)
{
  std::string quoted = "\"";
  for (char c : field)
    quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

} // namespace sinus
