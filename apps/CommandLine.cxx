// SPDX-License-Identifier: Apache-2.0
// Command-line helpers shared by every program of the sinusseg tool.
#include "SinusSegCommand.h"

#include <sstream>


#include "itkMacro.h"

#include <iomanip>
#include <iostream>

namespace sinusseg
{

namespace
{
/** Other spellings users type, mapped to the one each option has (the project writes "labelled"). */
const std::vector<std::pair<std::string, std::string>> kOptionAliases = { { "--labeled-fraction", "--labelled-fraction" } };

std::vector<std::string>
CanonicalSpellings(std::vector<std::string> args)
{
  for (auto & arg : args)
    for (const auto & [alias, canonical] : kOptionAliases)
      if (arg == alias || arg.rfind(alias + "=", 0) == 0)
        arg = canonical + arg.substr(alias.size());
  return args;
}
} // namespace

bool
ParseCommandLine(const std::string & command, const std::string & usage, boost::program_options::options_description & options,
                 const std::vector<std::string> & args, boost::program_options::variables_map & values,
                 const boost::program_options::positional_options_description * positional)
{
  namespace po = boost::program_options;
  options.add_options()("help,h", "show this help");
  try
  {
    po::command_line_parser parser(CanonicalSpellings(args));
    parser.options(options);
    if (positional)
      parser.positional(*positional);
    po::store(parser.run(), values);
    if (values.count("help"))
    {
      std::cout << "Usage: sinusseg " << command << " " << usage << "\n\n" << options << std::endl;
      return false;
    }
    po::notify(values);
  }
  catch (const po::error & e)
  {
    throw UsageError(e.what());
  }
  return true;
}

std::pair<int64_t, int64_t>
ParseSize(const std::string & text, const std::string & option)
{
  const size_t x = text.find('x');
  try
  {
    if (x != std::string::npos)
    {
      size_t       used1 = 0, used2 = 0;
      const long long w = std::stoll(text.substr(0, x), &used1);
      const long long h = std::stoll(text.substr(x + 1), &used2);
      if (used1 == x && used2 == text.size() - x - 1 && w > 0 && h > 0)
      {
        return { w, h };
      }
    }
  }
  catch (const std::exception &)
  {
  }
  throw UsageError("--" + option + " must be WIDTHxHEIGHT with positive integers, e.g. 2048x1024; got '" + text + "'");
}

} // namespace sinusseg


namespace sinusseg
{

std::vector<std::string>
SplitCommaList(const std::string & text)
{
  std::vector<std::string> items;
  std::stringstream        stream(text);
  std::string              item;
  while (std::getline(stream, item, ','))
    if (!item.empty())
      items.push_back(item);
  return items;
}

} // namespace sinusseg
