// SPDX-License-Identifier: Apache-2.0
#ifndef sinus_DatalistLabelling_h
#define sinus_DatalistLabelling_h

#include <string>
#include <vector>

namespace sinus
{

/** A label an annotator made: the image's file and its mask's file. */
struct NewTrainingLabel
{
  std::string image;
  std::string label;
};

/** The text of the datalist at `datalistPath` with `labels` given to its unlabelled training
 *  images (each label's path written relative to the datalist's folder); everything else of the
 *  datalist is kept as it was. Images are matched by file (the paths resolved, as training reads
 *  them). Every problem is added to `problems`, and the text must then not be used: an image that
 *  is a validation or test image (a test image is never labelled for training), one already
 *  labelled, one the datalist does not list, one given twice, an unreadable datalist. */
std::string
AddTrainingLabels(const std::string & datalistPath, const std::vector<NewTrainingLabel> & labels, std::vector<std::string> & problems);

} // namespace sinus

#endif
