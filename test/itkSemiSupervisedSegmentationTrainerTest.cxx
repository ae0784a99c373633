// SPDX-License-Identifier: Apache-2.0
#include "sinus/FileUtilities.h"
#include "itkSemiSupervisedSegmentationTrainer.h"

#include "itkTestingMacros.h"

#include <cmath>
#include <filesystem>

// The ITK trainer: events (progress rises to 1, one iteration event per batch, stage messages),
// the decorated result, abort after a batch leaving the checkpoint, resume, and preconditions.
namespace
{
sinus::SegmentationSample
Disk(int index, bool labelled)
{
  sinus::Raster<double>  grey(40, 80);
  sinus::Raster<uint8_t> mask(40, 80);
  for (int64_t y = 0; y < 40; ++y)
    for (int64_t x = 0; x < 80; ++x)
    {
      const bool inside = std::hypot(x - 30.0 - 3 * index, y - 20.0) < 11.0;
      mask(y, x) = inside ? 1 : 0;
      grey(y, x) = inside ? 200.0 : 50.0 + 5.0 * ((x + y + index) % 7);
    }
  return sinus::MakeSegmentationSample("disk" + std::to_string(index), grey, labelled ? mask : sinus::Raster<uint8_t>(), 64, { 16 });
}
} // namespace

int
itkSemiSupervisedSegmentationTrainerTest(int argc, char * argv[])
{
  if (argc < 2)
  {
    std::cerr << "usage: " << argv[0] << " scratchFolder" << std::endl;
    return EXIT_FAILURE;
  }
  namespace fs = std::filesystem;
  const fs::path scratch = fs::path(argv[1]) / "semisupervised_trainer";
  sinus::RemoveTree(scratch);

  sinus::SemiSupervisedData data;
  for (int i = 0; i < 2; ++i)
    data.labelled.push_back(Disk(i, true));
  for (int i = 2; i < 4; ++i)
    data.unlabelled.push_back(Disk(i, false));
  data.test.push_back(Disk(4, true));
  sinus::SemiSupervisedConfig config = sinus::SemiSupervisedConfig::Preset("small");
  config.teacherModel = sinus::SegmenterSpec::Preset("small", 64);
  config.studentModel = config.teacherModel;
  config.teacher.epochs = 2;
  config.teacher.batchSize = 1;
  config.student = config.teacher;
  config.refinement = sinus::RefinementMode::Off;

  auto trainer = itk::SemiSupervisedSegmentationTrainer::New();
  ITK_EXERCISE_BASIC_OBJECT_METHODS(trainer, SemiSupervisedSegmentationTrainer, ProcessObject);
  // Preconditions: no data, no output folder.
  ITK_TRY_EXPECT_EXCEPTION(trainer->Update());
  trainer->SetData(data);
  ITK_TRY_EXPECT_EXCEPTION(trainer->Update());
  trainer->SetOutputDirectory((scratch / "run").string());
  trainer->SetConfiguration(config);
  trainer->SetDevice("tpu");
  ITK_TRY_EXPECT_EXCEPTION(trainer->Update());
  trainer->SetDevice("cpu");

  int    iterations = 0, messages = 0;
  float  lastProgress = -1;
  bool   progressMonotone = true;
  trainer->AddObserver(itk::IterationEvent(), [&](const itk::EventObject &) { ++iterations; });
  trainer->AddObserver(itk::TrainingMessageEvent(), [&](const itk::EventObject &) { ++messages; });
  trainer->AddObserver(itk::ProgressEvent(), [&](const itk::EventObject &) {
    progressMonotone = progressMonotone && trainer->GetProgress() >= lastProgress;
    lastProgress = trainer->GetProgress();
  });
  ITK_TRY_EXPECT_NO_EXCEPTION(trainer->Update());
  // Teacher 2 epochs x 2 batches, pseudo-labels 2, refinement (off) 0, student 2 x 2, evaluation 2.
  ITK_TEST_EXPECT_EQUAL(iterations, 4 + 2 + 4 + 2);
  ITK_TEST_EXPECT_TRUE(messages >= 4);
  ITK_TEST_EXPECT_TRUE(progressMonotone);
  ITK_TEST_EXPECT_EQUAL(lastProgress, 1.0f);
  const sinus::PipelineResult & result = trainer->GetResult();
  ITK_TEST_EXPECT_EQUAL(result.summaries.size(), 2u);
  ITK_TEST_EXPECT_EQUAL(result.cases.size(), 2u);
  ITK_TEST_EXPECT_TRUE(fs::exists(scratch / "run" / "student.sinusseg"));

  // Abort in the middle of the teacher's second epoch: ProcessAborted, the first epoch's
  // checkpoint stays, and Resume finishes the run.
  auto aborting = itk::SemiSupervisedSegmentationTrainer::New();
  aborting->SetData(data);
  aborting->SetOutputDirectory((scratch / "aborted").string());
  aborting->SetConfiguration(config);
  int batches = 0;
  aborting->AddObserver(itk::IterationEvent(), [&](const itk::EventObject &) {
    if (++batches == 3)
      aborting->AbortGenerateDataOn();
  });
  ITK_TRY_EXPECT_EXCEPTION(aborting->Update());
  ITK_TEST_EXPECT_TRUE(fs::exists(scratch / "aborted" / "teacher.checkpoint"));
  ITK_TEST_EXPECT_TRUE(!fs::exists(scratch / "aborted" / "student.sinusseg"));
  aborting->AbortGenerateDataOff();
  aborting->SetResume(true);
  batches = 100;
  ITK_TRY_EXPECT_NO_EXCEPTION(aborting->Update());
  ITK_TEST_EXPECT_TRUE(fs::exists(scratch / "aborted" / "student.sinusseg"));
  std::cout << "Test finished." << std::endl;
  return EXIT_SUCCESS;
}
