// The special functions of csrc/kernels/special/special_ops.def on arrays, as torch's CPU
// kernels compute them (the same code: torch_math.h), float and double.
//
// For an op of arity 1, name(x, y, n): y[i] = f(x[i]) for i in [0, n).
// For an op of arity 2, name(a, sa, b, sb, y, n): y[i] = f(a[i * sa], b[i * sb]) for i in
// [0, n), sa and sb 1 (an array) or 0 (one value broadcast along the run); broadcasting
// of whole shapes is the caller's (kernels/common/broadcast.h). y may alias an input
// that has stride 1.
//
// Each call runs the AVX2 + FMA build where the CPU has it and DefaultCpuIsa() allows
// (kernels/common/cpu_isa.h), else the baseline build; lgamma's float array runs its own
// SIMD loop in either (lgamma.h), which has an AVX-512 build too and picks its own.
#pragma once

#include <cstdint>

namespace symreg::kernels::special {

#define SYMREG_SPECIAL_DECLARE_1(name)                       \
  void name(const float* x, float* y, int64_t n) noexcept; \
  void name(const double* x, double* y, int64_t n) noexcept;
#define SYMREG_SPECIAL_DECLARE_2(name)                                                                 \
  void name(const float* a, int64_t sa, const float* b, int64_t sb, float* y, int64_t n) noexcept; \
  void name(const double* a, int64_t sa, const double* b, int64_t sb, double* y, int64_t n) noexcept;
#define SYMREG_SPECIAL_OP(Name, name, arity, fn) SYMREG_SPECIAL_DECLARE_##arity(name)
#include "kernels/special/special_ops.def"
#undef SYMREG_SPECIAL_OP

// The same functions of one build, for special.cc's dispatch and for tests of a build.
#define SYMREG_SPECIAL_OP(Name, name, arity, fn) SYMREG_SPECIAL_DECLARE_##arity(name)
namespace baseline {
#include "kernels/special/special_ops.def"
}  // namespace baseline
#ifdef SYMREG_AVX2_KERNELS
namespace avx2 {
#include "kernels/special/special_ops.def"
}  // namespace avx2
#endif
#undef SYMREG_SPECIAL_OP
#undef SYMREG_SPECIAL_DECLARE_1
#undef SYMREG_SPECIAL_DECLARE_2

}  // namespace symreg::kernels::special
