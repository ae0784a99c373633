// SPDX-License-Identifier: Apache-2.0
#include "sinusTinyPipelineRun.h"

#include "sinus/SegmenterRegistry.h"

#include <cmath>

namespace sinus
{
SegmentationSample
EllipseSample(int index, int64_t inputSize, bool labelled)
{
  const int64_t   h = 48, w = 96;
  Raster<double>  grey(h, w);
  Raster<uint8_t> mask(h, w);
  const double    cx = 30 + 6 * (index % 5), cy = 20 + 2 * (index % 3), rx = 14 + index % 4, ry = 9;
  for (int64_t y = 0; y < h; ++y)
    for (int64_t x = 0; x < w; ++x)
    {
      const bool inside = std::pow((x + 0.5 - cx) / rx, 2) + std::pow((y + 0.5 - cy) / ry, 2) < 1.0;
      mask(y, x) = inside ? 1 : 0;
      grey(y, x) = (inside ? 190.0 : 60.0) + 20.0 * std::sin(0.7 * x + 1.3 * y + index);
    }
  return MakeSegmentationSample("case" + std::to_string(index) + ".png", grey, labelled ? mask : Raster<uint8_t>(), inputSize,
                                { inputSize / 4, inputSize });
}

SemiSupervisedConfig
TinyPipelineConfig()
{
  SemiSupervisedConfig c = SemiSupervisedConfig::Preset("small");
  c.teacherModel = SegmenterSpec::Preset("small", 64); // 4 x 4 tokens, 16 x 16 logits: seconds per epoch
  c.studentModel = c.teacherModel;
  c.teacher.epochs = 2;
  c.teacher.batchSize = 2;
  c.student = c.teacher;
  c.refiner.workingHeight = 32;
  c.refiner.workingWidth = 64;
  c.refiner.generatorFilters = 4;
  c.refiner.generatorBlocks = 1;
  c.refiner.discriminatorFilters = 4;
  c.refiner.correctionFilters = 4;
  c.refiner.cbamReduction = 2;
  c.refinerTraining.epochs = 1;
  c.refinerTraining.batchSize = 2;
  c.predictionBatch = 4;
  return c;
}

SemiSupervisedData
TinyPipelineData()
{
  SemiSupervisedData d;
  for (int i = 0; i < 3; ++i)
    d.labelled.push_back(EllipseSample(i, 64, true));
  for (int i = 3; i < 7; ++i)
    d.unlabelled.push_back(EllipseSample(i, 64, false));
  d.validation.push_back(EllipseSample(7, 64, true));
  d.test.push_back(EllipseSample(8, 64, true));
  d.test.push_back(EllipseSample(9, 64, true));
  return d;
}
} // namespace sinus
