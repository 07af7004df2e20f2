// The LU kernel's baseline build (lu_impl.h) and the dispatch between the builds.
#define SYMREG_ISA baseline
#include "kernels/linalg/lu_impl.h"
#undef SYMREG_ISA

#include "kernels/linalg/isa.h"

namespace symreg::kernels {

int32_t LuFactor(float* a, int64_t m, int64_t n, int32_t* pivots) { SYMREG_LINALG_RUN(LuFactor(a, m, n, pivots)); }
int32_t LuFactor(double* a, int64_t m, int64_t n, int32_t* pivots) { SYMREG_LINALG_RUN(LuFactor(a, m, n, pivots)); }
void LuSolve(const float* lu, const int32_t* pivots, int64_t n, float* b, int64_t k, bool adjoint) {
  SYMREG_LINALG_RUN(LuSolve(lu, pivots, n, b, k, adjoint));
}
void LuSolve(const double* lu, const int32_t* pivots, int64_t n, double* b, int64_t k, bool adjoint) {
  SYMREG_LINALG_RUN(LuSolve(lu, pivots, n, b, k, adjoint));
}

}  // namespace symreg::kernels
