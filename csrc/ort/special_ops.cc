// The special functions of kernels/special/special_ops.def as ORT ops, float and double,
// any shape: symreg::Digamma (version 1) is Y = digamma(X); symreg::Zeta is
// Z = zeta(X, Y) with X and Y broadcast as NumPy does; and so on, one op per line there.
// NameOps() (csrc/ort/ops.h, csrc/native_ops.def) returns op Name's kernels.
#include "kernels/special/special.h"
#include "ort/elementwise.h"
#include "ort/ops.h"

namespace symreg::ort {
namespace {

#define SYMREG_SPECIAL_TRAITS_1(Name, name)                                   \
  struct Name {                                                               \
    static constexpr const char* kName = #Name;                               \
    template <typename T>                                                     \
    static void Apply(const T* x, T* y, int64_t n) {                          \
      kernels::special::name(x, y, n);                                        \
    }                                                                         \
  };
#define SYMREG_SPECIAL_TRAITS_2(Name, name)                                                  \
  struct Name {                                                                              \
    static constexpr const char* kName = #Name;                                              \
    template <typename T>                                                                    \
    static void Apply(const T* a, int64_t sa, const T* b, int64_t sb, T* y, int64_t n) {     \
      kernels::special::name(a, sa, b, sb, y, n);                                            \
    }                                                                                        \
  };
#define SYMREG_SPECIAL_OP(Name, name, arity, fn) SYMREG_SPECIAL_TRAITS_##arity(Name, name)
#include "kernels/special/special_ops.def"
#undef SYMREG_SPECIAL_OP

template <int kArity>
struct Elementwise;
template <>
struct Elementwise<1> {
  template <typename Op>
  static OpList Ops() {
    return UnaryElementwiseOps<Op, float, double>();
  }
};
template <>
struct Elementwise<2> {
  template <typename Op>
  static OpList Ops() {
    return BinaryElementwiseOps<Op, float, double>();
  }
};

}  // namespace

#define SYMREG_SPECIAL_OP(Name, name, arity, fn) \
  OpList Name##Ops() { return Elementwise<arity>::Ops<Name>(); }
#include "kernels/special/special_ops.def"
#undef SYMREG_SPECIAL_OP

}  // namespace symreg::ort
