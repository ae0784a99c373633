// Regression check used by pipeline tests: two masks (value != 0 is foreground) on the same
// grid agree with a Dice coefficient of at least the given value.
#include "sinusImageIO.h"
#include "sinusPhantomDataset.h"

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
  const double dice = sinus::DiceCoefficient(sinus::ImageToRaster(reference.GetPointer()), sinus::ImageToRaster(test.GetPointer()));
  const double minimum = std::strtod(argv[3], nullptr);
  std::cout << "Dice " << dice << " (minimum " << minimum << ")" << std::endl;
  return dice >= minimum ? EXIT_SUCCESS : EXIT_FAILURE;
}
