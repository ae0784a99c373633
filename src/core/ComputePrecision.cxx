// SPDX-License-Identifier: Apache-2.0
#include "sinus/ComputePrecision.h"

#include <ATen/autocast_mode.h>
#include <torch/library.h>
#include <torch/version.h>

#include <cctype>
#include <cstdlib>
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

// LibTorch 2.4 replaced the CPU-only autocast calls by ones that name the device type; the old
// ones remain there, deprecated, and are all that 1.x has.
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
bool
CpuAutocastEnabled()
{
  return at::autocast::is_autocast_enabled(at::kCPU);
}

namespace
{
at::ScalarType
CpuAutocastType()
{
  return at::autocast::get_autocast_dtype(at::kCPU);
}

void
SetCpuAutocast(bool enabled, at::ScalarType type)
{
  at::autocast::set_autocast_dtype(at::kCPU, type);
  at::autocast::set_autocast_enabled(at::kCPU, enabled);
}
} // namespace
#else
bool
CpuAutocastEnabled()
{
  return at::autocast::is_cpu_enabled();
}

namespace
{
at::ScalarType
CpuAutocastType()
{
  return at::autocast::get_autocast_cpu_dtype();
}

void
SetCpuAutocast(bool enabled, at::ScalarType type)
{
  at::autocast::set_autocast_cpu_dtype(type);
  at::autocast::set_cpu_enabled(enabled);
}
} // namespace
#endif

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

namespace
{
std::string
UpperCase(const std::string & text)
{
  std::string upper;
  for (const char c : text)
    upper.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  return upper;
}
} // namespace

bool
OneDnnIsaCapAllowsBFloat16(const std::string & cap)
{
  const std::string upper = UpperCase(cap);
  return upper.empty() || upper == "ALL" || upper.find("BF16") != std::string::npos || upper.find("FP16") != std::string::npos ||
         upper.find("AMX") != std::string::npos;
}

bool
OneDnnIsaCapAllowsAvx512(const std::string & cap)
{
  const std::string upper = UpperCase(cap);
  return upper.empty() || upper == "ALL" || upper.find("AVX512") != std::string::npos;
}

namespace
{
/** oneDNN's instruction-set cap as oneDNN reads it (ONEDNN_ first); empty: none. */
std::string
OneDnnIsaCap()
{
  for (const char * name : { "ONEDNN_MAX_CPU_ISA", "DNNL_MAX_CPU_ISA" })
    if (const char * cap = std::getenv(name))
      return cap;
  return {};
}

// The compiler's CPUID reader, asked at run time: also false when the operating system does not save
// the AVX-512 state. Elsewhere no run-time check is written: the float32 reference.
#if (defined(__GNUC__) || defined(__clang__)) && (defined(__x86_64__) || defined(__i386__))
#  define SINUS_CPU_SUPPORTS(feature) (__builtin_cpu_init(), __builtin_cpu_supports(feature) != 0)
#else
#  define SINUS_CPU_SUPPORTS(feature) false
#endif
} // namespace

bool
CpuHasNativeBFloat16()
{
  return SINUS_CPU_SUPPORTS("avx512bf16") && OneDnnIsaCapAllowsBFloat16(OneDnnIsaCap());
}

bool
CpuCanComputeBFloat16()
{
  // oneDNN's AVX512_CORE level: AVX512F, BW, VL, DQ; BW is the one AVX-512 CPUs without it lack.
  return SINUS_CPU_SUPPORTS("avx512bw") && OneDnnIsaCapAllowsAvx512(OneDnnIsaCap());
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
  const ComputePrecision resolved = ResolvePrecision(requested, CpuHasNativeBFloat16());
  if (resolved == ComputePrecision::BFloat16 && !CpuCanComputeBFloat16())
    throw std::runtime_error("precision bf16: this CPU has no AVX-512 (or oneDNN is capped below AVX512_CORE), and this "
                             "LibTorch's bf16 kernels need it; use fp32 (or auto, which chooses fp32 here)");
  return resolved;
}

std::string
DescribePrecision(ComputePrecision requested)
{
  const bool             native = CpuHasNativeBFloat16();
  const ComputePrecision resolved = ResolvePrecision(requested);
  const std::string      cpu = native ? "this CPU has AVX512_BF16" : "this CPU has no native bf16 (or oneDNN is capped below it)";
  if (requested == ComputePrecision::Auto)
    return ToString(resolved) + " (auto: " + cpu + ")";
  if (resolved == ComputePrecision::BFloat16 && !native)
    return "bf16 (" + cpu + ": emulated, slower than fp32)";
  return ToString(resolved);
}

PrecisionScope::PrecisionScope(ComputePrecision requested)
  : m_Precision(ResolvePrecision(requested))
  , m_PreviousEnabled(CpuAutocastEnabled())
  , m_PreviousType(static_cast<int>(CpuAutocastType()))
{
  // Float32 turns an enclosing scope's autocast off: fp32 is the reference wherever it is asked for.
  const bool bf16 = m_Precision == ComputePrecision::BFloat16;
  SetCpuAutocast(bf16, bf16 ? at::kBFloat16 : CpuAutocastType());
}

PrecisionScope::~PrecisionScope()
{
  SetCpuAutocast(m_PreviousEnabled, static_cast<at::ScalarType>(m_PreviousType));
  // Autocast keeps bf16 copies of the weights while it is on; they belong to the outermost scope.
  if (m_Precision == ComputePrecision::BFloat16 && !m_PreviousEnabled)
    at::autocast::clear_cache();
}

} // namespace sinus
