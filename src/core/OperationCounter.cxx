// SPDX-License-Identifier: Apache-2.0
// A RecordFunction observer sees every operator the dispatcher runs, with its inputs; counting
// there, rather than walking the module tree, includes what modules do outside their submodules
// (SAM's attention, its relative positions, UNETR's products) and sees the real shapes.
#include "sinus/OperationCounter.h"

#include <ATen/record_function.h>

#include <cstring>

namespace sinus
{
namespace
{
thread_local OperationCount * t_Count = nullptr;

int64_t
Product(c10::IntArrayRef sizes)
{
  int64_t p = 1;
  for (int64_t s : sizes)
    p *= s;
  return p;
}

/** aten::convolution(input, weight, bias, stride, padding, dilation, transposed, output_padding, groups) */
int64_t
ConvolutionMultiplyAdds(c10::ArrayRef<const c10::IValue> in)
{
  const at::Tensor input = in[0].toTensor(), weight = in[1].toTensor();
  const bool       transposed = in[6].toBool();
  if (transposed) // every input pixel meets every weight of its group: N x H x W x |weight|
    return input.size(0) * Product(input.sizes().slice(2)) * weight.numel();
  const auto stride = in[3].toIntVector(), padding = in[4].toIntVector(), dilation = in[5].toIntVector();
  int64_t    outputPixels = 1;
  for (size_t d = 0; d + 2 < static_cast<size_t>(input.dim()); ++d)
  {
    const int64_t extent = input.size(static_cast<int64_t>(d) + 2), kernel = weight.size(static_cast<int64_t>(d) + 2);
    outputPixels *= (extent + 2 * padding[d] - dilation[d] * (kernel - 1) - 1) / stride[d] + 1;
  }
  return input.size(0) * outputPixels * weight.numel(); // weight: Cout x Cin/groups x k x k
}

/** (b x) n x k times (b x) k x m. */
int64_t
ProductMultiplyAdds(const at::Tensor & a, const at::Tensor & b)
{
  return Product(a.sizes()) * b.size(-1);
}

std::unique_ptr<at::ObserverContext>
CountOperator(const at::RecordFunction & fn)
{
  if (!t_Count)
    return nullptr;
  const char * name = fn.name();
  const auto   in = fn.inputs();
  if (std::strcmp(name, "aten::convolution") == 0)
    t_Count->convolutions += ConvolutionMultiplyAdds(in);
  else if (std::strcmp(name, "aten::mm") == 0 || std::strcmp(name, "aten::bmm") == 0)
    t_Count->matrixProducts += ProductMultiplyAdds(in[0].toTensor(), in[1].toTensor());
  else if (std::strcmp(name, "aten::addmm") == 0 || std::strcmp(name, "aten::baddbmm") == 0)
    t_Count->matrixProducts += ProductMultiplyAdds(in[1].toTensor(), in[2].toTensor());
  return nullptr;
}
} // namespace

OperationCount
CountSegmenterOperations(SegmenterImpl & segmenter)
{
  torch::NoGradGuard   noGrad;
  const bool           training = segmenter.is_training();
  OperationCount       count;
  const torch::Tensor  input = torch::zeros({ 1, 3, segmenter.InputSize(), segmenter.InputSize() });
  segmenter.eval();
  at::RecordFunctionGuard enable(true);
  t_Count = &count;
  const at::CallbackHandle handle = at::addThreadLocalCallback(at::RecordFunctionCallback(&CountOperator).needsInputs(true));
  try
  {
    segmenter.Logits(input);
  }
  catch (...)
  {
    at::removeCallback(handle);
    t_Count = nullptr;
    throw;
  }
  at::removeCallback(handle);
  t_Count = nullptr;
  segmenter.train(training);
  return count;
}

int64_t
CountParameters(const torch::nn::Module & module)
{
  int64_t total = 0;
  for (const auto & p : module.parameters(/*recurse=*/true))
    total += p.numel();
  return total;
}

} // namespace sinus
