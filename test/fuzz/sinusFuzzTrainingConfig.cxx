// SPDX-License-Identifier: Apache-2.0
// Fuzz target: a training configuration (JSON, `train --config`) through the parser and the
// checks `train` applies before it starts: SemiSupervisedConfig::FromJson and every stage's
// Validate. Errors here name the setting; the command adds the file's name around them.
#include "sinus/FileUtilities.h"
#include "sinus/PipelineConfig.h"
#include "sinusFuzzSupport.h"

extern "C" int
LLVMFuzzerTestOneInput(const uint8_t * data, size_t size)
{
  const std::string path = sinusfuzz::WriteInput(data, size, "config.json");
  try
  {
    const sinus::SemiSupervisedConfig config = sinus::SemiSupervisedConfig::FromJson(sinus::ParseJson(sinus::ReadTextFile(path)));
    config.teacher.Validate();
    config.student.Validate();
  }
  catch (const std::exception &)
  {
    // Refused: any error is a valid answer here, a crash or a sanitizer report is not.
  }
  return 0;
}
