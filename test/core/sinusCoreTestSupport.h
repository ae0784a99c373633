#ifndef sinusCoreTestSupport_h
#define sinusCoreTestSupport_h

#include <string>
#include <unistd.h>

/** ../shared (or $SINUSSEG_SHARED_DIR): the golden reference data. Tests that need it fail, not
 *  skip, when it is missing: CI always has it. */
std::string SharedDirectory();
std::string GoldenPath();
/** A fresh, empty folder under the system temp folder. */
std::string ScratchDirectory(const std::string & name);

#endif
