// SPDX-License-Identifier: Apache-2.0
#ifndef sinus_TableOnePlan_h
#define sinus_TableOnePlan_h

#include "sinus/AblationPlan.h"
#include "sinus/DatasetFingerprint.h"
#include "sinus/EvaluationSummary.h"

#include <string>
#include <vector>

namespace sinus
{

/** One row of the paper's Table 1: a segmenter trained on the labelled images alone, or the
 *  semi-supervised method. */
struct TableOneRow
{
  std::string   name;  ///< command-line name: an architecture, or "ours"
  std::string   label; ///< as printed
  AblationRun   run;   ///< its training run (a teacher-only run for a baseline)
  SegmenterSpec reported; ///< the network whose size the row reports (the method's student)
  bool          method = false;
};

struct TableOnePlan
{
  std::vector<TableOneRow> rows;
};

/** The rows named in `rows` (architecture names of TableOneArchitectures() and "ours"), in the
 *  paper's order. A baseline trains its network with `base`'s teacher settings (same epochs for
 *  every row; nnU-Net with its own plan from `fingerprint`); "ours" is `base` itself, and reuses
 *  the baseline row that trained the same teacher. Unknown names throw std::invalid_argument. */
TableOnePlan
PlanTableOne(const SemiSupervisedConfig & base, const std::vector<std::string> & rows, const std::string & preset,
             const DatasetFingerprint * fingerprint);

/** What a finished row measured. */
struct TableOneResult
{
  std::string  name, label;
  ModelSummary summary;
  double       parametersMillions = 0, gigaFlops = 0; ///< of the reported network at its input size
  int64_t      inputSize = 0;
  double       trainingSeconds = 0;                   ///< all training stages, from the run's logs
};

/** Training wall time of a run folder: the seconds of every epoch in teacher_log.csv,
 *  refinement_log.csv and student_log.csv (whichever exist). */
double
RunFolderTrainingSeconds(const std::string & folder);

/** Table 1 as Markdown (with `caption` and the paper's Dice beside each row), CSV and JSON. */
std::string
FormatTableOneMarkdown(const std::vector<TableOneResult> & results, const std::string & caption);
std::string
FormatTableOneCsv(const std::vector<TableOneResult> & results);
Json
TableOneToJson(const std::vector<TableOneResult> & results);

} // namespace sinus

#endif
