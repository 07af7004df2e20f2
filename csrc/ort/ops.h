// The ORT kernels of each native op in csrc/native_ops.def: NameOps() returns op Name's
// kernels (one per element type), defined in csrc/ort/<name>_op.cc.
#pragma once

#include "ort/ort_api.h"

namespace symreg::ort {

#define SYMREG_NATIVE_OP(name) OpList name##Ops();
#include "native_ops.def"
#undef SYMREG_NATIVE_OP

}  // namespace symreg::ort
