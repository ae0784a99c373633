// SPDX-License-Identifier: Apache-2.0
#ifndef sinus_StateDict_h
#define sinus_StateDict_h

#include <torch/torch.h>

#include <functional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace sinus
{

/** A state dict in checkpoint order: parameter/buffer name -> tensor. */
using StateDict = std::vector<std::pair<std::string, torch::Tensor>>;

/** Raised for a checkpoint that cannot be read: missing, not a PyTorch zip archive, truncated,
 *  or holding anything but a state dict. The message names the file. */
class CheckpointError : public std::runtime_error
{
public:
  using std::runtime_error::runtime_error;
};

/** Whether `tensor` is all of its storage, contiguous from its start: such a tensor can be kept as it
 *  is without holding other memory alive (the reader and AdoptStateDictStrict keep those, copy the rest). */
bool
OwnsWholeStorage(const torch::Tensor & tensor);

/** Reads an official PyTorch checkpoint (`torch.save(model.state_dict())`, zip format), such as
 *  medsam_vit_b.pth or sam_vit_b_01ec64.pth, without executing any pickle code.
 *
 *  LibTorch's own unpickler cannot read these files (it turns collections.OrderedDict into None),
 *  so SinusSeg carries a restricted unpickler: it understands only the opcodes a state dict uses
 *  and accepts only the globals collections.OrderedDict, torch._utils._rebuild_tensor_v2,
 *  torch._utils._rebuild_parameter and the torch.*Storage types; anything else is refused with an
 *  error, never executed. The archive's internal folder name is not assumed. */
StateDict
LoadStateDict(const std::string & path);

/** The unpickler itself, on a pickle byte string; `storage(key)` returns the raw bytes of the
 *  persistent storage `key` (data/<key> in the archive). `source` names the file in errors. */
StateDict
UnpickleStateDict(const std::string & pickle, const std::function<std::string(const std::string &)> & storage,
                  const std::string & source);

} // namespace sinus

#endif
