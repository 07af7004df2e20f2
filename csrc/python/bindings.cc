// symreg._kernels: the kernel math of csrc/kernels, callable on NumPy arrays
// (for tests and for checking kernels without ONNX Runtime).
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <cstdint>
#include <string>
#include <vector>

#include "kernels/math/erfinv.h"

namespace py = pybind11;

namespace {

template <typename T, typename Kernel>
py::array Unary(const py::array& x, const Kernel& kernel) {
  // forcecast only byte-swaps here: the caller has checked kind and size.
  const auto in = py::array_t<T, py::array::c_style | py::array::forcecast>::ensure(x);
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

// y = f(x) for float32 and float64 arrays of any shape; same dtype and shape out.
template <typename Kernel>
void DefUnary(py::module_& m, const char* name, const char* doc, Kernel kernel) {
  const std::string fn = name;
  m.def(
      name,
      [fn, kernel](const py::array& x) -> py::array {
        const py::dtype dt = x.dtype();
        if (dt.kind() == 'f' && dt.itemsize() == 4) return Unary<float>(x, kernel);
        if (dt.kind() == 'f' && dt.itemsize() == 8) return Unary<double>(x, kernel);
        throw py::type_error("symreg._kernels." + fn + ": expected a float32 or float64 array, got dtype " +
                             py::str(dt).cast<std::string>());
      },
      py::arg("x"), doc);
}

}  // namespace

PYBIND11_MODULE(_kernels, m) {
  m.doc() = "symreg's C++ kernels on NumPy arrays (the math behind libsymreg_ort.so).";

  DefUnary(m, "erfinv", "Inverse error function, elementwise; float32 or float64 array in, same dtype and shape out.",
           [](const auto* x, auto* y, int64_t n) { symreg::kernels::erfinv(x, y, n); });
}
