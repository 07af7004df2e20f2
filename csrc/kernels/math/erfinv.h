// Inverse error function: erfinv(erf(x)) == x.
#pragma once

#include <cstdint>

namespace symreg::kernels {

// erfinv(±1) = ±inf; NaN for |x| > 1 and for NaN; the sign of zero is kept.
// double: a first guess (Giles' single-precision fit, or an asymptotic formula where
// 1 - |x| < 1e-7) refined by two Newton/Halley steps: within ~1 ulp.
// float: Giles' fit alone, evaluated in double and rounded: relative error <= 1.7e-7.
// Past the fit's range (1 - |x| < 1e-7) the double path with one step (< 2e-9 relative
// error) instead; below |x| = 1e-8 the series x sqrt(pi) / 2.
double erfinv(double x) noexcept;
float erfinv(float x) noexcept;

// y[i] = erfinv(x[i]) for i in [0, n); x and y may be the same buffer.
// The float array runs on SIMD packets (erfinv_impl.h): the same fit, evaluated in double,
// with log(1 - x^2) taken in float: relative error <= 1.81e-7; edge values as the scalar
// kernel. It runs the
// AVX-512 or AVX2 + FMA build where the CPU has it and DefaultCpuIsa() allows
// (kernels/common/cpu_isa.h), else the baseline (SSE2) build.
void erfinv(const double* x, double* y, int64_t n) noexcept;
void erfinv(const float* x, float* y, int64_t n) noexcept;

// The float array of one build, for erfinv.cc's dispatch and for tests of a build.
namespace baseline {
void erfinv(const float* x, float* y, int64_t n) noexcept;
}  // namespace baseline
#ifdef SYMREG_AVX2_KERNELS
namespace avx2 {
void erfinv(const float* x, float* y, int64_t n) noexcept;
}  // namespace avx2
#endif
#ifdef SYMREG_AVX512_KERNELS
namespace avx512 {
void erfinv(const float* x, float* y, int64_t n) noexcept;
}  // namespace avx512
#endif

}  // namespace symreg::kernels
