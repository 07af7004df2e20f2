// NumPy broadcasting of two inputs for elementwise kernels, split into runs: stretches of
// the output along which each input either advances by one element or stays on one. The
// ORT glue and the NumPy bindings share it, so both broadcast alike.
#pragma once

#include <cstdint>
#include <vector>

namespace symreg::kernels {

// The output of two inputs of shapes a and b, their dims merged where that changes
// nothing (size-1 output dims dropped; neighbours merged where each input is broadcast
// along both or along neither).
struct Broadcast {
  std::vector<int64_t> shape;             // the output's shape, as NumPy broadcasts it
  int64_t size = 1;                       // its number of elements
  std::vector<int64_t> dims;              // the merged dims, outermost first (at least one)
  std::vector<int64_t> a_stride, b_stride;  // each input's element stride along each merged dim
};

// False where the shapes do not broadcast (a dim differs and neither is 1). Negative
// dims are the caller's to refuse.
inline bool MakeBroadcast(const std::vector<int64_t>& a, const std::vector<int64_t>& b, Broadcast* out) {
  const size_t rank = a.size() > b.size() ? a.size() : b.size();
  std::vector<int64_t> da(rank, 1), db(rank, 1);
  for (size_t i = 0; i < a.size(); ++i) da[rank - a.size() + i] = a[i];
  for (size_t i = 0; i < b.size(); ++i) db[rank - b.size() + i] = b[i];
  Broadcast r;
  r.shape.resize(rank);
  for (size_t i = 0; i < rank; ++i) {
    if (da[i] != db[i] && da[i] != 1 && db[i] != 1) return false;
    r.shape[i] = da[i] == 1 ? db[i] : da[i];
    r.size *= r.shape[i];
  }
  // Contiguous strides of each input (0 where it is broadcast), over the kept dims.
  std::vector<int64_t> dims, sa, sb;
  int64_t stride_a = 1, stride_b = 1;
  for (size_t k = rank; k-- > 0;) {
    const int64_t n = r.shape[k];
    const int64_t ea = da[k] == 1 ? 0 : stride_a, eb = db[k] == 1 ? 0 : stride_b;
    stride_a *= da[k];
    stride_b *= db[k];
    if (n == 1) continue;
    // Merge with the inner neighbour when each input continues it or stays broadcast along both.
    if (!dims.empty()) {
      const size_t j = dims.size() - 1;
      const bool a_joins = (ea == 0 && sa[j] == 0) || (ea != 0 && sa[j] != 0 && ea == sa[j] * dims[j]);
      const bool b_joins = (eb == 0 && sb[j] == 0) || (eb != 0 && sb[j] != 0 && eb == sb[j] * dims[j]);
      if (a_joins && b_joins) {
        dims[j] *= n;
        continue;
      }
    }
    dims.push_back(n);
    sa.push_back(ea);
    sb.push_back(eb);
  }
  if (dims.empty()) {
    dims.push_back(1);
    sa.push_back(0);
    sb.push_back(0);
  }
  // Built innermost first; stored outermost first.
  r.dims.assign(dims.rbegin(), dims.rend());
  r.a_stride.assign(sa.rbegin(), sa.rend());
  r.b_stride.assign(sb.rbegin(), sb.rend());
  *out = std::move(r);
  return true;
}

// fn(a_offset, a_step, b_offset, b_step, y_offset, length) for each run of the output
// elements [begin, begin + count): a_step and b_step are 1 or 0 (the innermost merged
// dim's strides; the strides are 0 or a run's start, so within a run they are 0 or 1).
template <typename Fn>
void ForEachRun(const Broadcast& bc, int64_t begin, int64_t count, const Fn& fn) {
  const size_t inner = bc.dims.size() - 1;
  const int64_t row = bc.dims[inner];
  const int64_t step_a = bc.a_stride[inner] != 0 ? 1 : 0, step_b = bc.b_stride[inner] != 0 ? 1 : 0;
  int64_t pos = begin;
  const int64_t end = begin + count;
  while (pos < end) {
    int64_t rest = pos / row, off_a = 0, off_b = 0;
    const int64_t col = pos % row;
    for (size_t k = inner; k-- > 0;) {
      const int64_t i = rest % bc.dims[k];
      rest /= bc.dims[k];
      off_a += i * bc.a_stride[k];
      off_b += i * bc.b_stride[k];
    }
    const int64_t length = (row - col < end - pos) ? row - col : end - pos;
    fn(off_a + col * step_a, step_a, off_b + col * step_b, step_b, pos, length);
    pos += length;
  }
}

}  // namespace symreg::kernels
