// Bindings of the scan and mode kernels (csrc/kernels/scans/): any rank, one axis, float32,
// float64 or int64 (logcumsumexp: float32 or float64). The GIL is released while they run, one
// group of slices after another (the ORT ops run the groups on ORT's pool).
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "kernels/scans/axis_slices.h"
#include "kernels/scans/mode.h"
#include "kernels/scans/scans.h"
#include "python/common.h"
#include "python/ops.h"

namespace symreg::python {
namespace {

using kernels::AxisSlices;

// f(T{}) for x's dtype; a TypeError naming `fn` for other dtypes.
template <bool Integers, typename Fn>
py::object ByDtype(const char* fn, const py::array& x, const Fn& f) {
  const py::dtype dt = x.dtype();
  if (IsFloat32(dt)) return f(float{});
  if (IsFloat64(dt)) return f(double{});
  if constexpr (Integers) {
    if (dt.kind() == 'i' && dt.itemsize() == 8) return f(int64_t{});
  }
  throw py::type_error(std::string("symreg._kernels.") + fn + ": expected a float32" +
                       (Integers ? ", float64 or int64" : " or float64") + " array, got dtype " +
                       py::str(dt).cast<std::string>());
}

template <typename T>
CArray<T> Along(const char* fn, const py::array& x_in, int64_t axis, AxisSlices* s) {
  const std::string problem = kernels::ReadAxisSlices(ShapeOf(x_in), axis, "x", s);
  if (!problem.empty()) throw py::value_error(std::string("symreg._kernels.") + fn + ": " + problem);
  return CArray<T>::ensure(x_in);
}

template <typename T>
py::array_t<T> Empty(const std::vector<int64_t>& shape) {
  return py::array_t<T>(std::vector<py::ssize_t>(shape.begin(), shape.end()));
}

// scan(offset, columns) over every group of slices of s.
template <typename Scan>
void EachGroup(const AxisSlices& s, const Scan& scan) {
  py::gil_scoped_release release;
  for (int64_t u = 0; u < kernels::ScanUnits(s); ++u) {
    const kernels::ScanUnit unit = kernels::ScanUnitAt(s, u);
    scan(unit.offset, unit.columns);
  }
}

py::object Cumprod(const py::array& x_in, int64_t axis) {
  return ByDtype<true>("cumprod", x_in, [&](auto tag) -> py::object {
    using T = decltype(tag);
    AxisSlices s;
    const auto x = Along<T>("cumprod", x_in, axis, &s);
    auto y = Empty<T>(ShapeOf(x));
    const T* xd = x.data();
    T* yd = y.mutable_data();
    EachGroup(s, [&](int64_t at, int64_t columns) { kernels::Cumprod(xd + at, yd + at, s.n, s.inner, columns); });
    return y;
  });
}

py::object Cumsum(const py::array& x_in, int64_t axis) {
  return ByDtype<true>("cumsum", x_in, [&](auto tag) -> py::object {
    using T = decltype(tag);
    AxisSlices s;
    const auto x = Along<T>("cumsum", x_in, axis, &s);
    auto y = Empty<T>(ShapeOf(x));
    const T* xd = x.data();
    T* yd = y.mutable_data();
    if (x.ndim() == 0) {  // torch returns a 0-d input as it is (-0.0 stays -0.0)
      *yd = *xd;
      return y;
    }
    if (s.inner == 1) {  // contiguous slices, interleaved as the ORT op runs them
      py::gil_scoped_release release;
      kernels::CumsumRows(xd, yd, s.n, s.outer);
      return y;
    }
    EachGroup(s, [&](int64_t at, int64_t columns) { kernels::Cumsum(xd + at, yd + at, s.n, s.inner, columns); });
    return y;
  });
}

py::object LogCumSumExp(const py::array& x_in, int64_t axis) {
  return ByDtype<false>("logcumsumexp", x_in, [&](auto tag) -> py::object {
    using T = decltype(tag);
    AxisSlices s;
    const auto x = Along<T>("logcumsumexp", x_in, axis, &s);
    auto y = Empty<T>(ShapeOf(x));
    const T* xd = x.data();
    T* yd = y.mutable_data();
    if (x.ndim() == 0) {  // torch returns a 0-d input as it is (-0.0 stays -0.0)
      *yd = *xd;
      return y;
    }
    EachGroup(s, [&](int64_t at, int64_t columns) {
      if constexpr (std::is_floating_point_v<T>) kernels::LogCumSumExp(xd + at, yd + at, s.n, s.inner, columns);
    });
    return y;
  });
}

template <bool Largest>
py::object CumExtreme(const py::array& x_in, int64_t axis) {
  const char* fn = Largest ? "cummax" : "cummin";
  return ByDtype<true>(fn, x_in, [&](auto tag) -> py::object {
    using T = decltype(tag);
    AxisSlices s;
    const auto x = Along<T>(fn, x_in, axis, &s);
    auto y = Empty<T>(ShapeOf(x));
    auto indices = Empty<int64_t>(ShapeOf(x));
    const T* xd = x.data();
    T* yd = y.mutable_data();
    int64_t* id = indices.mutable_data();
    EachGroup(s, [&](int64_t at, int64_t columns) {
      kernels::CumExtreme<Largest>(xd + at, yd + at, id + at, s.n, s.inner, columns);
    });
    return py::make_tuple(y, indices);
  });
}

py::object Mode(const py::array& x_in, int64_t axis, bool keepdims) {
  return ByDtype<true>("mode", x_in, [&](auto tag) -> py::object {
    using T = decltype(tag);
    AxisSlices s;
    const auto x = Along<T>("mode", x_in, axis, &s);
    if (s.n == 0) {  // torch refuses it even where there are no slices
      throw py::value_error("symreg._kernels.mode: axis " + std::to_string(s.axis) +
                            " of x has no elements: the mode of an empty slice is undefined");
    }
    const std::vector<int64_t> shape = kernels::ReducedShape(ShapeOf(x), s, keepdims);
    auto values = Empty<T>(shape);
    auto indices = Empty<int64_t>(shape);
    const T* xd = x.data();
    T* vd = values.mutable_data();
    int64_t* id = indices.mutable_data();
    {
      py::gil_scoped_release release;
      std::vector<std::pair<T, int64_t>> pairs;
      for (int64_t k = 0; k < s.slices(); ++k) {
        const int64_t o = k / s.inner, c = k % s.inner;
        kernels::Mode(xd + o * s.n * s.inner + c, s.n, s.inner, &pairs, vd + k, id + k);
      }
    }
    return py::make_tuple(values, indices);
  });
}

}  // namespace

void BindCumprod(py::module_& m) {
  m.def("cumprod", &Cumprod, py::arg("x"), py::arg("axis") = 0,
        "Running product along axis, torch's cumprod on CPU (float32 accumulated in double, int64 wrapping) "
        "(the kernel of symreg::Cumprod).");
}

void BindCumsum(py::module_& m) {
  m.def("cumsum", &Cumsum, py::arg("x"), py::arg("axis") = 0,
        "Running sum along axis, torch's cumsum on CPU (float32 accumulated in double and rounded at each output, "
        "int64 wrapping) (the kernel of symreg::Cumsum).");
}

void BindCummax(py::module_& m) {
  m.def("cummax", &CumExtreme<true>, py::arg("x"), py::arg("axis") = 0,
        "(values, indices int64) of the running maximum along axis, torch's ties (the latest) and NaN "
        "(the kernel of symreg::Cummax).");
}

void BindCummin(py::module_& m) {
  m.def("cummin", &CumExtreme<false>, py::arg("x"), py::arg("axis") = 0,
        "(values, indices int64) of the running minimum along axis, torch's ties (the latest) and NaN "
        "(the kernel of symreg::Cummin).");
}

void BindLogCumSumExp(py::module_& m) {
  m.def("logcumsumexp", &LogCumSumExp, py::arg("x"), py::arg("axis") = 0,
        "log(cumsum(exp(x))) along axis, torch's CPU kernel (double accumulation) "
        "(the kernel of symreg::LogCumSumExp).");
}

void BindMode(py::module_& m) {
  m.def("mode", &Mode, py::arg("x"), py::arg("axis") = -1, py::arg("keepdims") = true,
        "(values, indices int64): the most frequent value along axis (the smallest of equally frequent ones) "
        "and torch's index for it (the kernel of symreg::Mode).");
}

}  // namespace symreg::python
