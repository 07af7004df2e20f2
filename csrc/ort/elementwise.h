// Glue for ops y = f(x) applied element by element, one kernel per dtype.
// An op provides a traits struct:
//   struct Erfinv {
//     static constexpr const char* kName = "Erfinv";
//     template <typename T> static void Apply(const T* x, T* y, int64_t n);
//   };
// and registers with UnaryElementwiseOps<Erfinv, float, double>().
#pragma once

#include <cstdint>
#include <exception>

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

}  // namespace symreg::ort
