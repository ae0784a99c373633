// SPDX-License-Identifier: Apache-2.0
#ifndef sinusPngCheck_h
#define sinusPngCheck_h

#include <string>

namespace sinus
{

/** Whether the file at `path` starts with the PNG signature (whatever its extension). */
bool
HasPngSignature(const std::string & path);

/** Reads a PNG file's header -- every chunk up to the image data, as ITK's PNG reader will --
 *  with libpng under an error handler of our own, and throws std::runtime_error naming the file
 *  and libpng's reason when it is truncated or invalid. ITK 5.2 reads the header without one, so
 *  such a file would otherwise abort the whole process instead of failing with an error. */
void
RequireReadablePng(const std::string & path);

} // namespace sinus

#endif
