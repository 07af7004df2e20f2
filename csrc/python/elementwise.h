// Bindings of ops y = f(x) applied element by element: float32 and float64 arrays of any
// shape, the same dtype and shape out, the GIL released while the kernel runs.
#pragma once

#include <string>
#include <vector>

#include "python/common.h"

namespace symreg::python {

template <typename T, typename Kernel>
py::array Unary(const py::array& x, const Kernel& kernel) {
  // forcecast only byte-swaps here: the caller has checked kind and size.
  const auto in = CArray<T>::ensure(x);
  py::array_t<T> out(std::vector<py::ssize_t>(in.shape(), in.shape() + in.ndim()));
  const T* src = in.data();
  T* dst = out.mutable_data();
  const auto n = static_cast<int64_t>(in.size());
  {
    py::gil_scoped_release release;
    kernel(src, dst, n);
  }
  return out;
}

// Defines m.name(x); kernel(const T* x, T* y, int64_t n) for T float and double.
template <typename Kernel>
void DefUnary(py::module_& m, const char* name, const char* doc, Kernel kernel) {
  const std::string fn = name;
  m.def(
      name,
      [fn, kernel](const py::array& x) -> py::array {
        const py::dtype dt = x.dtype();
        if (IsFloat32(dt)) return Unary<float>(x, kernel);
        if (IsFloat64(dt)) return Unary<double>(x, kernel);
        throw py::type_error("symreg._kernels." + fn + ": expected a float32 or float64 array, got dtype " +
                             py::str(dt).cast<std::string>());
      },
      py::arg("x"), doc);
}

}  // namespace symreg::python
