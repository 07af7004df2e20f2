// The Cholesky kernel (cholesky.h), included once per build: cholesky.cc (SYMREG_ISA baseline) and
// cholesky_avx2.cc (avx2); see kernels/linalg/isa.h.
#ifndef SYMREG_ISA
#error "define SYMREG_ISA before including cholesky_impl.h"
#endif

#include <Eigen/Cholesky>
#include <Eigen/Core>

#include "kernels/linalg/cholesky.h"

static_assert(EIGEN_WORLD_VERSION == 3 && EIGEN_MAJOR_VERSION == 4,
              "cholesky_impl.h calls Eigen 3.4's internal::llt_inplace; check its signature before moving Eigen");

namespace symreg::kernels::SYMREG_ISA {
namespace {

template <typename T>
int32_t Factor(const T* a, int64_t n, bool upper, T* out, T* work) {
  using ColMajor = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>;
  using RowMajor = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  if (n == 0) return 0;
  const Eigen::Map<const RowMajor> in(a, n, n);
  // U of A's upper triangle is L^T of A^T's lower one.
  Eigen::Map<ColMajor> factor(work, n, n);
  if (upper) {
    factor = in.transpose();
  } else {
    factor = in;
  }
  // Through a Ref: Eigen's LLT on a Map of a small matrix ran 2.5x slower (8 x 8 float32).
  Eigen::Ref<ColMajor> factor_ref(factor);
  const Eigen::Index failed = Eigen::internal::llt_inplace<T, Eigen::Lower>::blocked(factor_ref);
  Eigen::Map<RowMajor> y(out, n, n);
  if (upper) {
    y = factor.transpose().template triangularView<Eigen::Upper>();
  } else {
    y = factor.template triangularView<Eigen::Lower>();
  }
  return failed < 0 ? 0 : static_cast<int32_t>(failed + 1);
}

}  // namespace

int32_t Cholesky(const float* a, int64_t n, bool upper, float* out, float* work) {
  return Factor(a, n, upper, out, work);
}
int32_t Cholesky(const double* a, int64_t n, bool upper, double* out, double* work) {
  return Factor(a, n, upper, out, work);
}

}  // namespace symreg::kernels::SYMREG_ISA
