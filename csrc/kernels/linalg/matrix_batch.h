// Shapes of batched matrices (*, rows, cols), as the linalg kernels take them: row-major,
// the batch dims flattened. Checks return the problem in words (empty when there is none),
// naming the argument and its shape, for the ORT glue and the NumPy bindings alike.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "kernels/common/shape_text.h"

namespace symreg::kernels {

struct MatrixBatch {
  std::vector<int64_t> batch_shape;  // the leading dims
  int64_t batch = 1;                 // their product
  int64_t rows = 0;
  int64_t cols = 0;

  int64_t size() const { return rows * cols; }  // elements per matrix
};

// shape (*, rows, cols) into *out; square: rows == cols is required too.
inline std::string ReadMatrixBatch(const std::vector<int64_t>& shape, const char* name, bool square,
                                   MatrixBatch* out) {
  if (shape.size() < 2) {
    return std::string("input ") + name + " must have at least 2 dims (*, m, n), got shape " + ShapeText(shape);
  }
  for (int64_t d : shape) {
    if (d < 0) return std::string("input ") + name + " has a negative dim: " + ShapeText(shape);
  }
  out->batch_shape.assign(shape.begin(), shape.end() - 2);
  out->batch = 1;
  for (int64_t d : out->batch_shape) out->batch *= d;
  out->rows = shape[shape.size() - 2];
  out->cols = shape.back();
  if (square && out->rows != out->cols) {
    return std::string("input ") + name + " must be a batch of square matrices (*, n, n), got shape " +
           ShapeText(shape);
  }
  return "";
}

// The batch dims followed by `tail`.
inline std::vector<int64_t> BatchShapeWith(const MatrixBatch& m, std::initializer_list<int64_t> tail) {
  std::vector<int64_t> shape = m.batch_shape;
  shape.insert(shape.end(), tail.begin(), tail.end());
  return shape;
}

// Whether two inputs have the same batch dims: the kernels do not broadcast (the rules do).
inline std::string SameBatch(const MatrixBatch& a, const char* a_name, const MatrixBatch& b, const char* b_name) {
  if (a.batch_shape == b.batch_shape) return "";
  return std::string("inputs ") + a_name + " and " + b_name + " must have the same batch dims, got " +
         ShapeText(a.batch_shape) + " and " + ShapeText(b.batch_shape);
}

}  // namespace symreg::kernels
