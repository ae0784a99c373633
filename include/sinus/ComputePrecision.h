// SPDX-License-Identifier: Apache-2.0
#ifndef sinus_ComputePrecision_h
#define sinus_ComputePrecision_h

#include <ostream>
#include <string>

namespace sinus
{

/** The number format of a network's matrix products and convolutions, when it predicts and (as an
 *  option) when it trains. */
enum class ComputePrecision
{
  Auto,     ///< BFloat16 where the CPU computes it natively, else Float32 (ResolvePrecision)
  Float32,  ///< every operation in float32: the reference
  BFloat16, ///< LibTorch's CPU autocast: products and convolutions in bfloat16, the rest in float32
};

/** "auto", "fp32" or "bf16"; throws std::invalid_argument naming the text otherwise. */
ComputePrecision
ParseComputePrecision(const std::string & text);

std::string
ToString(ComputePrecision precision);

inline std::ostream &
operator<<(std::ostream & os, ComputePrecision precision)
{
  return os << ToString(precision);
}

/** Whether this CPU has bfloat16 dot-product instructions (AVX512_BF16; CPUs with AMX have them
 *  too), asked of the CPU when called, never assumed from the build machine, and oneDNN may use them
 *  (OneDnnIsaCapAllowsBFloat16 of its ONEDNN_MAX_CPU_ISA or DNNL_MAX_CPU_ISA). Without them oneDNN
 *  emulates bfloat16, slower than float32. */
bool
CpuHasNativeBFloat16();

/** Whether oneDNN's instruction-set cap `cap` (the value of ONEDNN_MAX_CPU_ISA; empty: none) leaves
 *  it its bf16 kernels: none, ALL, or an ISA with BF16, FP16 or AMX in its name (AVX512_CORE_BF16
 *  and above); a lower cap (AVX2, AVX512_CORE, ...) makes oneDNN emulate bf16, as on a CPU without it. */
bool
OneDnnIsaCapAllowsBFloat16(const std::string & cap);

/** Whether bf16 can run here at all, natively or emulated: LibTorch 1.x's oneDNN (2.x) has bf16
 *  kernels for AVX-512 CPUs only, so an AVX2-only CPU (or oneDNN capped below AVX512_CORE) cannot. */
bool
CpuCanComputeBFloat16();

/** Whether oneDNN's instruction-set cap `cap` (empty: none) leaves it AVX-512 kernels. */
bool
OneDnnIsaCapAllowsAvx512(const std::string & cap);

/** What `requested` means on a CPU with or without native bfloat16: Auto becomes BFloat16 or
 *  Float32; Float32 and BFloat16 stay (bf16 asked for on a CPU without it runs, emulated). */
ComputePrecision
ResolvePrecision(ComputePrecision requested, bool nativeBFloat16);

/** ResolvePrecision on this CPU; throws std::runtime_error when that is BFloat16 and the CPU
 *  cannot compute it (CpuCanComputeBFloat16), rather than failing later inside oneDNN. */
ComputePrecision
ResolvePrecision(ComputePrecision requested);

/** One line for logs: "bf16 (auto: this CPU has AVX512_BF16)", "fp32". */
std::string
DescribePrecision(ComputePrecision requested);

/** Whether LibTorch's CPU autocast is on in this thread (what a PrecisionScope switches). */
bool
CpuAutocastEnabled();

/** While it lives, LibTorch's CPU autocast computes in the resolved precision of `requested`:
 *  for BFloat16, matrix products and convolutions in bfloat16 (their outputs bfloat16), the
 *  numerically delicate operations (softmax, norms, losses) in float32; for Float32, autocast is
 *  off, also inside an enclosing BFloat16 scope. Restores the previous autocast state when it ends.
 *  Callers turn outputs back into float32. */
class PrecisionScope
{
public:
  explicit PrecisionScope(ComputePrecision requested);
  ~PrecisionScope();
  PrecisionScope(const PrecisionScope &) = delete;
  PrecisionScope & operator=(const PrecisionScope &) = delete;

  /** The precision in force (Float32 or BFloat16). */
  ComputePrecision
  Precision() const
  {
    return m_Precision;
  }

private:
  ComputePrecision m_Precision;
  bool               m_PreviousEnabled = false;
  int                m_PreviousType = 0;
};

} // namespace sinus

#endif
