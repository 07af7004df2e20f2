// The QR kernel's baseline build (qr_impl.h) and the dispatch between the builds.
#define SYMREG_ISA baseline
#include "kernels/linalg/qr_impl.h"
#undef SYMREG_ISA

#include "kernels/linalg/isa.h"

namespace symreg::kernels {

void Qr(const float* a, int64_t m, int64_t n, bool complete, float* q, float* r, float* work) {
  SYMREG_LINALG_RUN(Qr(a, m, n, complete, q, r, work));
}
void Qr(const double* a, int64_t m, int64_t n, bool complete, double* q, double* r, double* work) {
  SYMREG_LINALG_RUN(Qr(a, m, n, complete, q, r, work));
}

}  // namespace symreg::kernels
