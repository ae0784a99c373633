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
};

/** Rasterises every region of a VIA 2.x CSV export into one mask per image (named like the image,
 *  with a .png extension), sized like the image. Every problem -- bad quoting or JSON, unknown
 *  shape, missing image, point outside the image, two images mapping to one mask name -- is
 *  collected with file and line and reported together in one exception; no output folder is left. */
ViaImportSummary
ImportViaAnnotations(const ViaImportOptions & options);

} // namespace sinus

#endif
