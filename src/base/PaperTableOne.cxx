// SPDX-License-Identifier: Apache-2.0
#include "sinus/PaperTableOne.h"

namespace sinus
{

const std::vector<PaperTableOneRow> &
PaperTableOne()
{
  static const std::vector<PaperTableOneRow> rows{
    { "unet", "U-Net", 0.9467, 31.04, 1751.61 },
    { "deeplabv3plus", "DeepLabV3+", 0.9585, 2.67, 295.23 },
    { "transunet", "TransUNet", 0.9587, 93.74, 1044.91 },
    { "unetr", "UNETR", 0.8638, 92.02, 2460.28 },
    { "nnunet", "nnU-Net", 0.9006, 58.65, 367.97 },
    { "medsam", "MedSAM", 0.9602, 90.49, 743.98 },
    { "ours", "Ours (weighted KD)", 0.9635, 0, 0 },
  };
  return rows;
}

const PaperTableOneRow *
FindPaperTableOneRow(const std::string & architecture)
{
  const std::string name = architecture == "sam" ? "medsam" : architecture;
  for (const auto & row : PaperTableOne())
    if (row.architecture == name)
      return &row;
  return nullptr;
}

} // namespace sinus
