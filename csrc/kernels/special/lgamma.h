// lgamma of a float array on SIMD packets (lgamma_impl.h): the float32 kernel of
// symreg::Lgamma (special_impl.inc routes it here; float64 stays on the scalar lgamma_r).
#pragma once

#include <cstdint>

namespace symreg::kernels::special {

// y[i] = lgamma(x[i]) = log|gamma(x[i])| for i in [0, n); x and y may be the same buffer.
// Evaluated in double and rounded once: within 1 ulp of the correctly rounded value over
// [-20, 40] and up to FLT_MAX (+inf where lgamma passes FLT_MAX), exactly 0 at 1 and 2;
// +inf at the poles (0, -0, negative integers) and at ±inf; NaN for NaN. Runs the AVX-512,
// AVX2 + FMA or baseline (SSE2) build as DefaultCpuIsa() allows (kernels/common/cpu_isa.h).
void simd_lgamma(const float* x, float* y, int64_t n) noexcept;

// One build, for simd_lgamma's dispatch and for tests of a build.
namespace baseline {
void simd_lgamma(const float* x, float* y, int64_t n) noexcept;
}  // namespace baseline
#ifdef SYMREG_AVX2_KERNELS
namespace avx2 {
void simd_lgamma(const float* x, float* y, int64_t n) noexcept;
}  // namespace avx2
#endif
#ifdef SYMREG_AVX512_KERNELS
namespace avx512 {
void simd_lgamma(const float* x, float* y, int64_t n) noexcept;
}  // namespace avx512
#endif

}  // namespace symreg::kernels::special
