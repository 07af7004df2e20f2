// symreg::LinalgSvd (version 1), float and double: LAPACK's gesdd, what torch.linalg.svd computes.
//   A (*, m, n) -> S (*, k) descending, k = min(m, n); U (*, m, m or k), Vh (*, n or k, n)
//   (both optional: the vectors are computed when the node declares them)
//   attrs full_matrices 1, api "" (named in errors)
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "kernels/linalg/svd.h"
#include "ort/linalg.h"
#include "ort/ops.h"

namespace symreg::ort {
namespace {

struct Svd {
  static constexpr const char* kName = "LinalgSvd";
  struct Attrs {
    bool full_matrices = true;
    std::string api;
  };
  static void Read(ort::Attrs& reader, Attrs* attrs) {
    reader.Bool("full_matrices", &attrs->full_matrices);
    reader.String("api", &attrs->api);
  }
  static std::vector<ONNXTensorElementDataType> Inputs(ONNXTensorElementDataType t) { return {t}; }
  static std::vector<ONNXTensorElementDataType> Outputs(ONNXTensorElementDataType t) { return {t, t, t}; }

  template <typename T>
  static void Compute(const Attrs& attrs, const Ort::KernelContext& ctx) {
    kernels::MatrixBatch m;
    const Input<T> a = MatrixInput<T>(ctx, 0, "A", false, &m);
    const int64_t k = std::min(m.rows, m.cols);
    const bool full = attrs.full_matrices;
    const int64_t u_cols = full ? m.rows : k, vh_rows = full ? m.cols : k;
    const bool vectors = HasOutput(ctx, 1) || HasOutput(ctx, 2);
    T* s = Output<T>(ctx, 0, kernels::BatchShapeWith(m, {k}));
    T* u = vectors ? Output<T>(ctx, 1, kernels::BatchShapeWith(m, {m.rows, u_cols})) : nullptr;
    T* vh = vectors ? Output<T>(ctx, 2, kernels::BatchShapeWith(m, {vh_rows, m.cols})) : nullptr;
    if (m.batch == 0) return;
    std::vector<char> failed(m.batch, 0);
    ParallelTasks(ctx, m.batch, [&](int64_t b) {
      failed[b] = !kernels::Svd(a.data + b * m.size(), m.rows, m.cols, full, s == nullptr ? nullptr : s + b * k,
                                u == nullptr ? nullptr : u + b * m.rows * u_cols,
                                vh == nullptr ? nullptr : vh + b * vh_rows * m.cols);
    });
    for (int64_t b = 0; b < m.batch; ++b) {
      if (failed[b]) {
        throw Problem((attrs.api.empty() ? "" : attrs.api + ": ") +
                      "the algorithm failed to converge because the input matrix contained non-finite values" +
                      BatchText(m, b));
      }
    }
  }
};

}  // namespace

OpList LinalgSvdOps() { return LinalgOps<Svd>(); }

}  // namespace symreg::ort
