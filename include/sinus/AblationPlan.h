// SPDX-License-Identifier: Apache-2.0
#ifndef sinus_AblationPlan_h
#define sinus_AblationPlan_h

#include "sinus/EvaluationSummary.h"
#include "sinus/PipelineConfig.h"

#include <string>
#include <vector>

namespace sinus
{

/** The rows of the paper's Table 2, each a set of switches on top of a configuration. */
struct AblationVariant
{
  std::string      name;               ///< command-line name
  std::string      description;        ///< the row as the paper names it
  bool             trainStudent = true; ///< false: the row is the teacher itself (labelled data only)
  bool             useUnlabelled = true;
  RefinementMode   refinement = RefinementMode::WithCbam;
  DistillationMode distillation = DistillationMode::Weighted;
};
const std::vector<AblationVariant> &
AblationVariants();
const AblationVariant &
FindAblationVariant(const std::string & name);
/** The configuration of one row: `base` with the variant's switches. */
SemiSupervisedConfig
ApplyAblationVariant(const SemiSupervisedConfig & base, const AblationVariant & variant);

/** One training run of an ablation, in its own folder below the ablation's. */
struct AblationRun
{
  std::string          folder;            ///< "teacher", a variant's name, or "alpha_<a>"
  SemiSupervisedConfig config;
  bool                 teacherOnly = false; ///< teacher, pseudo-labels and evaluation only
  std::string          teacherFrom;         ///< folder whose teacher the run reuses ("" for the teacher run)
  std::string          refinementFrom;      ///< folder whose refined pseudo-labels the run reuses ("" when it makes its own)
};

/** A row of a printed table: its label and which run's result (teacher or student) it shows. */
struct AblationTableRow
{
  std::string label;
  std::string folder;
  bool        teacher = false;
};

/** What `sinusseg ablation` runs and prints. Every run shares one teacher; a refinement mode is
 *  trained once and reused by later rows with the same mode; every student gets the optimisation
 *  budget of the full method (one pass over the longer of the labelled and unlabelled lists per
 *  epoch), so rows without unlabelled images are not simply trained for fewer steps; an alpha equal
 *  to the full method's reuses the full row. */
struct AblationPlan
{
  std::vector<AblationRun>      runs; ///< in order; the teacher first
  std::vector<AblationTableRow> table2, table3;
  int64_t                       studentStepsPerEpoch = 0;
};

/** `variants` names rows of Table 2 (empty: none); `alphas` the Table 3 sweep (each in [0, 1]).
 *  Invalid names or values throw std::invalid_argument. */
AblationPlan
PlanAblation(const SemiSupervisedConfig & base, const std::vector<std::string> & variants, const std::vector<double> & alphas,
             size_t labelledImages, size_t unlabelledImages);

/** Table 2 and Table 3 as Markdown (with a caption) and CSV, from each run's model summary. */
struct AblationTables
{
  std::string table2Markdown, table2Csv, table3Markdown, table3Csv;
};
AblationTables
FormatAblationTables(const AblationPlan & plan, const std::vector<std::pair<std::string, ModelSummary>> & teacherByFolder,
                     const std::vector<std::pair<std::string, ModelSummary>> & studentByFolder, const std::string & caption);

} // namespace sinus

#endif
