// symreg::Erfinv (version 1): y = erfinv(x), float and double, any shape.
#include "kernels/math/erfinv.h"
#include "ort/elementwise.h"
#include "ort/ops.h"

namespace symreg::ort {
namespace {

struct Erfinv {
  static constexpr const char* kName = "Erfinv";
  template <typename T>
  static void Apply(const T* x, T* y, int64_t n) {
    kernels::erfinv(x, y, n);
  }
};

}  // namespace

OpList ErfinvOps() { return UnaryElementwiseOps<Erfinv, float, double>(); }

}  // namespace symreg::ort
