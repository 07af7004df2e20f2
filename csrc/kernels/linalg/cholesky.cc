#include "kernels/linalg/cholesky.h"

#include <Eigen/Cholesky>
#include <Eigen/Core>

static_assert(EIGEN_WORLD_VERSION == 3 && EIGEN_MAJOR_VERSION == 4,
              "cholesky.cc calls Eigen 3.4's internal::llt_inplace; check its signature before moving Eigen");

namespace symreg::kernels {
namespace {

template <typename T>
int32_t Factor(const T* a, int64_t n, bool upper, T* out) {
  using ColMajor = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>;
  using RowMajor = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  if (n == 0) return 0;
  const Eigen::Map<const RowMajor> in(a, n, n);
  // U of A's upper triangle is L^T of A^T's lower one.
  ColMajor work = upper ? ColMajor(in.transpose()) : ColMajor(in);
  const Eigen::Index failed = Eigen::internal::llt_inplace<T, Eigen::Lower>::blocked(work);
  Eigen::Map<RowMajor> y(out, n, n);
  if (upper) {
    y = work.transpose().template triangularView<Eigen::Upper>();
  } else {
    y = work.template triangularView<Eigen::Lower>();
  }
  return failed < 0 ? 0 : static_cast<int32_t>(failed + 1);
}

}  // namespace

int32_t Cholesky(const float* a, int64_t n, bool upper, float* out) { return Factor(a, n, upper, out); }
int32_t Cholesky(const double* a, int64_t n, bool upper, double* out) { return Factor(a, n, upper, out); }

}  // namespace symreg::kernels
