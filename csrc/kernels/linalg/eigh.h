// Eigendecomposition of symmetric matrices (LAPACK syevd).
#pragma once

#include <cstdint>

namespace symreg::kernels {

// The eigenvalues of the symmetric row-major n x n matrix `a` (its lower triangle, or the upper
// one when `upper`; the other is ignored) in ascending order into w[0, n), and when `v` is not
// null the orthonormal eigenvectors as v's columns (row-major n x n). Eigen's
// SelfAdjointEigenSolver (tridiagonalization, implicit symmetric QR). NaN or inf in the triangle
// read gives NaN in every output (torch: NaN, or LAPACK's garbage). Returns false when it did not
// converge; w and v are then unspecified.
bool Eigh(const float* a, int64_t n, bool upper, float* w, float* v);
bool Eigh(const double* a, int64_t n, bool upper, double* w, double* v);

// The builds (eigh_impl.h), for eigh.cc's dispatch (kernels/linalg/isa.h).
namespace baseline {
bool Eigh(const float* a, int64_t n, bool upper, float* w, float* v);
bool Eigh(const double* a, int64_t n, bool upper, double* w, double* v);
}  // namespace baseline
#ifdef SYMREG_AVX2_KERNELS
namespace avx2 {
bool Eigh(const float* a, int64_t n, bool upper, float* w, float* v);
bool Eigh(const double* a, int64_t n, bool upper, double* w, double* v);
}  // namespace avx2
#endif

}  // namespace symreg::kernels
