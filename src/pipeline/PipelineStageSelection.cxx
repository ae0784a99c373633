// SPDX-License-Identifier: Apache-2.0
#include "sinus/PipelineStageSelection.h"

namespace sinus
{

bool
StageSelected(const std::set<PipelineStage> & stages, PipelineStage stage)
{
  return stages.empty() || stages.count(stage) > 0;
}

} // namespace sinus
