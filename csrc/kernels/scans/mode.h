// torch's CPU mode of one slice (aten/src/ATen/native/cpu/TensorCompareKernel.cpp,
// mode_kernel_impl): (value, index) pairs sorted by value with std::sort, then the runs of
// equal values scanned; a run longer than every earlier one wins, so among equally frequent
// values the smallest, and the index is the last pair of its run in the sorted order.
// std::sort is not stable: for slices beyond 16 elements the index among equal values is its
// introsort's. The same std::sort call on the same pair sequence (same comparator, same
// outcomes) moves the pairs alike, so libstdc++ reproduces torch's index; integers compared
// as int64 order as the narrower types do. NaN compares false both ways, which std::sort's
// contract excludes: the order is then whatever its steps give, again the same steps as torch's,
// and each NaN is a run of its own (NaN != NaN).
#pragma once

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

namespace symreg::kernels {

// The mode of the n values x[0], x[stride], ...; `pairs` is scratch space (resized here).
// n >= 1.
template <typename T>
void Mode(const T* x, int64_t n, int64_t stride, std::vector<std::pair<T, int64_t>>* pairs, T* value,
          int64_t* index) {
  auto& elements = *pairs;
  elements.resize(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) elements[i] = std::make_pair(x[i * stride], i);
  std::sort(elements.begin(), elements.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  T mode = 0;
  int64_t mode_index = 0, run = 0, longest = 0;
  for (int64_t i = 0; i < n; ++i) {
    ++run;
    if (i == n - 1 || elements[i].first != elements[i + 1].first) {
      if (run > longest) {
        mode = elements[i].first;
        mode_index = elements[i].second;
        longest = run;
      }
      run = 0;
    }
  }
  *value = mode;
  *index = mode_index;
}

}  // namespace symreg::kernels
