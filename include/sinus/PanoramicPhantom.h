// SPDX-License-Identifier: Apache-2.0
#ifndef sinus_PanoramicPhantom_h
#define sinus_PanoramicPhantom_h

#include "sinus/Json.h"
#include "sinus/MedSAMImageTransforms.h"
#include "sinus/PolygonScan.h"
#include "sinus/Raster.h"

#include <cstdint>

namespace sinus
{

/** Synthetic dental panoramic radiographs with maxillary-sinus ground truth.
 *
 *  No public sinus labels exist, so SinusSeg ships this generator for its demo, tests and
 *  first-time users. Each phantom draws, from one seed: the dental arch on a smile-shaped occlusal
 *  plane (crowns with enamel, pulp, single and two-rooted teeth, fillings, missing teeth), mandible
 *  with rami, condyles, coronoid processes, cortical lower border and mandibular canal, hard palate,
 *  nasal cavity with septum and turbinates, orbits, zygomatic buttress and arch crossing the
 *  sinus, tongue, palatoglossal and pharyngeal airway shadows, cervical-spine ghosts, and two
 *  maxillary sinuses whose floors dip towards the molar roots, outlined by low-contrast, partly
 *  missing cortical lines. Size, shape, position and asymmetry of the sinuses, missing teeth,
 *  exposure, blur and noise vary. Rendering is an attenuation model: bone and soft-tissue layers
 *  (the soft layer blurred more), I = 1 - exp(-k D), then exposure, blur and signal-dependent noise.
 *
 *  Deterministic: the same options give the same bytes on every platform (own RNG, no std::
 *  distributions). */
struct PanoramicPhantomOptions
{
  int64_t  width = 2048;
  int64_t  height = 1024;
  uint64_t seed = 0;
};

struct PanoramicPhantom
{
  Raster<uint8_t>       image; ///< (H, W) grey radiograph
  Raster<uint8_t>       mask;  ///< (H, W) sinus ground truth, 0 / 255, both sinuses
  std::vector<Polygon2> sinusOutlines; ///< the two outlines the mask was filled from (image left, right)
  Json                  parameters;    ///< the drawn anatomy and acquisition parameters, for provenance
};

/** The seed of phantom number `index` of a data set generated with `datasetSeed` (a hash, so that
 *  neighbouring data sets share no phantoms). */
uint64_t
DerivePhantomSeed(uint64_t datasetSeed, uint64_t index);

PanoramicPhantom
GeneratePanoramicPhantom(const PanoramicPhantomOptions & options, const ProgressCallback & progress = {});

} // namespace sinus

#endif
