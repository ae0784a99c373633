// SPDX-License-Identifier: Apache-2.0
// Regression check used by pipeline tests: two masks (value != 0 is foreground) on the same
// grid agree with a Dice coefficient of at least the given value.
#include "sinusImageIO.h"
#include "sinus/SegmentationMetrics.h"

#include "itkTestingMacros.h"

#include <cstdlib>

int
sinusMaskAgreementTest(int argc, char * argv[])
{
  if (argc < 4)
  {
    std::cerr << "Usage: " << itkNameOfTestExecutableMacro(argv) << " reference.png test.png minimumDice" << std::endl;
    return EXIT_FAILURE;
  }
  const auto reference = sinus::ReadMask(argv[1]);
  const auto test = sinus::ReadMask(argv[2]);
  if (reference->GetLargestPossibleRegion() != test->GetLargestPossibleRegion())
  {
    std::cerr << "mask sizes differ" << std::endl;
    return EXIT_FAILURE;
  }
  const auto   a = sinus::ImageToRaster(reference.GetPointer());
  const auto   b = sinus::ImageToRaster(test.GetPointer());
  const double dice = sinus::ComputeSegmentationMetrics(a.data.data(), b.data.data(), sinus::MaskGrid{ { a.width, a.height }, { 1.0, 1.0 } }).dice;
  const double minimum = std::strtod(argv[3], nullptr);
  std::cout << "Dice " << dice << " (minimum " << minimum << ")" << std::endl;
  return dice >= minimum ? EXIT_SUCCESS : EXIT_FAILURE;
}
