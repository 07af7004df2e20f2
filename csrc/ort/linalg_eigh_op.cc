// symreg::LinalgEigh (version 1), float and double: LAPACK's syevd, what torch.linalg.eigh computes.
//   A (*, n, n) -> W (*, n) ascending, V (*, n, n) (optional: eigenvectors as columns)
//   attrs upper 0 (1: read A's upper triangle; torch's UPLO='U'), api "" (named in errors)
#include <string>
#include <vector>

#include "kernels/linalg/eigh.h"
#include "ort/linalg.h"
#include "ort/ops.h"

namespace symreg::ort {
namespace {

struct Eigh {
  static constexpr const char* kName = "LinalgEigh";
  struct Attrs {
    bool upper = false;
    std::string api;
  };
  static void Read(ort::Attrs& reader, Attrs* attrs) {
    reader.Bool("upper", &attrs->upper);
    reader.String("api", &attrs->api);
  }
  static std::vector<ONNXTensorElementDataType> Inputs(ONNXTensorElementDataType t) { return {t}; }
  static std::vector<ONNXTensorElementDataType> Outputs(ONNXTensorElementDataType t) { return {t, t}; }

  template <typename T>
  static void Compute(const Attrs& attrs, const Ort::KernelContext& ctx) {
    kernels::MatrixBatch m;
    const Input<T> a = MatrixInput<T>(ctx, 0, "A", true, &m);
    const bool vectors = HasOutput(ctx, 1);
    T* w = Output<T>(ctx, 0, kernels::BatchShapeWith(m, {m.rows}));
    T* v = vectors ? Output<T>(ctx, 1, a.shape) : nullptr;
    if (m.batch == 0 || m.rows == 0) return;
    std::vector<char> failed(m.batch, 0);
    ParallelTasks(ctx, m.batch, [&](int64_t b) {
      failed[b] = !kernels::Eigh(a.data + b * m.size(), m.rows, attrs.upper, w + b * m.rows,
                                 v == nullptr ? nullptr : v + b * m.size());
    });
    for (int64_t b = 0; b < m.batch; ++b) {
      if (failed[b]) {
        throw Problem((attrs.api.empty() ? "" : attrs.api + ": ") +
                      "the algorithm failed to converge because the input matrix is ill-conditioned" + BatchText(m, b));
      }
    }
  }
};

}  // namespace

OpList LinalgEighOps() { return LinalgOps<Eigh>(); }

}  // namespace symreg::ort
