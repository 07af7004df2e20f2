// LU factorization with partial pivoting (LAPACK getrf's output) and solves with it (getrs).
#pragma once

#include <cstdint>

namespace symreg::kernels {

// Factors the row-major m x n matrix `a` in place: P A = L U, L unit lower (below the
// diagonal), U upper (on and above). pivots[0, min(m, n)): LAPACK's 1-based ipiv, row i was
// swapped with row pivots[i] - 1. Returns LAPACK's info: 0, or the 1-based index of the
// first exactly-zero pivot U[i-1, i-1] (the factorization is still completed). Eigen's
// PartialPivLU algorithm (its blocked kernel, which reads and writes any m x n matrix).
int32_t LuFactor(float* a, int64_t m, int64_t n, int32_t* pivots);
int32_t LuFactor(double* a, int64_t m, int64_t n, int32_t* pivots);

// Solves A X = B (adjoint: A^T X = B) in place of the row-major n x k matrix `b`, with
// `lu` and `pivots` as LuFactor wrote them for the n x n matrix A. A zero pivot gives
// inf/NaN, as LAPACK's getrs.
void LuSolve(const float* lu, const int32_t* pivots, int64_t n, float* b, int64_t k, bool adjoint);
void LuSolve(const double* lu, const int32_t* pivots, int64_t n, double* b, int64_t k, bool adjoint);

// The builds (lu_impl.h), for lu.cc's dispatch (kernels/linalg/isa.h).
namespace baseline {
int32_t LuFactor(float* a, int64_t m, int64_t n, int32_t* pivots);
int32_t LuFactor(double* a, int64_t m, int64_t n, int32_t* pivots);
void LuSolve(const float* lu, const int32_t* pivots, int64_t n, float* b, int64_t k, bool adjoint);
void LuSolve(const double* lu, const int32_t* pivots, int64_t n, double* b, int64_t k, bool adjoint);
}  // namespace baseline
#ifdef SYMREG_AVX2_KERNELS
namespace avx2 {
int32_t LuFactor(float* a, int64_t m, int64_t n, int32_t* pivots);
int32_t LuFactor(double* a, int64_t m, int64_t n, int32_t* pivots);
void LuSolve(const float* lu, const int32_t* pivots, int64_t n, float* b, int64_t k, bool adjoint);
void LuSolve(const double* lu, const int32_t* pivots, int64_t n, double* b, int64_t k, bool adjoint);
}  // namespace avx2
#endif

}  // namespace symreg::kernels

namespace symreg::kernels {

// Whether every pivot is a row of an n-row matrix (1-based): LuSolve reads rows by them.
inline bool ValidPivots(const int32_t* pivots, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    if (pivots[i] < 1 || pivots[i] > n) return false;
  }
  return true;
}

}  // namespace symreg::kernels
