// SPDX-License-Identifier: Apache-2.0
#include "sinus/TensorDictionary.h"

#include <fstream>
#include <malloc.h>
#include <iterator>
#include <stdexcept>
#include <thread>

namespace sinus
{

std::map<std::string, torch::Tensor>
LoadTensorDictionary(const std::string & path)
{
  std::ifstream file(path, std::ios::binary);
  if (!file)
  {
    throw std::runtime_error(path + ": cannot open file");
  }
  std::vector<char> bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  c10::IValue       value;
  try
  {
    value = torch::pickle_load(bytes);
  }
  catch (const std::exception & e)
  {
    throw std::runtime_error(path + ": not a readable torch.save file: " + e.what());
  }
  if (!value.isGenericDict())
  {
    throw std::runtime_error(path + ": expected a dict of str -> tensor, found " + value.tagKind());
  }
  std::map<std::string, torch::Tensor> result;
  for (const auto & entry : value.toGenericDict())
  {
    if (!entry.key().isString() || !entry.value().isTensor())
    {
      throw std::runtime_error(path + ": expected a dict of str -> tensor, found an entry of type " +
                               entry.key().tagKind() + " -> " + entry.value().tagKind());
    }
    result.emplace(entry.key().toStringRef(), entry.value().toTensor());
  }
  return result;
}

const torch::Tensor &
RequireTensor(const std::map<std::string, torch::Tensor> & dictionary, const std::string & key,
              const std::string & path)
{
  const auto it = dictionary.find(key);
  if (it == dictionary.end())
  {
    throw std::runtime_error(path + ": no tensor named '" + key + "'");
  }
  return it->second;
}

template <typename T>
Raster<T>
TensorToRaster(const torch::Tensor & tensor)
{
  if (tensor.dim() != 2 && tensor.dim() != 3)
  {
    throw std::invalid_argument("TensorToRaster: expected a 2-D or 3-D tensor, got " + std::to_string(tensor.dim()) +
                                "-D");
  }
  torch::Tensor t = tensor.to(torch::CppTypeToScalarType<T>()).contiguous();
  Raster<T>     r(t.size(0), t.size(1), t.dim() == 3 ? t.size(2) : 1);
  std::copy(t.data_ptr<T>(), t.data_ptr<T>() + t.numel(), r.data.begin());
  return r;
}

template Raster<float>   TensorToRaster<float>(const torch::Tensor &);
template Raster<double>  TensorToRaster<double>(const torch::Tensor &);
template Raster<uint8_t> TensorToRaster<uint8_t>(const torch::Tensor &);

torch::Tensor
RasterToNCHW(const Raster<float> & raster)
{
  torch::Tensor hwc = torch::from_blob(const_cast<float *>(raster.data.data()),
                                       { raster.height, raster.width, raster.channels }, torch::kFloat32);
  // clone, not contiguous(): for one channel the permuted view is already contiguous, and the
  // result must own its memory rather than alias the raster.
  return hwc.permute({ 2, 0, 1 }).unsqueeze(0).clone(torch::MemoryFormat::Contiguous);
}

int
ConfigureRuntime(int threads)
{
  ::mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024); // the largest glibc accepts: below it, reuse the heap
  ::mallopt(M_TRIM_THRESHOLD, 1024 * 1024 * 1024);
  ::mallopt(M_TOP_PAD, 256 * 1024 * 1024);
  if (threads <= 0)
  {
    threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  }
  torch::set_num_threads(threads);
  return threads;
}

} // namespace sinus
