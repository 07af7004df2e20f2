// QR factorization (LAPACK geqrf + orgqr).
#pragma once

#include <cstdint>

namespace symreg::kernels {

// A = Q R for the row-major m x n matrix `a`, k = min(m, n): Householder reflections with
// LAPACK's sign convention (R's diagonal is -sign(a) * norm of each reflected column, so Q and
// R are LAPACK's up to rounding). complete: Q m x m and R m x n; else Q m x k and R k x n;
// row-major. `q` or `r` may be null (not written); `r` only when k = 0. Eigen's HouseholderQR.
void Qr(const float* a, int64_t m, int64_t n, bool complete, float* q, float* r);
void Qr(const double* a, int64_t m, int64_t n, bool complete, double* q, double* r);

}  // namespace symreg::kernels
