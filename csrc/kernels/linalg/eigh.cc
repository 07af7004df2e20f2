// The Eigh kernel's baseline build (eigh_impl.h) and the dispatch between the builds.
#define SYMREG_ISA baseline
#include "kernels/linalg/eigh_impl.h"
#undef SYMREG_ISA

#include "kernels/linalg/isa.h"

namespace symreg::kernels {

bool Eigh(const float* a, int64_t n, bool upper, float* w, float* v) { SYMREG_LINALG_RUN(Eigh(a, n, upper, w, v)); }
bool Eigh(const double* a, int64_t n, bool upper, double* w, double* v) { SYMREG_LINALG_RUN(Eigh(a, n, upper, w, v)); }

}  // namespace symreg::kernels
