#include "kernels/math/erfinv.h"
#include "python/elementwise.h"
#include "python/ops.h"

namespace symreg::python {

void BindErfinv(py::module_& m) {
  DefUnary(m, "erfinv", "Inverse error function, elementwise; float32 or float64 array in, same dtype and shape out.",
           [](const auto* x, auto* y, int64_t n) { kernels::erfinv(x, y, n); });
}

}  // namespace symreg::python
