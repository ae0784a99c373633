// SPDX-License-Identifier: Apache-2.0
#ifndef sinus_TensorDictionary_h
#define sinus_TensorDictionary_h

#include "sinus/Raster.h"

#include <torch/torch.h>

#include <map>
#include <string>

namespace sinus
{

/** A `torch.save`d plain Python dict of str -> tensor (the golden reference files), read with
 *  LibTorch's unpickler. State-dict checkpoints (OrderedDict) need the safe state-dict reader
 *  instead; LibTorch's unpickler turns OrderedDict into None. Throws std::runtime_error naming the
 *  file when it cannot be read or holds anything but str -> tensor. */
std::map<std::string, torch::Tensor>
LoadTensorDictionary(const std::string & path);

/** Looks up `key`, throwing an error that names the file and the key when it is absent. */
const torch::Tensor &
RequireTensor(const std::map<std::string, torch::Tensor> & dictionary, const std::string & key,
              const std::string & path);

/** Copies a 2-D tensor (H, W) or a 3-D tensor (H, W, C) into a Raster of the given type. */
template <typename T>
Raster<T>
TensorToRaster(const torch::Tensor & tensor);

/** (H, W, C) raster -> float32 tensor of shape (1, C, H, W), the layout of SAM's image encoder;
 *  the tensor owns a copy of the data. */
torch::Tensor
RasterToNCHW(const Raster<float> & raster);

/** Prepares the process for LibTorch inference and training; every entry point calls it once.
 *  - Sets LibTorch's intra-op thread count; `threads <= 0` means all hardware threads (Debian's
 *    LibTorch starts with one).
 *  - Tells glibc to keep freed memory instead of returning it to the kernel after every large
 *    tensor: the image encoder frees and reallocates hundreds of MB per block, and re-faulting
 *    those pages cost ~35 % of the ViT-B encoder's time on the development machine.
 *  Returns the thread count. */
int
ConfigureRuntime(int threads);

} // namespace sinus

#endif
