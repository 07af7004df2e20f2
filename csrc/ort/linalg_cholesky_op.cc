// symreg::LinalgCholesky (version 1), float and double: LAPACK's potrf, what
// torch.linalg.cholesky_ex computes.
//   A (*, n, n) -> L (*, n, n), info int32 (*)
//   attrs upper 0 (1: U with A = U^T U, from A's upper triangle), check_errors 0
//         (1: a minor that is not positive definite is an error), api "" (named in errors)
#include <algorithm>
#include <string>
#include <vector>

#include "kernels/linalg/cholesky.h"
#include "ort/linalg.h"
#include "ort/ops.h"

namespace symreg::ort {
namespace {

struct Cholesky {
  static constexpr const char* kName = "LinalgCholesky";
  struct Attrs {
    bool upper = false;
    bool check_errors = false;
    std::string api;
  };
  static void Read(ort::Attrs& reader, Attrs* attrs) {
    reader.Bool("upper", &attrs->upper);
    reader.Bool("check_errors", &attrs->check_errors);
    reader.String("api", &attrs->api);
  }
  static std::vector<ONNXTensorElementDataType> Inputs(ONNXTensorElementDataType t) { return {t}; }
  static std::vector<ONNXTensorElementDataType> Outputs(ONNXTensorElementDataType t) { return {t, kInt32}; }

  template <typename T>
  static void Compute(const Attrs& attrs, const Ort::KernelContext& ctx) {
    kernels::MatrixBatch m;
    const Input<T> a = MatrixInput<T>(ctx, 0, "A", true, &m);
    T* l = Output<T>(ctx, 0, a.shape);
    int32_t* infos = Output<int32_t>(ctx, 1, m.batch_shape);
    if (m.batch == 0) return;
    std::vector<int32_t> own_infos;
    infos = OutputOrScratch(infos, &own_infos, m.batch);
    if (m.rows == 0) {
      std::fill(infos, infos + m.batch, 0);
      return;
    }
    std::vector<T> own_l;
    l = OutputOrScratch(l, &own_l, m.batch * m.size());
    ParallelMatricesWithWork<T>(ctx, m.batch, m.size(), [&](int64_t b, T* work) {
      infos[b] = kernels::Cholesky(a.data + b * m.size(), m.rows, attrs.upper, l + b * m.size(), work);
    });
    if (attrs.check_errors) {
      CheckInfos(infos, m, attrs.api, [](int32_t info) {
        return "the factorization could not be completed because the input is not positive-definite (the leading "
               "minor of order " + std::to_string(info) + " is not positive-definite)";
      });
    }
  }
};

}  // namespace

OpList LinalgCholeskyOps() { return LinalgOps<Cholesky>(); }

}  // namespace symreg::ort
