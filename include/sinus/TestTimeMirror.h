// SPDX-License-Identifier: Apache-2.0
#ifndef sinus_TestTimeMirror_h
#define sinus_TestTimeMirror_h

#include "sinus/Json.h"

#include <string>

namespace sinus
{

/** Whether a model file's probabilities are the mean of the network's logits on the radiograph and
 *  on its left-right mirror image (mirrored back): test-time augmentation for a network trained
 *  with mirroring, as nnU-Net predicts by default. Training decides it ("test_time_mirror") and
 *  stores it in the model file with the postprocessing chosen on those probabilities, so that
 *  `sinusseg predict`, the ITK filter and the Slicer module give what the evaluation measured.
 *  The metadata entry "test_time_mirror" (a boolean) is absent when off: files written before it
 *  existed read as off. Errors name `modelPath`. */
bool
ReadTestTimeMirror(const Json & metadata, const std::string & modelPath);

/** Stores the setting in a model file's metadata (removes the entry when off). */
void
WriteTestTimeMirror(Json & metadata, bool mirror);

} // namespace sinus

#endif
