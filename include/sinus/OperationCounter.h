// SPDX-License-Identifier: Apache-2.0
#ifndef sinus_OperationCounter_h
#define sinus_OperationCounter_h

#include "sinus/Segmenter.h"

#include <cstdint>

namespace sinus
{

/** Multiply-accumulate operations of one forward pass, by kind. One multiply-add counts once
 *  (the convention of fvcore, thop and ptflops, whose figures papers report as "FLOPs");
 *  normalisations, activations, additions, pooling and resampling are not counted. */
struct OperationCount
{
  int64_t convolutions = 0;    ///< convolutions and transposed convolutions
  int64_t matrixProducts = 0;  ///< linear layers and attention products (mm, addmm, bmm, baddbmm)

  int64_t MultiplyAdds() const { return convolutions + matrixProducts; }
};

/** Counts, from the operators LibTorch actually runs, the multiply-adds of one forward pass of
 *  `segmenter` on a 1 x 3 x S x S input at its input size (evaluation mode, no gradients). */
OperationCount
CountSegmenterOperations(SegmenterImpl & segmenter);

/** The number of parameters (trainable or not). */
int64_t
CountParameters(const torch::nn::Module & module);

} // namespace sinus

#endif
