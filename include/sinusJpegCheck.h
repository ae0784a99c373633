// SPDX-License-Identifier: Apache-2.0
#ifndef sinusJpegCheck_h
#define sinusJpegCheck_h

#include <string>

namespace sinus
{

/** Whether ITK would hand the file at `path` to its JPEG reader: a JPEG extension (.jpg, .jpeg,
 *  any case) or a start-of-image marker (FF D8) at its start. */
bool
LooksLikeJpeg(const std::string & path);

/** Decodes the whole JPEG file with libjpeg (the library ITK's JPEG reader uses) under an error
 *  handler of our own, and throws std::runtime_error naming the file and libjpeg's reason when it
 *  cannot be decoded. ITK 5.2's reader crashes (SIGSEGV) on some corrupt files, found by fuzzing:
 *  a file that passes here decodes there the same way. A header claiming more than `largestPixels`
 *  pixels is refused before decoding. */
void
RequireReadableJpeg(const std::string & path, unsigned long long largestPixels);

} // namespace sinus

#endif
