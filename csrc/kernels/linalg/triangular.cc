#include "kernels/linalg/triangular.h"

#include <Eigen/Core>

namespace symreg::kernels {
namespace {

template <int Mode, int Side, typename A, typename B>
void SolveIn(const A& a, B& b) {
  a.template triangularView<Mode>().template solveInPlace<Side>(b);
}

template <int Side, typename A, typename B>
void SolveSide(const A& a, B& b, bool upper, bool unit) {
  if (upper) {
    unit ? SolveIn<Eigen::UnitUpper, Side>(a, b) : SolveIn<Eigen::Upper, Side>(a, b);
  } else {
    unit ? SolveIn<Eigen::UnitLower, Side>(a, b) : SolveIn<Eigen::Lower, Side>(a, b);
  }
}

template <typename T>
void Solve(const T* a_data, int64_t n, T* b_data, int64_t k, bool upper, bool left, bool unit) {
  using RowMajor = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  if (n == 0 || k == 0) return;
  const Eigen::Map<const RowMajor> a(a_data, n, n);
  Eigen::Map<RowMajor> b(b_data, left ? n : k, left ? k : n);
  if (left) {
    SolveSide<Eigen::OnTheLeft>(a, b, upper, unit);
  } else {
    SolveSide<Eigen::OnTheRight>(a, b, upper, unit);
  }
}

}  // namespace

void SolveTriangular(const float* a, int64_t n, float* b, int64_t k, bool upper, bool left, bool unit) {
  Solve(a, n, b, k, upper, left, unit);
}
void SolveTriangular(const double* a, int64_t n, double* b, int64_t k, bool upper, bool left, bool unit) {
  Solve(a, n, b, k, upper, left, unit);
}

}  // namespace symreg::kernels
