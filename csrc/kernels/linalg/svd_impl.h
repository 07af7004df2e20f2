// The SVD kernel (svd.h), included once per build: svd.cc (SYMREG_ISA baseline) and
// svd_avx2.cc (avx2); see kernels/linalg/isa.h.
#ifndef SYMREG_ISA
#error "define SYMREG_ISA before including svd_impl.h"
#endif

#include <Eigen/Core>
#include <Eigen/SVD>
#include <algorithm>

#include "kernels/linalg/svd.h"

namespace symreg::kernels::SYMREG_ISA {
namespace {

template <typename T>
bool Decompose(const T* a, int64_t m, int64_t n, bool full, T* s, T* u, T* vh) {
  using ColMajor = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>;
  using RowMajor = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  const int64_t k = std::min(m, n);
  const bool vectors = u != nullptr || vh != nullptr;
  const int64_t u_cols = full ? m : k, vh_rows = full ? n : k;
  if (k == 0) {
    if (u != nullptr) Eigen::Map<RowMajor>(u, m, u_cols).setIdentity();
    if (vh != nullptr) Eigen::Map<RowMajor>(vh, vh_rows, n).setIdentity();
    return true;
  }
  const Eigen::Map<const RowMajor> in(a, m, n);
  if (!in.allFinite()) return false;
  const unsigned options = !vectors ? 0u
                           : full   ? unsigned(Eigen::ComputeFullU | Eigen::ComputeFullV)
                                    : unsigned(Eigen::ComputeThinU | Eigen::ComputeThinV);
  const Eigen::BDCSVD<ColMajor> svd(ColMajor(in), options);
  if (svd.info() != Eigen::Success) return false;
  Eigen::Map<Eigen::Matrix<T, Eigen::Dynamic, 1>>(s, k) = svd.singularValues();
  if (u != nullptr) Eigen::Map<RowMajor>(u, m, u_cols) = svd.matrixU();
  if (vh != nullptr) Eigen::Map<RowMajor>(vh, vh_rows, n) = svd.matrixV().transpose();
  return true;
}

}  // namespace

bool Svd(const float* a, int64_t m, int64_t n, bool full, float* s, float* u, float* vh) {
  return Decompose(a, m, n, full, s, u, vh);
}
bool Svd(const double* a, int64_t m, int64_t n, bool full, double* s, double* u, double* vh) {
  return Decompose(a, m, n, full, s, u, vh);
}

}  // namespace symreg::kernels::SYMREG_ISA
