// SPDX-License-Identifier: Apache-2.0
#ifndef sinus_Datalist_h
#define sinus_Datalist_h

#include "sinus/Json.h"

#include <cstdint>
#include <string>
#include <vector>

namespace sinus
{

/** One image of a datalist; `label` empty for an unlabelled training image. Paths as they are
 *  written (relative to the datalist's folder, or absolute). */
struct DatalistItem
{
  std::string image;
  std::string label;
};

/** A MONAI-style datalist as `sinusseg phantoms` and `sinusseg split` write it: free top-level
 *  fields first (description, how it was made), then "training", "validation" and "test". */
struct Datalist
{
  Json                      header = Json::object();
  std::vector<DatalistItem> training, validation, test;
};

/** The one datalist writer: the JSON text, and an atomic write of it. */
std::string
FormatDatalist(const Datalist & datalist);
void
WriteDatalist(const std::string & path, const Datalist & datalist);

/** How `sinusseg split` divides image/mask pairs. */
struct SplitCounts
{
  int      labelled = 0;
  int      unlabelled = -1; ///< -1: every image left over
  int      validation = 0;
  int      test = 0;
  uint64_t seed = 0;
};

/** Images of one folder paired with the masks of another by file name without extension, sorted
 *  by that name. Each problem (an image without mask, a mask without image, two files with one
 *  name) is added to `problems`; a folder that does not exist throws. */
std::vector<DatalistItem>
PairImagesWithMasks(const std::string & imageFolder, const std::string & maskFolder, std::vector<std::string> & problems);

/** A seeded split of the pairs: shuffled with PortableRandom(seed), then test, validation,
 *  labelled and unlabelled images in that order; paths relative to `datalistFolder`. Negative
 *  counts throw std::invalid_argument, too few pairs std::runtime_error. Same seed and files, same
 *  split, on any machine. */
Datalist
SplitDataset(std::vector<DatalistItem> pairs, const SplitCounts & counts, const std::string & datalistFolder);

/** `sinusseg split`: pairs the folders and splits them; every pairing problem and a shortage of
 *  images are reported together in one std::runtime_error. */
Datalist
SplitImageFolders(const std::string & imageFolder, const std::string & maskFolder, const SplitCounts & counts,
                  const std::string & datalistFolder);

} // namespace sinus

#endif
