// Glue for ops y = f(x) applied element by element, one kernel per dtype.
// An op provides a traits struct:
//   struct Erfinv {
//     static constexpr const char* kName = "Erfinv";
//     template <typename T> static void Apply(const T* x, T* y, int64_t n);
//   };
// and registers with UnaryElementwiseOps<Erfinv, float, double>().
#pragma once

#include <algorithm>
#include <cstdint>
#include <exception>
#include <string>
#include <vector>

#include "ort/ort_api.h"

namespace symreg::ort {

// Elements per ParallelFor task: a few hundred microseconds of libm-heavy work,
// enough to amortise the pool's dispatch cost.
inline constexpr int64_t kElementwiseGrain = 4096;

template <typename T>
struct UnaryChunks {
  void (*apply)(const T*, T*, int64_t);
  const T* x;
  T* y;
  int64_t n;
};

template <typename T>
void RunUnaryChunk(void* data, size_t index) {
  const auto& c = *static_cast<const UnaryChunks<T>*>(data);
  const int64_t begin = static_cast<int64_t>(index) * kElementwiseGrain;
  c.apply(c.x + begin, c.y + begin, std::min(kElementwiseGrain, c.n - begin));
}

// Runs on ORT's intra-op pool, so intra_op_num_threads is honoured.
template <typename T>
void ParallelUnary(const Ort::KernelContext& ctx, UnaryChunks<T> chunks) {
  if (chunks.n <= kElementwiseGrain) {
    chunks.apply(chunks.x, chunks.y, chunks.n);
    return;
  }
  const auto tasks = static_cast<size_t>((chunks.n + kElementwiseGrain - 1) / kElementwiseGrain);
  ctx.ParallelFor(&RunUnaryChunk<T>, tasks, 0, &chunks);
}

inline std::string ShapeText(const std::vector<int64_t>& shape) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i) text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + "]";
}

inline Ort::Status OpError(const char* op, const std::string& problem) {
  return Ort::Status((std::string("symreg::") + op + ": " + problem).c_str(), ORT_RUNTIME_EXCEPTION);
}

template <typename Op, typename T>
Ort::Status UnaryCompute(OrtKernelContext* context, const Ort::Custom::Tensor<T>& x, Ort::Custom::Tensor<T>& y) {
  try {
    const int64_t n = x.NumberOfElement();
    if (n < 0) return OpError(Op::kName, "input has a negative dimension: " + ShapeText(x.Shape()));
    T* out = y.Allocate(x.Shape());
    if (n > 0 && (x.Data() == nullptr || out == nullptr)) {
      return OpError(Op::kName, "no data buffer for a tensor of shape " + ShapeText(x.Shape()));
    }
    ParallelUnary<T>(Ort::KernelContext(context), {&Op::template Apply<T>, x.Data(), out, n});
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
