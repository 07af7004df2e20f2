// QR factorization (LAPACK geqrf + orgqr).
#pragma once

#include <algorithm>
#include <cstdint>

namespace symreg::kernels {

// Elements of scratch that Qr takes for an m x n matrix: the factored matrix, its
// Householder coefficients and a row of work. Callers reuse it across matrices, so that a
// batch of small matrices allocates nothing per matrix.
inline int64_t QrWorkSize(int64_t m, int64_t n) { return m * n + std::min(m, n) + std::max(m, n); }

// A = Q R for the row-major m x n matrix `a`, k = min(m, n): Householder reflections with
// LAPACK's sign convention (R's diagonal is -sign(a) * norm of each reflected column, so Q and
// R are LAPACK's up to rounding). complete: Q m x m and R m x n; else Q m x k and R k x n;
// row-major. `q` or `r` may be null (not written); `r` only when k = 0. `work` holds
// QrWorkSize(m, n) elements (unused when k = 0). Eigen's HouseholderQR algorithm (its blocked
// kernel, run in `work`).
void Qr(const float* a, int64_t m, int64_t n, bool complete, float* q, float* r, float* work);
void Qr(const double* a, int64_t m, int64_t n, bool complete, double* q, double* r, double* work);

// The builds (qr_impl.h), for qr.cc's dispatch (kernels/linalg/isa.h).
namespace baseline {
void Qr(const float* a, int64_t m, int64_t n, bool complete, float* q, float* r, float* work);
void Qr(const double* a, int64_t m, int64_t n, bool complete, double* q, double* r, double* work);
}  // namespace baseline
#ifdef SYMREG_AVX2_KERNELS
namespace avx2 {
void Qr(const float* a, int64_t m, int64_t n, bool complete, float* q, float* r, float* work);
void Qr(const double* a, int64_t m, int64_t n, bool complete, double* q, double* r, double* work);
}  // namespace avx2
#endif

}  // namespace symreg::kernels
