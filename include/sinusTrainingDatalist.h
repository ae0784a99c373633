// SPDX-License-Identifier: Apache-2.0
#ifndef sinusTrainingDatalist_h
#define sinusTrainingDatalist_h

#include "sinus/SemiSupervisedPipeline.h"

#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace sinus
{

/** Every problem found in a datalist, reported together so a user fixes them all in one go. */
class DatalistError : public std::runtime_error
{
public:
  DatalistError(const std::string & datalist, const std::vector<std::string> & problems);
  const std::vector<std::string> & Problems() const { return m_Problems; }

private:
  std::vector<std::string> m_Problems;
};

/** One entry of a datalist after its paths are resolved. */
struct DatalistEntry
{
  std::string image;
  std::string label;         ///< a mask file; empty when the label comes from VIA or there is none
  std::string viaCsv;        ///< a VIA 2.x CSV holding this image's regions
  std::string list;          ///< "training", "validation" or "test"
};

/** A MONAI-style datalist (the format `sinusseg phantoms` writes):
 *    { "training":   [ {"image": "a.png", "label": "a_mask.png"}, {"image": "b.png"}, ... ],
 *      "validation": [ ... ], "test": [ ... ], "annotations": "regions_via.csv" }
 *  Paths are relative to the datalist's folder (or absolute). In `training`, an entry with a label
 *  is labelled and one without is unlabelled. A label is a mask image (non-zero = sinus) or a VIA
 *  CSV (`"label": "file.csv"`: the regions of this image, matched by file name, rasterised). In
 *  `validation` and `test` every entry needs a label; one without takes its regions from the
 *  top-level "annotations" CSV when there is one. Unknown lists are errors. */
std::vector<DatalistEntry>
ReadDatalist(const std::string & path);

struct DatalistLoadOptions
{
  int64_t              inputSize = 256;    ///< the networks' input size (each image is preprocessed like MedSAM)
  std::vector<int64_t> labelGrids{ 64 };   ///< the logit grids labels are kept on (one per network that learns)
  int                  threads = 0;        ///< images prepared in parallel; 0 = all cores
  std::function<void(int done, int total)> progress;

  /** The input size and label grids a configuration's teacher and student need. */
  static DatalistLoadOptions For(const SemiSupervisedConfig & config, int threads = 0);
};

/** Reads and checks every image and label of the datalist and prepares them for the networks.
 *  All problems -- unreadable or missing files, label/image size mismatch, an image without regions
 *  in its VIA CSV or not in it, a validation/test entry without a label, no labelled training image,
 *  an image listed twice -- are collected and thrown together as one DatalistError before any
 *  training starts. Radiographs that are not 8-bit are min-max mapped to [0, 255] as `predict
 *  --rescale auto` does. */
SemiSupervisedData
LoadSemiSupervisedData(const std::string & datalistPath, const DatalistLoadOptions & options);

/** Unlabelled radiographs for self-supervised pretraining: every image file (by extension: PNG,
 *  JPEG, TIFF, BMP, DICOM, NRRD, MetaImage, NIfTI) directly in each folder, in name order, prepared
 *  as the datalist's images are. Other files are listed in `skipped` (never silently dropped); a
 *  missing folder, a folder without images or an unreadable image is a DatalistError naming them. */
std::vector<SegmentationSample>
LoadImageFolders(const std::vector<std::string> & folders, const DatalistLoadOptions & options, std::vector<std::string> & skipped);

/** The datalist at `datalistPath` as a run keeps it (RunDatalistPath): every image and label path
 *  made absolute, so that the copy reads the same files from the run's folder; throws
 *  DatalistError when the datalist cannot be read. */
std::string
FormatRunDatalist(const std::string & datalistPath);
/** Where a run folder keeps the datalist it was trained on. */
std::string
RunDatalistPath(const std::string & runDirectory);

/** The fingerprint (count, median size) of the datalist's labelled training images, from their
 *  headers; an unreadable image or a datalist without labelled images is an error naming it. */
DatasetFingerprint
ReadLabelledFingerprint(const std::string & datalistPath);

} // namespace sinus

#endif
