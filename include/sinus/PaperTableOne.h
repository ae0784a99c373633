// SPDX-License-Identifier: Apache-2.0
#ifndef sinus_PaperTableOne_h
#define sinus_PaperTableOne_h

#include <string>
#include <vector>

namespace sinus
{

/** One row of Park et al. 2026, Table 1 (maxillary sinus, 1024 x 1024 inputs), as published. */
struct PaperTableOneRow
{
  std::string architecture; ///< command-line name ("ours" for the method)
  std::string label;        ///< as the paper names the row
  double      dice = 0;
  double      parametersMillions = 0;
  double      gigaFlops = 0; ///< 0 where the paper gives none
};

/** The paper's seven rows, in its order. */
const std::vector<PaperTableOneRow> &
PaperTableOne();

/** The row of `architecture` (medsam and sam are one); null when the paper has none. */
const PaperTableOneRow *
FindPaperTableOneRow(const std::string & architecture);

} // namespace sinus

#endif
