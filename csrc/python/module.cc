// symreg._kernels: the kernel math of csrc/kernels, callable on NumPy arrays (for tests
// and for checking kernels without ONNX Runtime), and the constants the build compiled in.
#include <pybind11/pybind11.h>

#include <algorithm>
#include <string>
#include <vector>

#include "meta.h"
#include "python/cpu_isa.h"
#include "python/ops.h"

namespace {

// "symreg::DeformConv2d", ...: the ops that libsymreg_ort.so registers, sorted.
pybind11::tuple NativeOps() {
  std::vector<std::string> names = {
#define SYMREG_NATIVE_OP(name) std::string(symreg::kDomain) + "::" #name,
#include "native_ops.def"
#undef SYMREG_NATIVE_OP
  };
  std::sort(names.begin(), names.end());
  pybind11::tuple ops(names.size());
  for (size_t i = 0; i < names.size(); ++i) ops[i] = pybind11::str(names[i]);
  return ops;
}

}  // namespace

PYBIND11_MODULE(_kernels, m) {
  m.doc() = "symreg's C++ kernels on NumPy arrays (the math behind libsymreg_ort.so).";
  // symreg/_meta.py's values as this build compiled them in.
  m.attr("VERSION") = symreg::kVersion;
  m.attr("DOMAIN") = symreg::kDomain;
  m.attr("NATIVE_OPS") = NativeOps();
  symreg::python::BindCpuIsa(m);
#define SYMREG_NATIVE_OP(name) symreg::python::Bind##name(m);
#include "native_ops.def"
#undef SYMREG_NATIVE_OP
}
