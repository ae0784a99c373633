// SPDX-License-Identifier: Apache-2.0
// The precision choice: names, the run-time rule for auto, and the autocast scope.
#include "sinus/ComputePrecision.h"
#include "sinusBFloat16Availability.h"

#include <cstdlib>
#include <torch/torch.h>

#include <gtest/gtest.h>

using sinus::ComputePrecision;

TEST(ComputePrecision, NamesRoundTripAndUnknownOnesAreRefusedByName)
{
  for (const ComputePrecision p : { ComputePrecision::Auto, ComputePrecision::Float32, ComputePrecision::BFloat16 })
    EXPECT_EQ(sinus::ParseComputePrecision(sinus::ToString(p)), p);
  try
  {
    sinus::ParseComputePrecision("fp16");
    FAIL() << "fp16 accepted";
  }
  catch (const std::invalid_argument & e)
  {
    EXPECT_NE(std::string(e.what()).find("unknown precision 'fp16' (known: auto, fp32, bf16)"), std::string::npos) << e.what();
  }
}

TEST(ComputePrecision, AutoIsBFloat16OnlyWhereTheCpuHasIt)
{
  EXPECT_EQ(sinus::ResolvePrecision(ComputePrecision::Auto, true), ComputePrecision::BFloat16);
  EXPECT_EQ(sinus::ResolvePrecision(ComputePrecision::Auto, false), ComputePrecision::Float32);
  EXPECT_EQ(sinus::ResolvePrecision(ComputePrecision::Float32, true), ComputePrecision::Float32);
  EXPECT_EQ(sinus::ResolvePrecision(ComputePrecision::BFloat16, false), ComputePrecision::BFloat16);
  // This machine's answer agrees with the kernel's view of the CPU.
  std::cout << "this CPU: " << sinus::DescribePrecision(ComputePrecision::Auto) << std::endl;
  EXPECT_EQ(sinus::ResolvePrecision(ComputePrecision::Auto),
            sinus::CpuHasNativeBFloat16() ? ComputePrecision::BFloat16 : ComputePrecision::Float32);
  // oneDNN capped below AVX512_CORE_BF16 emulates bf16: auto then keeps fp32, on any CPU.
  for (const char * cap : { "AVX2", "avx512_core", "AVX512_CORE_VNNI", "SSE41" })
    EXPECT_FALSE(sinus::OneDnnIsaCapAllowsBFloat16(cap)) << cap;
  for (const char * cap : { "", "ALL", "AVX512_CORE_BF16", "avx512_core_amx", "AVX512_CORE_FP16" })
    EXPECT_TRUE(sinus::OneDnnIsaCapAllowsBFloat16(cap)) << cap;
  EXPECT_TRUE(sinus::OneDnnIsaCapAllowsAvx512("AVX512_CORE") && sinus::OneDnnIsaCapAllowsAvx512(""));
  EXPECT_FALSE(sinus::OneDnnIsaCapAllowsAvx512("avx2"));
  // As on an AVX2-only CPU: auto keeps fp32, and bf16 is refused by name before oneDNN fails
  // inside a convolution (LibTorch 1.x's oneDNN has no bf16 kernels below AVX-512).
  ::setenv("ONEDNN_MAX_CPU_ISA", "AVX2", 1);
  EXPECT_FALSE(sinus::CpuHasNativeBFloat16());
  EXPECT_FALSE(sinus::CpuCanComputeBFloat16());
  EXPECT_EQ(sinus::ResolvePrecision(ComputePrecision::Auto), ComputePrecision::Float32);
  try
  {
    sinus::ResolvePrecision(ComputePrecision::BFloat16);
    ADD_FAILURE() << "bf16 accepted without AVX-512";
  }
  catch (const std::runtime_error & e)
  {
    EXPECT_NE(std::string(e.what()).find("precision bf16: this CPU has no AVX-512"), std::string::npos) << e.what();
  }
  EXPECT_THROW(sinus::PrecisionScope scope(ComputePrecision::BFloat16), std::runtime_error);
  ::unsetenv("ONEDNN_MAX_CPU_ISA");
}

TEST(ComputePrecision, ScopeComputesProductsInBFloat16AndRestoresFloat32)
{
  if (const std::string why = BFloat16Unavailable(); !why.empty())
    GTEST_SKIP() << why;
  torch::manual_seed(3);
  torch::nn::Linear   layer(8, 4);
  const torch::Tensor x = torch::randn({ 2, 8 });
  torch::NoGradGuard  noGrad;
  {
    const sinus::PrecisionScope bf16(ComputePrecision::BFloat16);
    EXPECT_EQ(bf16.Precision(), ComputePrecision::BFloat16);
    const torch::Tensor y = layer(x);
    EXPECT_EQ(y.scalar_type(), torch::kBFloat16);
    EXPECT_LT((y.to(torch::kFloat32) - layer->weight.matmul(x.t()).t().add(layer->bias)).abs().max().item<float>(), 0.05f);
    {
      const sinus::PrecisionScope fp32(ComputePrecision::Float32);
      EXPECT_EQ(layer(x).scalar_type(), torch::kFloat32); // fp32 asked for inside: the reference
    }
    EXPECT_EQ(layer(x).scalar_type(), torch::kBFloat16);
  }
  EXPECT_EQ(layer(x).scalar_type(), torch::kFloat32);
  EXPECT_FALSE(sinus::CpuAutocastEnabled());
}
