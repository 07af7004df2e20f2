// symreg::LinalgLdlFactor and symreg::LinalgLdlSolve (version 1), float and double: LAPACK's sytrf and sytrs
// (lower), what torch.linalg.ldl_factor_ex and ldl_solve compute.
//   LinalgLdlFactor  A (*, n, n) -> LD (*, n, n), pivots int32 (*, n), info int32 (*)
//                    attrs check_errors 0 (1: a singular D is an error), api "" (named in errors)
//   LinalgLdlSolve   LD (*, n, n), pivots int32 (*, n), B (*, n, k) -> X (*, n, k) with A X = B
#include <algorithm>
#include <string>
#include <vector>

#include "kernels/linalg/ldl.h"
#include "ort/linalg.h"
#include "ort/ops.h"

namespace symreg::ort {
namespace {

struct LdlFactor {
  static constexpr const char* kName = "LinalgLdlFactor";
  struct Attrs {
    bool check_errors = false;
    std::string api;
  };
  static void Read(ort::Attrs& reader, Attrs* attrs) {
    reader.Bool("check_errors", &attrs->check_errors);
    reader.String("api", &attrs->api);
  }
  static std::vector<ONNXTensorElementDataType> Inputs(ONNXTensorElementDataType t) { return {t}; }
  static std::vector<ONNXTensorElementDataType> Outputs(ONNXTensorElementDataType t) {
    return {t, kInt32, kInt32};
  }

  template <typename T>
  static void Compute(const Attrs& attrs, const Ort::KernelContext& ctx) {
    kernels::MatrixBatch m;
    const Input<T> a = MatrixInput<T>(ctx, 0, "A", true, &m);
    T* ld = Output<T>(ctx, 0, a.shape);
    int32_t* pivots = Output<int32_t>(ctx, 1, kernels::BatchShapeWith(m, {m.rows}));
    int32_t* infos = Output<int32_t>(ctx, 2, m.batch_shape);
    if (m.batch == 0) return;
    std::vector<int32_t> own_infos;
    infos = OutputOrScratch(infos, &own_infos, m.batch);
    if (m.rows == 0) {
      std::fill(infos, infos + m.batch, 0);
      return;
    }
    std::vector<T> own_ld;
    std::vector<int32_t> own_pivots;
    ld = OutputOrScratch(ld, &own_ld, m.batch * m.size());
    pivots = OutputOrScratch(pivots, &own_pivots, m.batch * m.rows);
    ParallelTasks(ctx, m.batch, [&](int64_t b) {
      infos[b] = kernels::LdlFactor(a.data + b * m.size(), m.rows, ld + b * m.size(), pivots + b * m.rows);
    });
    if (attrs.check_errors) {
      CheckInfos(infos, m, attrs.api, [](int32_t info) {
        return "the factorization could not be completed because the input is singular (D[" +
               std::to_string(info - 1) + ", " + std::to_string(info - 1) + "] is exactly zero)";
      });
    }
  }
};

struct LdlSolve {
  static constexpr const char* kName = "LinalgLdlSolve";
  struct Attrs {};
  static void Read(ort::Attrs&, Attrs*) {}
  static std::vector<ONNXTensorElementDataType> Inputs(ONNXTensorElementDataType t) { return {t, kInt32, t}; }
  static std::vector<ONNXTensorElementDataType> Outputs(ONNXTensorElementDataType t) { return {t}; }

  template <typename T>
  static void Compute(const Attrs&, const Ort::KernelContext& ctx) {
    kernels::MatrixBatch m, rhs;
    const Input<T> ld = MatrixInput<T>(ctx, 0, "LD", true, &m);
    const Input<int32_t> pivots = RequiredInput<int32_t>(ctx, 1, "pivots");
    const Input<T> b = MatrixInput<T>(ctx, 2, "B", false, &rhs);
    const std::vector<int64_t> want = kernels::BatchShapeWith(m, {m.rows});
    if (pivots.shape != want) {
      throw Problem("input pivots must have shape " + ShapeText(want) + " for LD of shape " + ShapeText(ld.shape) +
                    ", got " + ShapeText(pivots.shape));
    }
    Check(kernels::SameBatch(m, "LD", rhs, "B"));
    if (rhs.rows != m.rows) {
      throw Problem("input B must have " + std::to_string(m.rows) + " rows (as LD), got shape " + ShapeText(b.shape));
    }
    T* x = Output<T>(ctx, 0, b.shape);
    if (x == nullptr) return;
    const int64_t n = m.rows;
    for (int64_t i = 0; i < m.batch; ++i) {
      const std::string problem = kernels::LdlPivotsProblem(pivots.data + i * n, n);
      if (!problem.empty()) throw Problem("input pivots is not LinalgLdlFactor's: " + problem + BatchText(m, i));
    }
    std::copy(b.data, b.data + rhs.batch * rhs.size(), x);
    ParallelMatricesWithWork<T>(ctx, m.batch, rhs.cols, [&](int64_t i, T* work) {
      kernels::LdlSolve(ld.data + i * m.size(), pivots.data + i * n, n, x + i * rhs.size(), rhs.cols, work);
    });
  }
};

}  // namespace

OpList LinalgLdlFactorOps() { return LinalgOps<LdlFactor>(); }
OpList LinalgLdlSolveOps() { return LinalgOps<LdlSolve>(); }

}  // namespace symreg::ort
