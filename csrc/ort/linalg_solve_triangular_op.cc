// symreg::LinalgSolveTriangular (version 1), float and double: BLAS trsm, what
// torch.linalg.solve_triangular computes.
//   A (*, n, n), B (*, n, k) (left) or (*, k, n) (right), same batch dims -> X, B's shape
//   attrs upper 0 (A's triangle read), left 1 (0: X A = B), unitriangular 0 (1: A's diagonal is ones)
#include <algorithm>
#include <string>
#include <vector>

#include "kernels/linalg/triangular.h"
#include "ort/linalg.h"
#include "ort/ops.h"

namespace symreg::ort {
namespace {

struct SolveTriangular {
  static constexpr const char* kName = "LinalgSolveTriangular";
  struct Attrs {
    bool upper = false;
    bool left = true;
    bool unitriangular = false;
  };
  static void Read(ort::Attrs& reader, Attrs* attrs) {
    reader.Bool("upper", &attrs->upper);
    reader.Bool("left", &attrs->left);
    reader.Bool("unitriangular", &attrs->unitriangular);
  }
  static std::vector<ONNXTensorElementDataType> Inputs(ONNXTensorElementDataType t) { return {t, t}; }
  static std::vector<ONNXTensorElementDataType> Outputs(ONNXTensorElementDataType t) { return {t}; }

  template <typename T>
  static void Compute(const Attrs& attrs, const Ort::KernelContext& ctx) {
    kernels::MatrixBatch m, rhs;
    const Input<T> a = MatrixInput<T>(ctx, 0, "A", true, &m);
    const Input<T> b = MatrixInput<T>(ctx, 1, "B", false, &rhs);
    Check(kernels::SameBatch(m, "A", rhs, "B"));
    const int64_t shared = attrs.left ? rhs.rows : rhs.cols;
    if (shared != m.rows) {
      throw Problem(std::string("input B must have ") + std::to_string(m.rows) + (attrs.left ? " rows" : " columns") +
                    " (A is " + std::to_string(m.rows) + " x " + std::to_string(m.rows) + "), got shape " +
                    ShapeText(b.shape));
    }
    T* x = Output<T>(ctx, 0, b.shape);
    if (x == nullptr) return;
    std::copy(b.data, b.data + rhs.batch * rhs.size(), x);
    const int64_t k = attrs.left ? rhs.cols : rhs.rows;
    ParallelTasks(ctx, m.batch, [&](int64_t i) {
      kernels::SolveTriangular(a.data + i * m.size(), m.rows, x + i * rhs.size(), k, attrs.upper, attrs.left,
                               attrs.unitriangular);
    });
  }
};

}  // namespace

OpList LinalgSolveTriangularOps() { return LinalgOps<SolveTriangular>(); }

}  // namespace symreg::ort
