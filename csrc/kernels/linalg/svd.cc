// The SVD kernel's baseline build (svd_impl.h) and the dispatch between the builds.
#define SYMREG_ISA baseline
#include "kernels/linalg/svd_impl.h"
#undef SYMREG_ISA

#include "kernels/linalg/isa.h"

namespace symreg::kernels {

bool Svd(const float* a, int64_t m, int64_t n, bool full, float* s, float* u, float* vh) {
  SYMREG_LINALG_RUN(Svd(a, m, n, full, s, u, vh));
}
bool Svd(const double* a, int64_t m, int64_t n, bool full, double* s, double* u, double* vh) {
  SYMREG_LINALG_RUN(Svd(a, m, n, full, s, u, vh));
}

}  // namespace symreg::kernels
