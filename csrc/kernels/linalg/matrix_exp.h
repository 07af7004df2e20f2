// Matrix exponential (torch.linalg.matrix_exp).
#pragma once

#include <cstdint>

namespace symreg::kernels {

// exp(A) of the row-major n x n matrix `a` into `out` (n x n), in torch's arithmetic: the optimized Taylor
// polynomial of degree 18 of Bader, Blanes and Casas ("Computing the matrix exponential with an optimized Taylor
// polynomial approximation", Mathematics 7 (2019) 1174) at A / 2^s, squared s times, s = ceil(log2(|A|_1 /
// theta_18)) clamped at 0, every product and sum in the input's precision in the order torch evaluates them, so
// float32 results carry torch's rounding and not only its accuracy (torch's own float32 result of OpInfo's samples
// is up to 3.5e-4 off the exact exponential in entries of 0.15 of a matrix reaching 9e4: only the same arithmetic
// matches it). 1 x 1: exp of the entry (torch's shortcut). A matrix with NaN or inf gives NaN everywhere, as torch.
void MatrixExp(const float* a, int64_t n, float* out);
void MatrixExp(const double* a, int64_t n, double* out);

}  // namespace symreg::kernels
