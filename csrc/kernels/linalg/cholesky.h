// Cholesky factorization (LAPACK potrf).
#pragma once

#include <cstdint>

namespace symreg::kernels {

// The Cholesky factor of the row-major n x n matrix `a` into `out`: lower L with A = L L^T,
// reading only A's lower triangle (upper: U with A = U^T U, reading only the upper one), the
// other triangle zero. Returns LAPACK's info: 0, or the order k (1-based) of the first leading
// minor that is not positive definite; `out` is then unspecified (torch's is too). Eigen's LLT
// algorithm (its blocked kernel, for the failing minor's order that LLT itself drops), run in
// `work`: n * n elements of scratch, which callers reuse across the matrices of a batch.
int32_t Cholesky(const float* a, int64_t n, bool upper, float* out, float* work);
int32_t Cholesky(const double* a, int64_t n, bool upper, double* out, double* work);

// The builds (cholesky_impl.h), for cholesky.cc's dispatch (kernels/linalg/isa.h).
namespace baseline {
int32_t Cholesky(const float* a, int64_t n, bool upper, float* out, float* work);
int32_t Cholesky(const double* a, int64_t n, bool upper, double* out, double* work);
}  // namespace baseline
#ifdef SYMREG_AVX2_KERNELS
namespace avx2 {
int32_t Cholesky(const float* a, int64_t n, bool upper, float* out, float* work);
int32_t Cholesky(const double* a, int64_t n, bool upper, double* out, double* work);
}  // namespace avx2
#endif

}  // namespace symreg::kernels
