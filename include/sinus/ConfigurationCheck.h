// SPDX-License-Identifier: Apache-2.0
#ifndef sinus_ConfigurationCheck_h
#define sinus_ConfigurationCheck_h

#include <stdexcept>
#include <string>
#include <utility>

namespace sinus
{

/** The checks of one configuration's fields: every failed one throws std::invalid_argument with the
 *  configuration's name in front ("unet: depth must lie in [1, 7]"), so that a user who edited a
 *  JSON file learns which object and which field are wrong. */
class ConfigurationCheck
{
public:
  explicit ConfigurationCheck(std::string configuration)
    : m_Configuration(std::move(configuration))
  {}

  void
  operator()(bool ok, const std::string & problem) const
  {
    if (!ok)
      throw std::invalid_argument(m_Configuration + ": " + problem);
  }

private:
  std::string m_Configuration;
};

} // namespace sinus

#endif
