// SPDX-License-Identifier: Apache-2.0
// A semi-supervised run small enough for a unit test: ellipse "radiographs" and every network at
// its smallest, so that a whole pipeline takes seconds. Shared by the pipeline tests on the CPU
// and on a GPU.
#ifndef sinusTinyPipelineRun_h
#define sinusTinyPipelineRun_h

#include "sinus/PipelineConfig.h"
#include "sinus/SegmentationSample.h"
#include "sinus/SemiSupervisedPipeline.h"

namespace sinus
{
/** A radiograph-like image: noisy background with a bright ellipse, and the ellipse as the label
 *  (left out when `labelled` is false). */
SegmentationSample
EllipseSample(int index, int64_t inputSize, bool labelled);

/** The small preset at 64 x 64 (4 x 4 tokens, 16 x 16 logits), two epochs per network, the
 *  smallest refiner: seconds per stage. */
SemiSupervisedConfig
TinyPipelineConfig();

/** Three labelled, four unlabelled, one validation and two test ellipses at 64 x 64. */
SemiSupervisedData
TinyPipelineData();
} // namespace sinus

#endif
