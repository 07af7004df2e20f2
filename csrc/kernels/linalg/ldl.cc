// A port of reference LAPACK's DSYTF2, lower case (LAPACK 3.12, BSD licence, Univ. of Tennessee, Univ. of
// California Berkeley, Univ. of Colorado Denver and NAG Ltd.): the same pivot choices (Bunch-Kaufman with
// alpha = (1 + sqrt(17)) / 8, IDAMAX's first largest entry) and the same order of operations in each update.
#include "kernels/linalg/ldl.h"

#include <algorithm>
#include <cmath>

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

}  // namespace

int32_t LdlFactor(const float* a, int64_t n, float* ld, int32_t* pivots) { return Factor(a, n, ld, pivots); }
int32_t LdlFactor(const double* a, int64_t n, double* ld, int32_t* pivots) { return Factor(a, n, ld, pivots); }

}  // namespace symreg::kernels
