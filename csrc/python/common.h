// What the binding files share: NumPy arrays as the kernels take them, and a plain task
// runner.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

namespace symreg::python {

namespace py = pybind11;

// A C-contiguous array of T; forcecast converts (or byte-swaps) where needed.
template <typename T>
using CArray = py::array_t<T, py::array::c_style | py::array::forcecast>;

inline std::vector<int64_t> ShapeOf(const py::array& a) { return std::vector<int64_t>(a.shape(), a.shape() + a.ndim()); }

inline bool IsFloat32(const py::dtype& dt) { return dt.kind() == 'f' && dt.itemsize() == 4; }
inline bool IsFloat64(const py::dtype& dt) { return dt.kind() == 'f' && dt.itemsize() == 8; }

// fn(0) ... fn(tasks - 1) on `threads` threads (the caller's included). Only for
// benchmarks and tests of this module: the ORT library runs on ORT's own pool.
template <typename Fn>
void RunTasks(int64_t tasks, int64_t threads, const Fn& fn) {
  std::atomic<int64_t> next{0};
  const auto work = [&] {
    for (int64_t task = next++; task < tasks; task = next++) fn(task);
  };
  std::vector<std::thread> pool;
  for (int64_t t = 1; t < std::min(threads, tasks); ++t) pool.emplace_back(work);
  work();
  for (auto& thread : pool) thread.join();
}

}  // namespace symreg::python
