// The baseline build of the special functions (special_impl.inc) and the dispatch between
// it and the AVX2 + FMA build (special_avx2.cc), the one place that chooses.
#include "kernels/common/cpu_isa.h"

#define SYMREG_ISA baseline
#include "kernels/special/special_impl.inc"
#undef SYMREG_ISA

namespace symreg::kernels::special {
namespace {

bool UseAvx2() {
#ifdef SYMREG_AVX2_KERNELS
  static const bool use = BestSupported(DefaultCpuIsa()) >= CpuIsa::kAvx2;
  return use;
#else
  return false;
#endif
}

}  // namespace

#ifdef SYMREG_AVX2_KERNELS
#define SYMREG_SPECIAL_PICK(name, ...) (UseAvx2() ? avx2::name(__VA_ARGS__) : baseline::name(__VA_ARGS__))
#else
#define SYMREG_SPECIAL_PICK(name, ...) baseline::name(__VA_ARGS__)
#endif
#define SYMREG_SPECIAL_DISPATCH_1(name, T) \
  void name(const T* x, T* y, int64_t n) noexcept { SYMREG_SPECIAL_PICK(name, x, y, n); }
#define SYMREG_SPECIAL_DISPATCH_2(name, T)                                                \
  void name(const T* a, int64_t sa, const T* b, int64_t sb, T* y, int64_t n) noexcept { \
    SYMREG_SPECIAL_PICK(name, a, sa, b, sb, y, n);                                      \
  }
#define SYMREG_SPECIAL_OP(Name, name, arity, fn) \
  SYMREG_SPECIAL_DISPATCH_##arity(name, float) SYMREG_SPECIAL_DISPATCH_##arity(name, double)
#include "kernels/special/special_ops.def"
#undef SYMREG_SPECIAL_OP

}  // namespace symreg::kernels::special
