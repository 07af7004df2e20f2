// symreg::LinalgGeqrf and symreg::LinalgHouseholderProduct (version 1), float and double: LAPACK's geqrf and
// orgqr, what torch.geqrf and torch.linalg.householder_product compute.
//   LinalgGeqrf               A (*, m, n) -> QR (*, m, n) (R above, the reflectors below the diagonal),
//                             tau (*, min(m, n))
//   LinalgHouseholderProduct  A (*, m, n), tau (*, k) -> Q (*, m, n) = H_1 ... H_k I[:, :n]; m >= n >= k
#include <algorithm>
#include <string>
#include <vector>

#include "kernels/linalg/householder.h"
#include "ort/linalg.h"
#include "ort/ops.h"

namespace symreg::ort {
namespace {

struct Geqrf {
  static constexpr const char* kName = "LinalgGeqrf";
  struct Attrs {};
  static void Read(ort::Attrs&, Attrs*) {}
  static std::vector<ONNXTensorElementDataType> Inputs(ONNXTensorElementDataType t) { return {t}; }
  static std::vector<ONNXTensorElementDataType> Outputs(ONNXTensorElementDataType t) { return {t, t}; }

  template <typename T>
  static void Compute(const Attrs&, const Ort::KernelContext& ctx) {
    kernels::MatrixBatch m;
    const Input<T> a = MatrixInput<T>(ctx, 0, "A", false, &m);
    const int64_t k = std::min(m.rows, m.cols);
    T* qr = Output<T>(ctx, 0, a.shape);
    T* tau = Output<T>(ctx, 1, kernels::BatchShapeWith(m, {k}));
    if (m.batch == 0 || k == 0) return;
    std::vector<T> own_qr, own_tau;
    qr = OutputOrScratch(qr, &own_qr, m.batch * m.size());
    tau = OutputOrScratch(tau, &own_tau, m.batch * k);
    ParallelTasks(ctx, m.batch, [&](int64_t b) {
      kernels::Geqrf(a.data + b * m.size(), m.rows, m.cols, qr + b * m.size(), tau + b * k);
    });
  }
};

struct HouseholderProduct {
  static constexpr const char* kName = "LinalgHouseholderProduct";
  struct Attrs {};
  static void Read(ort::Attrs&, Attrs*) {}
  static std::vector<ONNXTensorElementDataType> Inputs(ONNXTensorElementDataType t) { return {t, t}; }
  static std::vector<ONNXTensorElementDataType> Outputs(ONNXTensorElementDataType t) { return {t}; }

  template <typename T>
  static void Compute(const Attrs&, const Ort::KernelContext& ctx) {
    kernels::MatrixBatch m;
    const Input<T> a = MatrixInput<T>(ctx, 0, "A", false, &m);
    const Input<T> tau = RequiredInput<T>(ctx, 1, "tau");
    if (tau.shape.empty() || std::vector<int64_t>(tau.shape.begin(), tau.shape.end() - 1) != m.batch_shape) {
      throw Problem("input tau must have shape (*, k) with A's batch dims " + ShapeText(m.batch_shape) +
                    ", got shape " + ShapeText(tau.shape));
    }
    const int64_t k = tau.shape.back();
    if (m.rows < m.cols) {
      throw Problem("input A must have at least as many rows as columns (m >= n), got shape " + ShapeText(a.shape));
    }
    if (k > m.cols) {
      throw Problem("input tau must have at most n = " + std::to_string(m.cols) + " (A's columns) entries, got " +
                    std::to_string(k));
    }
    T* q = Output<T>(ctx, 0, a.shape);
    if (q == nullptr) return;
    ParallelTasks(ctx, m.batch, [&](int64_t b) {
      kernels::HouseholderProduct(a.data + b * m.size(), m.rows, m.cols, tau.data + b * k, k, q + b * m.size());
    });
  }
};

}  // namespace

OpList LinalgGeqrfOps() { return LinalgOps<Geqrf>(); }
OpList LinalgHouseholderProductOps() { return LinalgOps<HouseholderProduct>(); }

}  // namespace symreg::ort
