// The QR kernel (qr.h), included once per build: qr.cc (SYMREG_ISA baseline) and qr_avx2.cc
// (avx2); see kernels/linalg/isa.h.
#ifndef SYMREG_ISA
#error "define SYMREG_ISA before including qr_impl.h"
#endif

#include <Eigen/Core>
#include <Eigen/QR>
#include <algorithm>

#include "kernels/linalg/qr.h"

namespace symreg::kernels::SYMREG_ISA {
namespace {

template <typename T>
void Factor(const T* a, int64_t m, int64_t n, bool complete, T* q, T* r, T* work) {
  using ColMajor = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>;
  using RowMajor = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  using Vector = Eigen::Matrix<T, Eigen::Dynamic, 1>;
  const int64_t k = std::min(m, n);
  const int64_t q_cols = complete ? m : k;
  if (k == 0) {
    if (r != nullptr) Eigen::Map<RowMajor>(r, q_cols, n).setZero();
    if (q != nullptr) Eigen::Map<RowMajor>(q, m, q_cols).setIdentity();
    return;
  }
  // What HouseholderQR::compute does, in `work` rather than in matrices of its own.
  Eigen::Map<ColMajor> qr(work, m, n);
  Eigen::Map<Vector> coeffs(work + m * n, k);
  T* row = work + m * n + k;  // max(m, n) elements
  qr = Eigen::Map<const RowMajor>(a, m, n);
  Eigen::internal::householder_qr_inplace_blocked<Eigen::Map<ColMajor>, Eigen::Map<Vector>>::run(qr, coeffs, 48, row);
  Eigen::Map<RowMajor>(r, q_cols, n) = qr.topRows(q_cols).template triangularView<Eigen::Upper>();
  if (q != nullptr) {
    // Q's first q_cols columns: the reflections applied to the identity.
    Eigen::Map<RowMajor> q_out(q, m, q_cols);
    q_out.setIdentity();
    Eigen::Map<Vector> q_row(row, q_cols);
    Eigen::HouseholderSequence<Eigen::Map<ColMajor>, Eigen::Map<Vector>>(qr, coeffs).applyThisOnTheLeft(q_out, q_row,
                                                                                                       q_cols == m);
  }
}

}  // namespace

void Qr(const float* a, int64_t m, int64_t n, bool complete, float* q, float* r, float* work) {
  Factor(a, m, n, complete, q, r, work);
}
void Qr(const double* a, int64_t m, int64_t n, bool complete, double* q, double* r, double* work) {
  Factor(a, m, n, complete, q, r, work);
}

}  // namespace symreg::kernels::SYMREG_ISA
