// SPDX-License-Identifier: Apache-2.0
#ifndef sinusTableOneFigure_h
#define sinusTableOneFigure_h

#include "sinus/SegmentationSample.h"

#include <string>
#include <utility>
#include <vector>

namespace sinus
{

/** The paper's Figure 5: one line per test image -- the radiograph, then each model's prediction
 *  (red outline, the reference in green, its Dice written on it), then the reference mask --
 *  with the models' labels above, as a PNG. `models` are (label, model file) pairs; the images are
 *  shown at most 256 pixels high. */
void
WriteTableOneFigure(const std::vector<std::pair<std::string, std::string>> & models, const std::vector<SegmentationSample> & cases,
                    const std::string & path);

} // namespace sinus

#endif
