// Ports of reference LAPACK's DSYTF2 and DSYTRS, lower case (LAPACK 3.12, BSD licence, Univ. of Tennessee, Univ.
// of California Berkeley, Univ. of Colorado Denver and NAG Ltd.). DSYTF2: the same pivot choices (Bunch-Kaufman with
// alpha = (1 + sqrt(17)) / 8, IDAMAX's first largest entry) and the same order of operations in each update.
// DSYTRS: the same interchanges, DGER/DGEMV/DSCAL updates (DGER's skip of zero multipliers included) and 2 x 2
// block solves, each sum in DGEMV's order.
#include "kernels/linalg/ldl.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace symreg::kernels {
namespace {

template <typename T>
class Ldl {
 public:
  Ldl(T* ld, int64_t n) : ld_(ld), n_(n) {}

  // A(i, j), i >= j: the lower triangle of the row-major matrix being factored.
  T& at(int64_t i, int64_t j) { return ld_[i * n_ + j]; }

  // The first row index in [from, to) of the largest |A(i, col)| (IDAMAX: NaN never wins), and that value.
  int64_t LargestInColumn(int64_t col, int64_t from, int64_t to, T* value) {
    int64_t best = from;
    T largest = std::abs(at(from, col));
    for (int64_t i = from + 1; i < to; ++i) {
      if (std::abs(at(i, col)) > largest) largest = std::abs(at(i, col)), best = i;
    }
    *value = largest;
    return best;
  }

  // The largest |A(row, j)| over columns j in [from, to) (a row of the lower triangle).
  T LargestInRow(int64_t row, int64_t from, int64_t to) {
    int64_t best = from;
    T largest = std::abs(at(row, from));
    for (int64_t j = from + 1; j < to; ++j) {
      if (std::abs(at(row, j)) > largest) largest = std::abs(at(row, j)), best = j;
    }
    return std::abs(at(row, best));
  }

  // Rows and columns kk and kp > kk of the trailing lower triangle swapped (DSYTF2's interchange).
  void Swap(int64_t kk, int64_t kp) {
    for (int64_t i = kp + 1; i < n_; ++i) std::swap(at(i, kk), at(i, kp));
    for (int64_t j = kk + 1; j < kp; ++j) std::swap(at(j, kk), at(kp, j));
    std::swap(at(kk, kk), at(kp, kp));
  }

  int32_t Factor(int32_t* pivots) {
    const T alpha = (T(1) + std::sqrt(T(17))) / T(8);
    int32_t info = 0;
    int64_t k = 0;
    while (k < n_) {
      int64_t step = 1, kp = k;
      const T absakk = std::abs(at(k, k));
      T colmax = T(0);
      int64_t imax = k;
      if (k + 1 < n_) imax = LargestInColumn(k, k + 1, n_, &colmax);
      if (std::max(absakk, colmax) == T(0) || std::isnan(absakk)) {
        if (info == 0) info = static_cast<int32_t>(k + 1);
      } else {
        if (!(absakk >= alpha * colmax)) {
          T rowmax = LargestInRow(imax, k, imax);
          if (imax + 1 < n_) {
            T below;
            LargestInColumn(imax, imax + 1, n_, &below);
            rowmax = std::max(rowmax, below);
          }
          if (absakk >= alpha * colmax * (colmax / rowmax)) {
            kp = k;
          } else if (std::abs(at(imax, imax)) >= alpha * rowmax) {
            kp = imax;
          } else {
            kp = imax;
            step = 2;
          }
        }
        const int64_t kk = k + step - 1;
        if (kp != kk) {
          Swap(kk, kp);
          if (step == 2) std::swap(at(k + 1, k), at(kp, k));
        }
        if (step == 1) {
          Update1(k);
        } else {
          Update2(k);
        }
      }
      if (step == 1) {
        pivots[k] = static_cast<int32_t>(kp + 1);
      } else {
        pivots[k] = pivots[k + 1] = static_cast<int32_t>(-(kp + 1));
      }
      k += step;
    }
    return info;
  }

 private:
  // 1 x 1 pivot: A(k+1:, k+1:) -= x x^T / d (DSYR, lower), then x /= d (DSCAL), x = A(k+1:, k), d = A(k, k).
  void Update1(int64_t k) {
    if (k + 1 >= n_) return;
    const T d11 = T(1) / at(k, k);
    const T r = -d11;
    for (int64_t j = k + 1; j < n_; ++j) {
      if (at(j, k) == T(0)) continue;
      const T temp = r * at(j, k);
      for (int64_t i = j; i < n_; ++i) at(i, j) += at(i, k) * temp;
    }
    for (int64_t i = k + 1; i < n_; ++i) at(i, k) *= d11;
  }

  // 2 x 2 pivot at (k, k+1): the trailing matrix less W D^-1 W^T, W = A(k+2:, k:k+2), and L's columns W D^-1.
  void Update2(int64_t k) {
    if (k + 2 >= n_) return;
    T d21 = at(k + 1, k);
    const T d11 = at(k + 1, k + 1) / d21;
    const T d22 = at(k, k) / d21;
    const T t = T(1) / (d11 * d22 - T(1));
    d21 = t / d21;
    for (int64_t j = k + 2; j < n_; ++j) {
      const T wk = d21 * (d11 * at(j, k) - at(j, k + 1));
      const T wkp1 = d21 * (d22 * at(j, k + 1) - at(j, k));
      for (int64_t i = j; i < n_; ++i) at(i, j) = at(i, j) - at(i, k) * wk - at(i, k + 1) * wkp1;
      at(j, k) = wk;
      at(j, k + 1) = wkp1;
    }
  }

  T* ld_;
  int64_t n_;
};

template <typename T>
int32_t Factor(const T* a, int64_t n, T* ld, int32_t* pivots) {
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < n; ++j) ld[i * n + j] = j <= i ? a[i * n + j] : T(0);
  }
  return Ldl<T>(ld, n).Factor(pivots);
}

// DSYTRS (lower) on a row-major n x k right-hand side: L D L^T X = P^T B as P, L, D, L^T solves in turn.
template <typename T>
class LdlSolver {
 public:
  LdlSolver(const T* ld, const int32_t* pivots, int64_t n, T* b, int64_t k, T* work)
      : ld_(ld), pivots_(pivots), n_(n), b_(b), k_(k), work_(work) {}

  void Solve() {
    int64_t k = 0;  // L D Y = P^T B, forward over D's blocks
    while (k < n_) {
      if (pivots_[k] > 0) {
        SwapRows(k, pivots_[k] - 1);
        Eliminate(k, k, k + 1);
        const T scale = T(1) / L(k, k);
        for (int64_t j = 0; j < k_; ++j) Row(k)[j] *= scale;
        k += 1;
      } else {
        SwapRows(k + 1, -static_cast<int64_t>(pivots_[k]) - 1);
        Eliminate(k, k, k + 2);
        Eliminate(k + 1, k + 1, k + 2);
        SolveBlock(k);
        k += 2;
      }
    }
    k = n_ - 1;  // L^T X = Y, backward
    while (k >= 0) {
      Gather(k, k, k + 1);
      if (pivots_[k] > 0) {
        SwapRows(k, pivots_[k] - 1);
        k -= 1;
      } else {
        Gather(k - 1, k - 1, k + 1);
        SwapRows(k, -static_cast<int64_t>(pivots_[k]) - 1);
        k -= 2;
      }
    }
  }

 private:
  T L(int64_t i, int64_t j) const { return ld_[i * n_ + j]; }
  T* Row(int64_t i) const { return b_ + i * k_; }

  void SwapRows(int64_t i, int64_t p) const {
    if (p != i) std::swap_ranges(Row(i), Row(i) + k_, Row(p));
  }

  // B(from:, :) -= A(from:, col) B(row, :) (DGER, alpha = -1: columns with B(row, j) = 0 are skipped).
  void Eliminate(int64_t col, int64_t row, int64_t from) const {
    const T* y = Row(row);
    for (int64_t i = from; i < n_; ++i) {
      const T x = L(i, col);
      T* bi = Row(i);
      for (int64_t j = 0; j < k_; ++j) {
        if (y[j] != T(0)) bi[j] += x * -y[j];
      }
    }
  }

  // B(row, :) -= B(from:, :)^T A(from:, col) (DGEMV, transposed: each column's sum over rows in order).
  void Gather(int64_t col, int64_t row, int64_t from) const {
    if (from >= n_) return;
    std::fill(work_, work_ + k_, T(0));
    for (int64_t i = from; i < n_; ++i) {
      const T x = L(i, col);
      const T* bi = Row(i);
      for (int64_t j = 0; j < k_; ++j) work_[j] += bi[j] * x;
    }
    T* y = Row(row);
    for (int64_t j = 0; j < k_; ++j) y[j] += -work_[j];
  }

  // Rows k, k + 1 of B times the inverse of D's 2 x 2 block at (k, k + 1), scaled by its off-diagonal entry.
  void SolveBlock(int64_t k) const {
    const T akm1k = L(k + 1, k);
    const T akm1 = L(k, k) / akm1k;
    const T ak = L(k + 1, k + 1) / akm1k;
    const T denom = akm1 * ak - T(1);
    T *first = Row(k), *second = Row(k + 1);
    for (int64_t j = 0; j < k_; ++j) {
      const T bkm1 = first[j] / akm1k;
      const T bk = second[j] / akm1k;
      first[j] = (ak * bkm1 - bk) / denom;
      second[j] = (akm1 * bk - bkm1) / denom;
    }
  }

  const T* ld_;
  const int32_t* pivots_;
  int64_t n_;
  T* b_;
  int64_t k_;
  T* work_;
};

}  // namespace

int32_t LdlFactor(const float* a, int64_t n, float* ld, int32_t* pivots) { return Factor(a, n, ld, pivots); }
int32_t LdlFactor(const double* a, int64_t n, double* ld, int32_t* pivots) { return Factor(a, n, ld, pivots); }

std::string LdlPivotsProblem(const int32_t* pivots, int64_t n) {
  const auto at = [&](int64_t i) { return "pivots[" + std::to_string(i) + "] = " + std::to_string(pivots[i]); };
  for (int64_t i = 0; i < n; ++i) {
    const int64_t p = pivots[i];
    if (p == 0 || p > n || p < -n) return at(i) + " is out of range: |pivot| must be in [1, " + std::to_string(n) + "]";
  }
  for (int64_t i = 0; i < n; ++i) {
    if (pivots[i] > 0) continue;
    if (i + 1 == n) return at(i) + " opens a 2 x 2 block in the last row";
    if (pivots[i + 1] != pivots[i]) return at(i) + " opens a 2 x 2 block but " + at(i + 1) + " differs";
    ++i;
  }
  return "";
}

void LdlSolve(const float* ld, const int32_t* pivots, int64_t n, float* b, int64_t k, float* work) {
  LdlSolver<float>(ld, pivots, n, b, k, work).Solve();
}
void LdlSolve(const double* ld, const int32_t* pivots, int64_t n, double* b, int64_t k, double* work) {
  LdlSolver<double>(ld, pivots, n, b, k, work).Solve();
}

}  // namespace symreg::kernels
