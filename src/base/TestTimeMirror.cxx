// SPDX-License-Identifier: Apache-2.0
#include "sinus/TestTimeMirror.h"

#include <stdexcept>

namespace sinus
{

namespace
{
constexpr const char * kMetadataKey = "test_time_mirror";
}

bool
ReadTestTimeMirror(const Json & metadata, const std::string & modelPath)
{
  const Json * stored = FindJsonMember(metadata, kMetadataKey);
  if (!stored)
    return false;
  if (!stored->is_boolean())
    throw std::invalid_argument(modelPath + ": metadata entry " + kMetadataKey + " must be true or false, not " + stored->dump());
  return stored->get<bool>();
}

void
WriteTestTimeMirror(Json & metadata, bool mirror)
{
  if (mirror)
    metadata[kMetadataKey] = true;
  else if (metadata.is_object())
    metadata.erase(kMetadataKey);
}

} // namespace sinus
