// The LU kernel (lu.h), included once per build: lu.cc (SYMREG_ISA baseline) and
// lu_avx2.cc (avx2); see kernels/linalg/isa.h.
#ifndef SYMREG_ISA
#error "define SYMREG_ISA before including lu_impl.h"
#endif

#include <Eigen/Core>
#include <Eigen/LU>
#include <algorithm>

#include "kernels/linalg/lu.h"

static_assert(EIGEN_WORLD_VERSION == 3 && EIGEN_MAJOR_VERSION == 4,
              "lu_impl.h calls Eigen 3.4's internal::partial_lu_impl; check its signature before moving Eigen");

namespace symreg::kernels::SYMREG_ISA {
namespace {

template <typename T>
using RowMajor = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

template <typename T>
int32_t Factor(T* a, int64_t m, int64_t n, int32_t* pivots) {
  const int64_t k = std::min(m, n);
  if (k == 0) return 0;
  // PartialPivLU's blocked kernel (internal: its public class is square only). It updates
  // the trailing columns only up to min(m, n): a wide matrix is factored in its left square,
  // then the right part is permuted and solved with L, as getrf does.
  using Impl = Eigen::internal::partial_lu_impl<T, Eigen::RowMajor, int32_t>;
  int32_t transpositions = 0;
  const Eigen::Index zero = Impl::blocked_lu(m, k, a, n, pivots, transpositions);
  Eigen::Map<RowMajor<T>> lu(a, m, n);
  if (n > k) {
    auto right = lu.rightCols(n - k);
    for (int64_t i = 0; i < k; ++i) {
      if (pivots[i] != i) right.row(i).swap(right.row(pivots[i]));
    }
    lu.leftCols(k).template triangularView<Eigen::UnitLower>().solveInPlace(right);
  }
  for (int64_t i = 0; i < k; ++i) ++pivots[i];  // LAPACK's 1-based ipiv
  return zero < 0 ? 0 : static_cast<int32_t>(zero + 1);
}

template <typename T>
void Solve(const T* lu_data, const int32_t* pivots, int64_t n, T* b_data, int64_t k, bool adjoint) {
  if (n == 0 || k == 0) return;
  const Eigen::Map<const RowMajor<T>> lu(lu_data, n, n);
  Eigen::Map<RowMajor<T>> b(b_data, n, k);
  if (!adjoint) {
    for (int64_t i = 0; i < n; ++i) {
      if (pivots[i] - 1 != i) b.row(i).swap(b.row(pivots[i] - 1));
    }
    lu.template triangularView<Eigen::UnitLower>().solveInPlace(b);
    lu.template triangularView<Eigen::Upper>().solveInPlace(b);
    return;
  }
  lu.transpose().template triangularView<Eigen::Lower>().solveInPlace(b);
  lu.transpose().template triangularView<Eigen::UnitUpper>().solveInPlace(b);
  for (int64_t i = n - 1; i >= 0; --i) {
    if (pivots[i] - 1 != i) b.row(i).swap(b.row(pivots[i] - 1));
  }
}

}  // namespace

int32_t LuFactor(float* a, int64_t m, int64_t n, int32_t* pivots) { return Factor(a, m, n, pivots); }
int32_t LuFactor(double* a, int64_t m, int64_t n, int32_t* pivots) { return Factor(a, m, n, pivots); }

void LuSolve(const float* lu, const int32_t* pivots, int64_t n, float* b, int64_t k, bool adjoint) {
  Solve(lu, pivots, n, b, k, adjoint);
}
void LuSolve(const double* lu, const int32_t* pivots, int64_t n, double* b, int64_t k, bool adjoint) {
  Solve(lu, pivots, n, b, k, adjoint);
}

}  // namespace symreg::kernels::SYMREG_ISA
