#include "kernels/special/lgamma.h"

#include "kernels/common/cpu_isa.h"

namespace symreg::kernels::special {

void simd_lgamma(const float* x, float* y, int64_t n) noexcept {
  static const CpuIsa isa = BestSupported(DefaultCpuIsa());
  switch (isa) {
#ifdef SYMREG_AVX512_KERNELS
    case CpuIsa::kAvx512: return avx512::simd_lgamma(x, y, n);
#endif
#ifdef SYMREG_AVX2_KERNELS
    case CpuIsa::kAvx2: return avx2::simd_lgamma(x, y, n);
#endif
    default: return baseline::simd_lgamma(x, y, n);
  }
}

}  // namespace symreg::kernels::special

// The baseline build of the float array loop (SSE2 packets on x86-64).
#define SYMREG_ISA baseline
#include "kernels/special/lgamma_impl.h"
#undef SYMREG_ISA
