// SPDX-License-Identifier: Apache-2.0
// Example: the semi-supervised trainer as an ITK process object, with observers for progress
// and per-batch losses.
//   TrainSemiSupervised dataset.json output_folder [teacher_epochs student_epochs refiner_epochs]
// The datalist is the one `sinusseg phantoms` writes (or your own, see Documentation/Training.md).
#include "itkSemiSupervisedSegmentationTrainer.h"

#include <cstdlib>
#include <iostream>

int
main(int argc, char * argv[])
{
  if (argc != 3 && argc != 6)
  {
    std::cerr << "Usage: " << argv[0] << " dataset.json output_folder [teacher_epochs student_epochs refiner_epochs]" << std::endl;
    return EXIT_FAILURE;
  }
  try
  {
    sinus::SemiSupervisedConfig config = sinus::SemiSupervisedConfig::Preset("small");
    if (argc == 6)
    {
      config.teacher.epochs = std::atoi(argv[3]);
      config.student.epochs = std::atoi(argv[4]);
      config.refinerTraining.epochs = std::atoi(argv[5]);
    }
    auto trainer = itk::SemiSupervisedSegmentationTrainer::New();
    trainer->SetDatalistFileName(argv[1]);
    trainer->SetOutputDirectory(argv[2]);
    trainer->SetConfiguration(config);
    trainer->AddObserver(itk::TrainingMessageEvent(), [&](const itk::EventObject &) { std::cout << trainer->GetLastMessage() << std::endl; });
    trainer->AddObserver(itk::ProgressEvent(), [&](const itk::EventObject &) {
      std::cout << "\r" << static_cast<int>(100 * trainer->GetProgress()) << " % " << trainer->GetCurrentLosses() << "     " << std::flush;
    });
    trainer->Update();
    std::cout << std::endl;
    for (const auto & s : trainer->GetResult().summaries)
      std::cout << s.model << ": Dice " << s.dice.mean << ", HD95 " << s.hd95Pixels.mean << " px on " << s.dice.count << " test images"
                << std::endl;
  }
  catch (const itk::ExceptionObject & e)
  {
    std::cerr << e.GetDescription() << std::endl;
    return EXIT_FAILURE;
  }
  return EXIT_SUCCESS;
}
