// SPDX-License-Identifier: Apache-2.0
#include "sinus/SamModel.h"

namespace sinus
{

namespace
{
void
ShrinkForCpu(SamConfig & c)
{
  c.imageEncoder.imgSize = 256;
  c.imageEncoder.embedDim = 192;
  c.imageEncoder.depth = 4;
  c.imageEncoder.numHeads = 3;
  c.imageEncoder.outChans = 128;
  c.imageEncoder.windowSize = 8;
  c.imageEncoder.globalAttnIndexes = { 1, 3 };
  c.promptEncoder.embedDim = 128;
  c.maskDecoder.transformerDim = 128;
  c.maskDecoder.transformerEmbeddingDim = 128;
  c.maskDecoder.transformerNumHeads = 4;
  c.maskDecoder.transformerMlpDim = 512;
  c.maskDecoder.iouHeadHiddenDim = 128;
}
} // namespace

SamConfig
SamPreset(const std::string & name, int64_t inputSize)
{
  SamConfig c = SamConfig::VitB();
  if (name == "small")
    ShrinkForCpu(c);
  else if (name != "vit_b")
    throw std::invalid_argument("unknown SAM preset '" + name + "' (known: small, vit_b)");
  if (inputSize > 0)
  {
    if (inputSize % c.imageEncoder.patchSize != 0 || inputSize < 4 * c.imageEncoder.patchSize)
      throw std::invalid_argument("input size " + std::to_string(inputSize) + " must be a multiple of the patch size " +
                                  std::to_string(c.imageEncoder.patchSize) + " and at least 4 patches");
    c.imageEncoder.imgSize = inputSize;
  }
  const int64_t grid = c.imageEncoder.imgSize / c.imageEncoder.patchSize;
  c.promptEncoder.imageEmbeddingHeight = grid;
  c.promptEncoder.imageEmbeddingWidth = grid;
  c.promptEncoder.inputImageHeight = c.imageEncoder.imgSize;
  c.promptEncoder.inputImageWidth = c.imageEncoder.imgSize;
  return c;
}

} // namespace sinus
