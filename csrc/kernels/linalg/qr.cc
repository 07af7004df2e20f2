#include "kernels/linalg/qr.h"

#include <Eigen/Core>
#include <Eigen/QR>
#include <algorithm>

namespace symreg::kernels {
namespace {

template <typename T>
void Factor(const T* a, int64_t m, int64_t n, bool complete, T* q, T* r) {
  using ColMajor = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>;
  using RowMajor = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  const int64_t k = std::min(m, n);
  const int64_t q_cols = complete ? m : k;
  if (k == 0) {
    if (r != nullptr) Eigen::Map<RowMajor>(r, q_cols, n).setZero();
    if (q != nullptr) Eigen::Map<RowMajor>(q, m, q_cols).setIdentity();
    return;
  }
  Eigen::Map<RowMajor> r_out(r, q_cols, n);
  const Eigen::HouseholderQR<ColMajor> qr{ColMajor(Eigen::Map<const RowMajor>(a, m, n))};
  r_out = qr.matrixQR().topRows(q_cols).template triangularView<Eigen::Upper>();
  if (q != nullptr) {
    Eigen::Map<RowMajor>(q, m, q_cols) = qr.householderQ() * ColMajor::Identity(m, q_cols);
  }
}

}  // namespace

void Qr(const float* a, int64_t m, int64_t n, bool complete, float* q, float* r) { Factor(a, m, n, complete, q, r); }
void Qr(const double* a, int64_t m, int64_t n, bool complete, double* q, double* r) {
  Factor(a, m, n, complete, q, r);
}

}  // namespace symreg::kernels
