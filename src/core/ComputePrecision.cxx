// SPDX-License-Identifier: Apache-2.0
#include "sinus/ComputePrecision.h"

#include <ATen/autocast_mode.h>
#include <torch/library.h>
#include <torch/version.h>

#include <stdexcept>

namespace sinus
{
namespace
{
#if TORCH_VERSION_MAJOR < 2
// LibTorch 1.x's CPU autocast leaves group_norm and layer_norm out of its lists, and their CPU
// kernels refuse a bf16 input with float32 weights (the output of a bf16 convolution or linear
// layer before a norm in every U-Net, DeepLabV3+, TransUNet and UNETR block). Registered here in
// autocast's own float32 policy, as LibTorch does for its other numerically delicate operations:
// the norm computes in float32 and the next product casts back. LibTorch 2 takes mixed types itself.
c10::optional<at::Tensor>
AsFloat32(const c10::optional<at::Tensor> & tensor)
{
  if (!tensor || !tensor->defined() || tensor->scalar_type() != at::kBFloat16)
    return tensor;
  return tensor->to(at::kFloat);
}

at::Tensor
GroupNormInFloat32(const at::Tensor & input, int64_t groups, const c10::optional<at::Tensor> & weight,
                   const c10::optional<at::Tensor> & bias, double eps, bool cudnn)
{
  const c10::impl::ExcludeDispatchKeyGuard withoutAutocast(c10::DispatchKey::AutocastCPU);
  return at::group_norm(*AsFloat32(input), groups, AsFloat32(weight), AsFloat32(bias), eps, cudnn);
}

at::Tensor
LayerNormInFloat32(const at::Tensor & input, at::IntArrayRef shape, const c10::optional<at::Tensor> & weight,
                   const c10::optional<at::Tensor> & bias, double eps, bool cudnn)
{
  const c10::impl::ExcludeDispatchKeyGuard withoutAutocast(c10::DispatchKey::AutocastCPU);
  return at::layer_norm(*AsFloat32(input), shape, AsFloat32(weight), AsFloat32(bias), eps, cudnn);
}

TORCH_LIBRARY_IMPL(aten, AutocastCPU, m)
{
  m.impl("group_norm", TORCH_FN(GroupNormInFloat32));
  m.impl("layer_norm", TORCH_FN(LayerNormInFloat32));
}
#endif
} // namespace

ComputePrecision
ParseComputePrecision(const std::string & text)
{
  if (text == "auto")
    return ComputePrecision::Auto;
  if (text == "fp32")
    return ComputePrecision::Float32;
  if (text == "bf16")
    return ComputePrecision::BFloat16;
  throw std::invalid_argument("unknown precision '" + text + "' (known: auto, fp32, bf16)");
}

std::string
ToString(ComputePrecision precision)
{
  switch (precision)
  {
    case ComputePrecision::Auto:
      return "auto";
    case ComputePrecision::BFloat16:
      return "bf16";
    case ComputePrecision::Float32:
      break;
  }
  return "fp32";
}

bool
CpuHasNativeBFloat16()
{
#if (defined(__GNUC__) || defined(__clang__)) && (defined(__x86_64__) || defined(__i386__))
  // The compiler's CPUID reader: also true only when the operating system saves the AVX-512 state.
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512bf16") != 0;
#else
  return false; // no run-time check written for this CPU family: the float32 reference
#endif
}

ComputePrecision
ResolvePrecision(ComputePrecision requested, bool nativeBFloat16)
{
  if (requested != ComputePrecision::Auto)
    return requested;
  return nativeBFloat16 ? ComputePrecision::BFloat16 : ComputePrecision::Float32;
}

ComputePrecision
ResolvePrecision(ComputePrecision requested)
{
  return ResolvePrecision(requested, CpuHasNativeBFloat16());
}

std::string
DescribePrecision(ComputePrecision requested)
{
  const bool               native = CpuHasNativeBFloat16();
  const ComputePrecision resolved = ResolvePrecision(requested, native);
  const std::string        cpu = native ? "this CPU has AVX512_BF16" : "this CPU has no native bf16";
  if (requested == ComputePrecision::Auto)
    return ToString(resolved) + " (auto: " + cpu + ")";
  if (resolved == ComputePrecision::BFloat16 && !native)
    return "bf16 (" + cpu + ": emulated, slower than fp32)";
  return ToString(resolved);
}

PrecisionScope::PrecisionScope(ComputePrecision requested)
  : m_Precision(ResolvePrecision(requested))
  , m_PreviousEnabled(at::autocast::is_cpu_enabled())
  , m_PreviousType(static_cast<int>(at::autocast::get_autocast_cpu_dtype()))
{
  // Float32 turns an enclosing scope's autocast off: fp32 is the reference wherever it is asked for.
  if (m_Precision == ComputePrecision::BFloat16)
    at::autocast::set_autocast_cpu_dtype(at::kBFloat16);
  at::autocast::set_cpu_enabled(m_Precision == ComputePrecision::BFloat16);
}

PrecisionScope::~PrecisionScope()
{
  at::autocast::set_cpu_enabled(m_PreviousEnabled);
  at::autocast::set_autocast_cpu_dtype(static_cast<at::ScalarType>(m_PreviousType));
  // Autocast keeps bf16 copies of the weights while it is on; they belong to the outermost scope.
  if (m_Precision == ComputePrecision::BFloat16 && !m_PreviousEnabled)
    at::autocast::clear_cache();
}

} // namespace sinus
