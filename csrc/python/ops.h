// The NumPy bindings of each native op in csrc/native_ops.def: BindName(m) defines op
// Name's functions and classes in the module, in csrc/python/<name>.cc.
#pragma once

#include <pybind11/pybind11.h>

namespace symreg::python {

#define SYMREG_NATIVE_OP(name) void Bind##name(pybind11::module_& m);
#include "native_ops.def"
#undef SYMREG_NATIVE_OP

}  // namespace symreg::python
