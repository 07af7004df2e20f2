// NumPy bindings of the special functions (kernels/special/special_ops.def): an op Name
// of arity 1 is symreg._kernels.name(x), one of arity 2 name(a, b) with a and b broadcast
// as NumPy does (kernels/common/broadcast.h, the ORT ops' own). float32 or float64 in,
// the same dtype out (both inputs of one dtype).
#include <string>

#include "kernels/common/broadcast.h"
#include "kernels/common/shape_text.h"
#include "kernels/special/special.h"
#include "python/elementwise.h"
#include "python/ops.h"

namespace symreg::python {
namespace {

template <typename T, typename Kernel>
py::array Binary(const py::array& a, const py::array& b, const std::string& fn, const Kernel& kernel) {
  const auto in_a = CArray<T>::ensure(a);
  const auto in_b = CArray<T>::ensure(b);
  kernels::Broadcast bc;
  if (!kernels::MakeBroadcast(ShapeOf(in_a), ShapeOf(in_b), &bc)) {
    throw py::value_error("symreg._kernels." + fn + ": shapes " + kernels::ShapeText(ShapeOf(in_a)) + " and " +
                          kernels::ShapeText(ShapeOf(in_b)) + " do not broadcast");
  }
  py::array_t<T> out(std::vector<py::ssize_t>(bc.shape.begin(), bc.shape.end()));
  const T* pa = in_a.data();
  const T* pb = in_b.data();
  T* py = out.mutable_data();
  {
    py::gil_scoped_release release;
    kernels::ForEachRun(bc, 0, bc.size, [&](int64_t oa, int64_t sa, int64_t ob, int64_t sb, int64_t oy, int64_t n) {
      kernel(pa + oa, sa, pb + ob, sb, py + oy, n);
    });
  }
  return out;
}

template <typename Kernel>
void DefBinary(py::module_& m, const char* name, const char* doc, Kernel kernel) {
  const std::string fn = name;
  m.def(
      name,
      [fn, kernel](const py::array& a, const py::array& b) -> py::array {
        const py::dtype da = a.dtype(), db = b.dtype();
        if (IsFloat32(da) && IsFloat32(db)) return Binary<float>(a, b, fn, kernel);
        if (IsFloat64(da) && IsFloat64(db)) return Binary<double>(a, b, fn, kernel);
        throw py::type_error("symreg._kernels." + fn + ": expected two float32 or two float64 arrays, got dtypes " +
                             py::str(da).cast<std::string>() + " and " + py::str(db).cast<std::string>());
      },
      py::arg("a"), py::arg("b"), doc);
}

#define SYMREG_SPECIAL_BIND_1(name, doc) \
  DefUnary(m, #name, doc, [](const auto* x, auto* y, int64_t n) { kernels::special::name(x, y, n); })
#define SYMREG_SPECIAL_BIND_2(name, doc)                                                            \
  DefBinary(m, #name, doc, [](const auto* a, int64_t sa, const auto* b, int64_t sb, auto* y, int64_t n) { \
    kernels::special::name(a, sa, b, sb, y, n);                                                     \
  })

}  // namespace

#define SYMREG_SPECIAL_OP(Name, name, arity, fn)                                                        \
  void Bind##Name(py::module_& m) {                                                                     \
    SYMREG_SPECIAL_BIND_##arity(name, "torch's " #fn " (symreg::" #Name "), elementwise, as torch's CPU " \
                                      "kernel computes it; float32 or float64 arrays in, the same dtype out."); \
  }
#include "kernels/special/special_ops.def"
#undef SYMREG_SPECIAL_OP

}  // namespace symreg::python
