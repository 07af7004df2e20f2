// Glue for ops applied element by element, one kernel per dtype: y = f(x), and
// y = f(a, b) with NumPy broadcasting of a and b.
// A unary op provides a traits struct:
//   struct Erfinv {
//     static constexpr const char* kName = "Erfinv";
//     template <typename T> static void Apply(const T* x, T* y, int64_t n);
//   };
// and registers with UnaryElementwiseOps<Erfinv, float, double>(). A binary op's Apply is
//   template <typename T> static void Apply(const T* a, int64_t sa, const T* b, int64_t sb, T* y, int64_t n);
// (y[i] = f(a[i * sa], b[i * sb]), sa and sb 0 or 1) and it registers with BinaryElementwiseOps.
#pragma once

#include <cstdint>
#include <exception>
#include <vector>

#include "kernels/common/broadcast.h"

#include "ort/ort_api.h"
#include "ort/parallel.h"
#include "ort/status.h"

namespace symreg::ort {

// Elements per parallel task: a few hundred microseconds of libm-heavy work, enough to
// amortise the pool's dispatch cost.
inline constexpr int64_t kElementwiseGrain = 4096;

template <typename Op, typename T>
Ort::Status UnaryCompute(OrtKernelContext* context, const Ort::Custom::Tensor<T>& x, Ort::Custom::Tensor<T>& y) {
  try {
    const int64_t n = x.NumberOfElement();
    if (n < 0) return OpError(Op::kName, "input has a negative dimension: " + ShapeText(x.Shape()));
    T* out = y.Allocate(x.Shape());
    const T* in = n > 0 ? x.Data() : nullptr;
    if (n > 0 && (in == nullptr || out == nullptr)) {
      return OpError(Op::kName, "no data buffer for a tensor of shape " + ShapeText(x.Shape()));
    }
    ParallelChunks(Ort::KernelContext(context), n, kElementwiseGrain,
                   [&](int64_t begin, int64_t count) { Op::Apply(in + begin, out + begin, count); });
    return Ort::Status(nullptr);
  } catch (const std::exception& e) {
    return OpError(Op::kName, e.what());
  }
}

template <typename Op, typename... Ts>
OpList UnaryElementwiseOps() {
  OpList ops;
  (ops.emplace_back(Ort::Custom::CreateLiteCustomOp(Op::kName, kCpu, &UnaryCompute<Op, Ts>)), ...);
  return ops;
}

template <typename Op, typename T>
Ort::Status BinaryCompute(OrtKernelContext* context, const Ort::Custom::Tensor<T>& a, const Ort::Custom::Tensor<T>& b,
                          Ort::Custom::Tensor<T>& y) {
  try {
    const std::vector<int64_t> sa = a.Shape(), sb = b.Shape();
    for (const auto* shape : {&sa, &sb}) {
      for (int64_t d : *shape) {
        if (d < 0) return OpError(Op::kName, "an input has a negative dimension: " + ShapeText(*shape));
      }
    }
    kernels::Broadcast bc;
    if (!kernels::MakeBroadcast(sa, sb, &bc)) {
      return OpError(Op::kName, "the inputs' shapes " + ShapeText(sa) + " and " + ShapeText(sb) + " do not broadcast");
    }
    T* out = y.Allocate(bc.shape);
    if (bc.size == 0) return Ort::Status(nullptr);
    const T* in_a = a.Data();
    const T* in_b = b.Data();
    if (in_a == nullptr || in_b == nullptr || out == nullptr) {
      return OpError(Op::kName, "no data buffer for inputs of shapes " + ShapeText(sa) + " and " + ShapeText(sb));
    }
    ParallelChunks(Ort::KernelContext(context), bc.size, kElementwiseGrain, [&](int64_t begin, int64_t count) {
      kernels::ForEachRun(bc, begin, count, [&](int64_t oa, int64_t step_a, int64_t ob, int64_t step_b, int64_t oy,
                                                int64_t n) { Op::Apply(in_a + oa, step_a, in_b + ob, step_b, out + oy, n); });
    });
    return Ort::Status(nullptr);
  } catch (const std::exception& e) {
    return OpError(Op::kName, e.what());
  }
}

template <typename Op, typename... Ts>
OpList BinaryElementwiseOps() {
  OpList ops;
  (ops.emplace_back(Ort::Custom::CreateLiteCustomOp(Op::kName, kCpu, &BinaryCompute<Op, Ts>)), ...);
  return ops;
}

}  // namespace symreg::ort
