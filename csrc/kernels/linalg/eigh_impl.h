// The Eigh kernel (eigh.h), included once per build: eigh.cc (SYMREG_ISA baseline) and
// eigh_avx2.cc (avx2); see kernels/linalg/isa.h.
#ifndef SYMREG_ISA
#error "define SYMREG_ISA before including eigh_impl.h"
#endif

#include <Eigen/Core>
#include <Eigen/Eigenvalues>
#include <limits>

#include "kernels/linalg/eigh.h"

namespace symreg::kernels::SYMREG_ISA {
namespace {

template <typename T>
bool Decompose(const T* a, int64_t n, bool upper, T* w, T* v) {
  using ColMajor = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>;
  using RowMajor = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  if (n == 0) return true;
  const Eigen::Map<const RowMajor> in(a, n, n);
  // The solver reads the lower triangle: A^T's lower triangle is A's upper one.
  const ColMajor lower = upper ? ColMajor(in.transpose()) : ColMajor(in);
  if (!lower.template triangularView<Eigen::Lower>().toDenseMatrix().allFinite()) {
    // NaN everywhere, as torch gives for NaN/inf input (its LAPACK raises nothing; the values are garbage).
    Eigen::Map<Eigen::Matrix<T, Eigen::Dynamic, 1>>(w, n).setConstant(std::numeric_limits<T>::quiet_NaN());
    if (v != nullptr) Eigen::Map<RowMajor>(v, n, n).setConstant(std::numeric_limits<T>::quiet_NaN());
    return true;
  }
  const Eigen::SelfAdjointEigenSolver<ColMajor> solver(
      lower, v != nullptr ? Eigen::ComputeEigenvectors : Eigen::EigenvaluesOnly);
  if (solver.info() != Eigen::Success || !solver.eigenvalues().allFinite()) return false;
  Eigen::Map<Eigen::Matrix<T, Eigen::Dynamic, 1>>(w, n) = solver.eigenvalues();
  if (v != nullptr) Eigen::Map<RowMajor>(v, n, n) = solver.eigenvectors();
  return true;
}

}  // namespace

bool Eigh(const float* a, int64_t n, bool upper, float* w, float* v) { return Decompose(a, n, upper, w, v); }
bool Eigh(const double* a, int64_t n, bool upper, double* w, double* v) { return Decompose(a, n, upper, w, v); }

}  // namespace symreg::kernels::SYMREG_ISA
