// The Cholesky kernel's baseline build (cholesky_impl.h) and the dispatch between the builds.
#define SYMREG_ISA baseline
#include "kernels/linalg/cholesky_impl.h"
#undef SYMREG_ISA

#include "kernels/linalg/isa.h"

namespace symreg::kernels {

int32_t Cholesky(const float* a, int64_t n, bool upper, float* out, float* work) {
  SYMREG_LINALG_RUN(Cholesky(a, n, upper, out, work));
}
int32_t Cholesky(const double* a, int64_t n, bool upper, double* out, double* work) {
  SYMREG_LINALG_RUN(Cholesky(a, n, upper, out, work));
}

}  // namespace symreg::kernels
