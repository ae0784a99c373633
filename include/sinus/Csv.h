// SPDX-License-Identifier: Apache-2.0
#ifndef sinus_Csv_h
#define sinus_Csv_h

#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace sinus
{

/** A problem in a text file, reported as "file:line: problem" (no line when it is 0). */
class FileLocationError : public std::runtime_error
{
public:
  FileLocationError(const std::string & file, int line, const std::string & problem);
};

/** One record of a CSV file with the line on which it starts. */
struct CsvRecord
{
  int                      line = 0;
  std::vector<std::string> fields;
};

/** The one CSV reader. RFC 4180: comma-separated, fields optionally double-quoted, "" for a quote
 *  inside a quoted field, CRLF or LF line ends; blank lines are skipped. Bad quoting throws
 *  FileLocationError naming `sourceName` and the line. */
std::vector<CsvRecord>
ParseCsv(const std::string & text, const std::string & sourceName);

/** A field for a CSV file: double-quoted, with every quote inside doubled. */
std::string
QuoteCsvField(const std::string & field);

/** The numeric columns of a CSV file with a header row (the training logs), by header name; an
 *  empty cell is NaN, any other cell that is not a number an error naming the file and line. */
std::map<std::string, std::vector<double>>
ReadCsvColumns(const std::string & path);

} // namespace sinus

#endif
