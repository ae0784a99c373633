// SPDX-License-Identifier: Apache-2.0
#ifndef sinus_PipelineStageSelection_h
#define sinus_PipelineStageSelection_h

#include "sinus/SemiSupervisedPipeline.h"

#include <set>

namespace sinus
{

/** Whether a run of `stages` runs `stage`: an empty selection runs every stage. The pipeline and
 *  the ITK trainer's progress scale read a selection the same way through this. */
bool
StageSelected(const std::set<PipelineStage> & stages, PipelineStage stage);

} // namespace sinus

#endif
