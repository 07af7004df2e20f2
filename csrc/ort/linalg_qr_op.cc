// symreg::LinalgQr (version 1), float and double: LAPACK's geqrf and orgqr, what torch.linalg.qr
// computes (mode 'reduced' or 'complete'; 'r' takes R alone).
//   A (*, m, n) -> Q (*, m, k or m), R (*, k or m, n), k = min(m, n)
//   attrs complete 0 (1: Q square, R as tall as A)
#include <algorithm>
#include <string>
#include <vector>

#include "kernels/linalg/qr.h"
#include "ort/linalg.h"
#include "ort/ops.h"

namespace symreg::ort {
namespace {

struct Qr {
  static constexpr const char* kName = "LinalgQr";
  struct Attrs {
    bool complete = false;
  };
  static void Read(ort::Attrs& reader, Attrs* attrs) { reader.Bool("complete", &attrs->complete); }
  static std::vector<ONNXTensorElementDataType> Inputs(ONNXTensorElementDataType t) { return {t}; }
  static std::vector<ONNXTensorElementDataType> Outputs(ONNXTensorElementDataType t) { return {t, t}; }

  template <typename T>
  static void Compute(const Attrs& attrs, const Ort::KernelContext& ctx) {
    kernels::MatrixBatch m;
    const Input<T> a = MatrixInput<T>(ctx, 0, "A", false, &m);
    const int64_t q_cols = attrs.complete ? m.rows : std::min(m.rows, m.cols);
    T* q = Output<T>(ctx, 0, kernels::BatchShapeWith(m, {m.rows, q_cols}));
    T* r = Output<T>(ctx, 1, kernels::BatchShapeWith(m, {q_cols, m.cols}));
    if (m.batch == 0 || m.rows * m.cols == 0) {
      if (q != nullptr) {  // the identity of an empty A's Q (m x m, complete)
        for (int64_t b = 0; b < m.batch; ++b) {
          kernels::Qr(a.data, m.rows, m.cols, attrs.complete, q + b * m.rows * q_cols, nullptr, nullptr);
        }
      }
      return;
    }
    std::vector<T> own_r;
    r = OutputOrScratch(r, &own_r, m.batch * q_cols * m.cols);
    const int64_t r_step = q_cols * m.cols;
    ParallelMatricesWithWork<T>(ctx, m.batch, kernels::QrWorkSize(m.rows, m.cols), [&](int64_t b, T* work) {
      kernels::Qr(a.data + b * m.size(), m.rows, m.cols, attrs.complete, q == nullptr ? nullptr : q + b * m.rows * q_cols,
                  r + b * r_step, work);
    });
  }
};

}  // namespace

OpList LinalgQrOps() { return LinalgOps<Qr>(); }

}  // namespace symreg::ort
