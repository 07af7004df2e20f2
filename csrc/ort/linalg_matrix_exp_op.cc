// symreg::LinalgMatrixExp (version 1), float and double: torch.linalg.matrix_exp.
//   A (*, n, n) -> exp(A) (*, n, n); NaN everywhere in a matrix with NaN or inf
#include <vector>

#include "kernels/linalg/matrix_exp.h"
#include "ort/linalg.h"
#include "ort/ops.h"

namespace symreg::ort {
namespace {

struct MatrixExp {
  static constexpr const char* kName = "LinalgMatrixExp";
  struct Attrs {};
  static void Read(ort::Attrs&, Attrs*) {}
  static std::vector<ONNXTensorElementDataType> Inputs(ONNXTensorElementDataType t) { return {t}; }
  static std::vector<ONNXTensorElementDataType> Outputs(ONNXTensorElementDataType t) { return {t}; }

  template <typename T>
  static void Compute(const Attrs&, const Ort::KernelContext& ctx) {
    kernels::MatrixBatch m;
    const Input<T> a = MatrixInput<T>(ctx, 0, "A", true, &m);
    T* y = Output<T>(ctx, 0, a.shape);
    if (y == nullptr) return;
    ParallelTasks(ctx, m.batch, [&](int64_t b) { kernels::MatrixExp(a.data + b * m.size(), m.rows, y + b * m.size()); });
  }
};

}  // namespace

OpList LinalgMatrixExpOps() { return LinalgOps<MatrixExp>(); }

}  // namespace symreg::ort
