// Matrix exponential (torch.linalg.matrix_exp).
#pragma once

#include <cstdint>

namespace symreg::kernels {

// exp(A) of the row-major n x n matrix `a` into `out` (n x n): Eigen's MatrixFunctions module (Higham's
// Pade approximant with scaling and squaring; degrees 3 to 7 for float, 3 to 13 for double). A matrix with
// NaN or inf gives NaN everywhere, as torch; one whose exponential overflows gives inf/NaN, as torch.
void MatrixExp(const float* a, int64_t n, float* out);
void MatrixExp(const double* a, int64_t n, double* out);

}  // namespace symreg::kernels
