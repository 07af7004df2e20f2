// Householder QR in LAPACK's compact form (geqrf) and the product of its reflectors (orgqr), what
// torch.geqrf and torch.linalg.householder_product compute.
#pragma once

#include <cstdint>

namespace symreg::kernels {

// A = Q R for the row-major m x n matrix `a`, k = min(m, n), as LAPACK geqrf stores it: `qr` (m x n) holds
// R on and above the diagonal and below it the vectors v_i of the reflectors H_i = I - tau_i v_i v_i^T
// (v_i[i] = 1 implied, v_i[:i] = 0), `tau` (k) their coefficients; Q = H_1 ... H_k. dlarfg's convention:
// R's diagonal is -sign(a_ii) * the norm of the reflected column, tau = 0 (H = I) where the column below the
// diagonal is already zero (Eigen: below the smallest normal number squared). Eigen's HouseholderQR.
void Geqrf(const float* a, int64_t m, int64_t n, float* qr, float* tau);
void Geqrf(const double* a, int64_t m, int64_t n, double* qr, double* tau);

// The first n columns (m x n, row-major, into `q`) of H_1 ... H_k for the reflectors stored below the
// diagonal of the first k columns of the row-major m x n `a` (the strictly upper part is not read) and
// their k coefficients `tau`, as LAPACK orgqr; m >= n >= k. Eigen's HouseholderSequence.
void HouseholderProduct(const float* a, int64_t m, int64_t n, const float* tau, int64_t k, float* q);
void HouseholderProduct(const double* a, int64_t m, int64_t n, const double* tau, int64_t k, double* q);

}  // namespace symreg::kernels
