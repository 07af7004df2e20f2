// How ORT glue reports a failed call: an ORT status whose text names the op, then the
// problem, which names the argument and its value, e.g.
// "symreg::DeformConv2d: attribute strides must be a list of ints".
#pragma once

#include <string>

#include "kernels/common/shape_text.h"
#include "ort/ort_api.h"

namespace symreg::ort {

using kernels::ShapeText;

// op: the op's name in the domain ("Erfinv"); problem: what is wrong, without a prefix.
inline Ort::Status OpError(const char* op, const std::string& problem) {
  return Ort::Status((std::string(kDomain) + "::" + op + ": " + problem).c_str(), ORT_RUNTIME_EXCEPTION);
}

}  // namespace symreg::ort
