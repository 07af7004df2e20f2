// Singular value decomposition (LAPACK gesdd).
#pragma once

#include <cstdint>

namespace symreg::kernels {

// A = U diag(S) Vh for the row-major m x n matrix `a`, k = min(m, n): the singular values in
// descending order into s[0, k); U (m x m when `full`, else m x k) into `u` and Vh (n x n
// when `full`, else k x n) into `vh`, row-major, each unless null. Eigen's BDCSVD (divide and conquer,
// Jacobi below 16 columns). An empty matrix (k = 0) gives identities for the full U and Vh.
// Returns false for a non-finite input (NaN or inf): torch refuses those too.
bool Svd(const float* a, int64_t m, int64_t n, bool full, float* s, float* u, float* vh);
bool Svd(const double* a, int64_t m, int64_t n, bool full, double* s, double* u, double* vh);

// The builds (svd_impl.h), for svd.cc's dispatch (kernels/linalg/isa.h).
namespace baseline {
bool Svd(const float* a, int64_t m, int64_t n, bool full, float* s, float* u, float* vh);
bool Svd(const double* a, int64_t m, int64_t n, bool full, double* s, double* u, double* vh);
}  // namespace baseline
#ifdef SYMREG_AVX2_KERNELS
namespace avx2 {
bool Svd(const float* a, int64_t m, int64_t n, bool full, float* s, float* u, float* vh);
bool Svd(const double* a, int64_t m, int64_t n, bool full, double* s, double* u, double* vh);
}  // namespace avx2
#endif

}  // namespace symreg::kernels
