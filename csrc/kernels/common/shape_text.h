// Shapes and attribute lists in error messages, e.g. "[1, 3, 224, 224]": one spelling for
// the kernels' checks and the ORT glue.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace symreg::kernels {

inline std::string ShapeText(const std::vector<int64_t>& shape) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i) text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + "]";
}

}  // namespace symreg::kernels
