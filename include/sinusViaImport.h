// SPDX-License-Identifier: Apache-2.0
#ifndef sinusViaImport_h
#define sinusViaImport_h

#include <cstdint>
#include <string>

namespace sinus
{

struct ViaImportOptions
{
  std::string csvPath;
  std::string imagesDirectory;
  std::string outputDirectory;
  uint8_t     foreground = 255;
  std::string attributeKey;   ///< keep only regions whose region_attributes[key] == value ...
  std::string attributeValue; ///< ... when key is not empty
  /** A datalist whose unlabelled training images the masks become the labels of (AddTrainingLabels:
   *  never a validation or test image, never one labelled before); none when empty. */
  std::string datalistPath;
};

/** Keeps only regions whose region_attributes KEY equals VALUE: `filter` is "KEY=VALUE"; throws
 *  std::invalid_argument otherwise. */
void
SetRegionFilter(ViaImportOptions & options, const std::string & filter);

struct ViaImportSummary
{
  int images = 0;
  int regions = 0;
  int regionsFilteredOut = 0;
  int labelsAdded = 0; ///< to the datalist
};

/** Rasterises every region of a VIA 2.x CSV export into one mask per image (named like the image,
 *  with a .png extension), sized like the image. Every problem -- bad quoting or JSON, unknown
 *  shape, missing image, point outside the image, two images mapping to one mask name -- is
 *  collected with file and line and reported together in one exception; no output folder is left. */
/** With a datalist, its problems are found before anything is written, and the datalist is
 *  rewritten (atomically) after the masks: a failed rewrite removes the masks again. */
ViaImportSummary
ImportViaAnnotations(const ViaImportOptions & options);

} // namespace sinus

#endif
