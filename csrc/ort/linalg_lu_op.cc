// symreg::LinalgLuFactor and symreg::LinalgLuSolve (version 1), float and double:
// LAPACK's getrf and getrs, what torch.linalg.lu_factor_ex and lu_solve compute.
//   LinalgLuFactor  A (*, m, n) -> LU (*, m, n), pivots int32 (*, min(m, n)) 1-based, info int32 (*)
//                   attrs check_errors 0 (1: a zero pivot is an error), api "" (named in errors)
//   LinalgLuSolve   LU (*, n, n), pivots int32 (*, n), B (*, n, k) -> X (*, n, k) with A X = B
//                   attrs adjoint 0 (1: A^T X = B)
#include <string>
#include <vector>

#include "kernels/linalg/lu.h"
#include "ort/linalg.h"
#include "ort/ops.h"

namespace symreg::ort {
namespace {

struct LuFactor {
  static constexpr const char* kName = "LinalgLuFactor";
  struct Attrs {
    bool check_errors = false;
    std::string api;
  };
  static void Read(ort::Attrs& reader, Attrs* attrs) {
    reader.Bool("check_errors", &attrs->check_errors);
    reader.String("api", &attrs->api);
  }
  static std::vector<ONNXTensorElementDataType> Inputs(ONNXTensorElementDataType t) { return {t}; }
  static std::vector<ONNXTensorElementDataType> Outputs(ONNXTensorElementDataType t) { return {t, kInt32, kInt32}; }

  template <typename T>
  static void Compute(const Attrs& attrs, const Ort::KernelContext& ctx) {
    kernels::MatrixBatch m;
    const Input<T> a = MatrixInput<T>(ctx, 0, "A", false, &m);
    const int64_t k = std::min(m.rows, m.cols);
    T* lu = Output<T>(ctx, 0, a.shape);
    std::vector<int32_t> own_pivots, own_infos;
    int32_t* pivots = Output<int32_t>(ctx, 1, kernels::BatchShapeWith(m, {k}));
    int32_t* infos = Output<int32_t>(ctx, 2, m.batch_shape);
    if (m.batch == 0 || k == 0) {
      if (infos != nullptr) std::fill(infos, infos + m.batch, 0);
      return;
    }
    std::vector<T> own_lu;
    lu = OutputOrScratch(lu, &own_lu, m.batch * m.size());
    pivots = OutputOrScratch(pivots, &own_pivots, m.batch * k);
    infos = OutputOrScratch(infos, &own_infos, m.batch);
    std::copy(a.data, a.data + m.batch * m.size(), lu);
    ParallelTasks(ctx, m.batch, [&](int64_t b) {
      infos[b] = kernels::LuFactor(lu + b * m.size(), m.rows, m.cols, pivots + b * k);
    });
    if (attrs.check_errors) {
      CheckInfos(infos, m, attrs.api, [](int32_t info) {
        const std::string i = std::to_string(info);
        return "the input matrix is singular: U[" + i + ", " + i + "] (1-based) is exactly zero";
      });
    }
  }
};

struct LuSolve {
  static constexpr const char* kName = "LinalgLuSolve";
  struct Attrs {
    bool adjoint = false;
  };
  static void Read(ort::Attrs& reader, Attrs* attrs) { reader.Bool("adjoint", &attrs->adjoint); }
  static std::vector<ONNXTensorElementDataType> Inputs(ONNXTensorElementDataType t) { return {t, kInt32, t}; }
  static std::vector<ONNXTensorElementDataType> Outputs(ONNXTensorElementDataType t) { return {t}; }

  template <typename T>
  static void Compute(const Attrs& attrs, const Ort::KernelContext& ctx) {
    kernels::MatrixBatch m, rhs;
    const Input<T> lu = MatrixInput<T>(ctx, 0, "LU", true, &m);
    const Input<int32_t> pivots = RequiredInput<int32_t>(ctx, 1, "pivots");
    const Input<T> b = MatrixInput<T>(ctx, 2, "B", false, &rhs);
    const std::vector<int64_t> want = kernels::BatchShapeWith(m, {m.rows});
    if (pivots.shape != want) {
      throw Problem("input pivots must have shape " + ShapeText(want) + " for LU of shape " + ShapeText(lu.shape) +
                    ", got " + ShapeText(pivots.shape));
    }
    Check(kernels::SameBatch(m, "LU", rhs, "B"));
    if (rhs.rows != m.rows) {
      throw Problem("input B must have " + std::to_string(m.rows) + " rows (as LU), got shape " + ShapeText(b.shape));
    }
    T* x = Output<T>(ctx, 0, b.shape);
    if (x == nullptr) return;
    const int64_t n = m.rows;
    for (int64_t i = 0; i < m.batch; ++i) {
      if (!kernels::ValidPivots(pivots.data + i * n, n)) {
        throw Problem("input pivots must be in [1, " + std::to_string(n) + "]" + BatchText(m, i));
      }
    }
    std::copy(b.data, b.data + rhs.batch * rhs.size(), x);
    ParallelTasks(ctx, m.batch, [&](int64_t i) {
      kernels::LuSolve(lu.data + i * m.size(), pivots.data + i * n, n, x + i * rhs.size(), rhs.cols, attrs.adjoint);
    });
  }
};

}  // namespace

OpList LinalgLuFactorOps() { return LinalgOps<LuFactor>(); }
OpList LinalgLuSolveOps() { return LinalgOps<LuSolve>(); }

}  // namespace symreg::ort
