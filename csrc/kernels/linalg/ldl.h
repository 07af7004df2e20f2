// Symmetric indefinite LDL^T factorization with Bunch-Kaufman pivoting (LAPACK sytrf, lower), what
// torch.linalg.ldl_factor_ex computes, and solves with it (LAPACK sytrs, lower: torch.linalg.ldl_solve).
#pragma once

#include <cstdint>
#include <string>

namespace symreg::kernels {

// P A P^T = L D L^T of the symmetric row-major n x n matrix `a`, reading only its lower triangle, as LAPACK's
// unblocked dsytf2 with uplo 'L' stores it (sytrf calls it for every n below its block size, 64): `ld` (n x n)
// holds D's diagonal and, for each 2 x 2 block, its subdiagonal entry, and below them the multipliers of L (unit
// diagonal implied); its strict upper triangle is zero. `pivots` (n, 1-based): pivots[k] = p > 0 when rows and
// columns k and p - 1 were swapped and D[k, k] is a 1 x 1 block; pivots[k] = pivots[k + 1] = -p for a 2 x 2 block
// at k, k + 1 after swapping k + 1 and p - 1. Returns LAPACK's info: 0, or the first k (1-based) with D[k, k]
// exactly zero (the factorization is still completed; D is singular).
int32_t LdlFactor(const float* a, int64_t n, float* ld, int32_t* pivots);
int32_t LdlFactor(const double* a, int64_t n, double* ld, int32_t* pivots);

// What is wrong with `pivots` (n) as LdlFactor's, in words ("" when nothing): each must be in [1, n] or [-n, -1],
// and the negative ones must come in equal pairs (pivots[k] = pivots[k + 1] < 0, k + 1 < n), read from the first.
// LdlSolve reads rows and 2 x 2 blocks by them: it requires pivots without a problem.
std::string LdlPivotsProblem(const int32_t* pivots, int64_t n);

// Solves A X = B in place of the row-major n x k matrix `b`, with `ld` and `pivots` as LdlFactor wrote them for the
// symmetric n x n matrix A (LAPACK's dsytrs, lower); `work`: k elements of scratch. `pivots` must pass
// LdlPivotsProblem. A singular D gives inf/NaN, as LAPACK's.
void LdlSolve(const float* ld, const int32_t* pivots, int64_t n, float* b, int64_t k, float* work);
void LdlSolve(const double* ld, const int32_t* pivots, int64_t n, double* b, int64_t k, double* work);

}  // namespace symreg::kernels
