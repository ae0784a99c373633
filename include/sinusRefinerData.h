// SPDX-License-Identifier: Apache-2.0
#ifndef sinusRefinerData_h
#define sinusRefinerData_h

#include "sinus/RefinerTraining.h"

#include <functional>
#include <string>
#include <vector>

namespace sinus
{

/** Folders of masks (label images, non-zero = sinus, or probability maps in [0, 1]) for
 *  SinusCycle-GAN training. The paired folders are matched by file name; the unpaired ones are
 *  optional (empty: the paired masks serve as both domains). */
struct RefinerMaskFolders
{
  std::string pairedTeacher, pairedTruth, teacher, truth;
};

/** Reads and checks every mask before training (names matched, sizes of pairs equal, values in
 *  [0, 1]) and resizes them to the refiner's working grid. Errors name the folder or file. */
RefinerTrainingData
LoadRefinerMaskFolders(const RefinerMaskFolders & folders, const RefinerConfig & config);

/** `sinusseg train-refiner`'s configuration file: the refiner keys of `sinusseg train`'s schema
 *  ("refiner", "refiner_training") read over `defaults`; a file with neither is an error. */
RefinerSettings
ReadRefinerSettingsFile(const std::string & path, const RefinerSettings & defaults);

/** Trains SinusCycle-GAN on the masks and writes the model file `out` (with the training settings
 *  in its metadata), its checkpoint `out`.checkpoint after every epoch and the CSV log `logPath`.
 *  A new run refuses an existing checkpoint; `resume` continues it. `onEpoch` sees the log. */
std::vector<RefinerEpochRecord>
TrainRefinerModel(const RefinerSettings & settings, const RefinerTrainingData & data, const std::string & out, const std::string & logPath,
                  bool resume, const std::function<void(const std::vector<RefinerEpochRecord> &)> & onEpoch = {});

} // namespace sinus

#endif
