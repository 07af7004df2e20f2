#include "kernels/linalg/matrix_exp.h"

#include <Eigen/Core>
#include <limits>
#include <unsupported/Eigen/MatrixFunctions>

namespace symreg::kernels {
namespace {

template <typename T>
void Exp(const T* a, int64_t n, T* out) {
  // exp(A^T) = exp(A)^T: the row-major A read as a column-major A^T gives the row-major exp(A) directly.
  using ColMajor = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>;
  const Eigen::Map<const ColMajor> at(a, n, n);
  Eigen::Map<ColMajor> y(out, n, n);
  if (n == 0) return;
  if (!at.allFinite()) {
    y.setConstant(std::numeric_limits<T>::quiet_NaN());
    return;
  }
  y = at.exp();
}

}  // namespace

void MatrixExp(const float* a, int64_t n, float* out) { Exp(a, n, out); }
void MatrixExp(const double* a, int64_t n, double* out) { Exp(a, n, out); }

}  // namespace symreg::kernels
