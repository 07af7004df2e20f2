// The scans along an axis, as torch's CPU kernels compute them (aten/src/ATen/native/cpu/
// ReduceOpsKernel.cpp, ReduceOps.cpp): each runs `columns` adjacent slices of n positions
// `stride` apart, starting at x (and y, indices), sequentially in torch's order.
//   Cumprod       running product, float32 accumulated in double and rounded at each output
//                 (torch's acc_type), int64 wrapping.
//   Cumsum        running sum, the same accumulation; CumsumRows runs contiguous slices (the last
//                 axis) kSumRows at a time.
//   CumExtreme    cummax (Largest) / cummin: the value and the index of the running extreme;
//                 an element >= (<=) it takes over (ties: the latest), NaN takes over and stays
//                 until the next NaN (torch's cummax_cummin_helper).
//   LogCumSumExp  log(exp(acc) + exp(x)) in double for float32, torch's _log_add_exp_helper:
//                 log1p(exp(min - max)) + max, x itself where both are the same infinity.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "kernels/scans/axis_slices.h"

namespace symreg::kernels {

template <typename T>
bool IsNan(T v) {
  if constexpr (std::is_floating_point_v<T>) {
    return std::isnan(v);
  } else {
    return false;
  }
}

// torch's CPU acc_type: float32 sums and products in double; int64 in uint64, whose overflow wraps without UB.
template <typename T>
using ScanAcc = std::conditional_t<std::is_floating_point_v<T>, double, uint64_t>;

template <typename T>
void Cumprod(const T* x, T* y, int64_t n, int64_t stride, int64_t columns) {
  using Acc = ScanAcc<T>;
  ScanColumns(n, stride, columns, Acc(1), [&](Acc& acc, int64_t at, int64_t) {
    acc = acc * static_cast<Acc>(x[at]);
    y[at] = static_cast<T>(acc);
  });
}

template <typename T>
void Cumsum(const T* x, T* y, int64_t n, int64_t stride, int64_t columns) {
  using Acc = ScanAcc<T>;
  if (columns == 1) {
    Acc acc = 0;
    for (int64_t i = 0; i < n; ++i) {
      acc += static_cast<Acc>(x[i * stride]);
      y[i * stride] = static_cast<T>(acc);
    }
    return;
  }
  // one row of the group at a time: the column loop reads and writes contiguous memory and vectorises
  Acc acc[kScanColumns] = {};
  const int64_t width = std::min(columns, kScanColumns);
  for (int64_t i = 0; i < n; ++i) {
    const T* xr = x + i * stride;
    T* yr = y + i * stride;
    for (int64_t c = 0; c < width; ++c) {
      acc[c] += static_cast<Acc>(xr[c]);
      yr[c] = static_cast<T>(acc[c]);
    }
  }
}

// Slices CumsumRows interleaves: each slice's sum waits on its previous add (several cycles of
// latency); independent slices side by side fill that wait, in the same order of additions.
inline constexpr int64_t kSumRows = 8;

// Cumsum of `rows` contiguous slices of n elements each, one after another in memory.
template <typename T>
void CumsumRows(const T* x, T* y, int64_t n, int64_t rows) {
  using Acc = ScanAcc<T>;
  int64_t r = 0;
  for (; r + kSumRows <= rows; r += kSumRows) {
    const T* xs = x + r * n;
    T* ys = y + r * n;
    Acc acc[kSumRows] = {};
    for (int64_t i = 0; i < n; ++i) {
      for (int64_t k = 0; k < kSumRows; ++k) {
        acc[k] += static_cast<Acc>(xs[k * n + i]);
        ys[k * n + i] = static_cast<T>(acc[k]);
      }
    }
  }
  for (; r < rows; ++r) Cumsum(x + r * n, y + r * n, n, 1, 1);
}

template <bool Largest, typename T>
void CumExtreme(const T* x, T* y, int64_t* indices, int64_t n, int64_t stride, int64_t columns) {
  struct State {
    T best;
    int64_t index;
  };
  ScanColumns(n, stride, columns, State{T(0), 0}, [&](State& s, int64_t at, int64_t i) {
    const T cur = x[at];
    const bool wins = Largest ? cur >= s.best : cur <= s.best;
    if (i == 0 || IsNan(cur) || (!IsNan(s.best) && wins)) s = State{cur, i};
    y[at] = s.best;
    indices[at] = s.index;
  });
}

inline double LogAddExp(double x, double acc) {
  const bool nan_x = std::isnan(x), nan_acc = std::isnan(acc);
  const double lo = nan_acc ? acc : (nan_x ? x : std::min(x, acc));
  const double hi = nan_acc ? acc : (nan_x ? x : std::max(x, acc));
  if (lo != hi || std::isfinite(lo)) return std::log1p(std::exp(lo - hi)) + hi;  // NaN propagates here
  return x;  // both the same infinity
}

template <typename T>
void LogCumSumExp(const T* x, T* y, int64_t n, int64_t stride, int64_t columns) {
  ScanColumns(n, stride, columns, -std::numeric_limits<double>::infinity(), [&](double& acc, int64_t at, int64_t) {
    acc = LogAddExp(static_cast<double>(x[at]), acc);
    y[at] = static_cast<T>(acc);
  });
}

}  // namespace symreg::kernels
