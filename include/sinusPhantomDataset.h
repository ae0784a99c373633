// SPDX-License-Identifier: Apache-2.0
#ifndef sinusPhantomDataset_h
#define sinusPhantomDataset_h

#include "sinus/Raster.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace sinus
{

struct PhantomDatasetOptions
{
  std::string outputDirectory;
  int         count = 20;
  int64_t     width = 2048;
  int64_t     height = 1024;
  uint64_t    seed = 0;
  double      labeledFraction = 0.25;   ///< of the training split
  double      validationFraction = 0.1; ///< of all images
  double      testFraction = 0.2;       ///< of all images
  double      polygonTolerance = 0.5;   ///< Douglas-Peucker tolerance of the VIA polygons, pixels
  int         threads = 0;              ///< phantoms generated in parallel; 0 = all cores
  std::string previewPath;              ///< optional PNG: the first three phantoms, masks outlined
  std::function<void(int done, int total)> progress;
};

struct PhantomDatasetSummary
{
  int    labeled = 0;
  int    unlabeled = 0;
  int    validation = 0;
  int    test = 0;
  int    polygons = 0;
  double seconds = 0;
};

/** Writes a complete phantom data set to options.outputDirectory, which must not exist or be empty:
 *  images/phantom_NNNNN.png, masks/phantom_NNNNN.png (0/255), annotations_via.csv (VIA 2.x CSV of
 *  the masks as polygons), dataset.json (MONAI-style datalist: `training` entries with image+label
 *  are labelled, image-only entries unlabelled; `validation`, `test`), phantom_parameters.json. All
 *  paths inside are relative to the folder. The folder only appears once everything is written. */
PhantomDatasetSummary
WritePhantomDataset(const PhantomDatasetOptions & options);

/** A PNG showing each radiograph with its mask outline in colour, tiles stacked vertically, each
 *  scaled to `tileWidth` pixels wide. */
void
WriteOutlinedMontage(const std::vector<Raster<uint8_t>> & images, const std::vector<Raster<uint8_t>> & masks,
                     const std::string & path, int64_t tileWidth = 768);

} // namespace sinus

#endif
