// SPDX-License-Identifier: Apache-2.0
#ifndef sinusMetaImageCheck_h
#define sinusMetaImageCheck_h

#include <string>

namespace sinus
{

/** Whether ITK would read the file at `path` with its MetaImage reader (.mha, .mhd, any case). */
bool
LooksLikeMetaImage(const std::string & path);

/** The longest header line the check lets through: ITK 5.2's MetaIO copies field names into
 *  fixed buffers of 255 characters without a bound (a stack buffer overflow, found by fuzzing). */
constexpr size_t kLongestMetaImageHeaderLine = 250;

/** Reads a MetaImage header up to its ElementDataFile line and throws std::runtime_error naming
 *  the file when a line is longer than kLongestMetaImageHeaderLine or is not a "Name = value"
 *  field, the header never ends, or the
 *  pixels lie in a list or a numbered pattern of files (slice stacks, and a division by zero in
 *  ITK's MetaIO for a pattern with step 0). */
void
RequireBoundedMetaImageHeader(const std::string & path);

} // namespace sinus

#endif
