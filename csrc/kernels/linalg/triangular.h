// Triangular solves (LAPACK trtrs / BLAS trsm).
#pragma once

#include <cstdint>

namespace symreg::kernels {

// Solves A X = B (left) or X A = B (not left) in place of the row-major matrix `b` (n x k when
// left, k x n otherwise), with the row-major n x n triangular A read from its upper or lower
// triangle (the other ignored), its diagonal taken as ones when unit. A zero on the diagonal
// gives inf/NaN, as trsm does.
void SolveTriangular(const float* a, int64_t n, float* b, int64_t k, bool upper, bool left, bool unit);
void SolveTriangular(const double* a, int64_t n, double* b, int64_t k, bool upper, bool left, bool unit);

}  // namespace symreg::kernels
