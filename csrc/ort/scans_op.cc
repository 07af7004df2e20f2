// The scans and mode along an axis (csrc/kernels/scans/), version 1, one task per group of
// slices on ORT's pool, each slice read in place (no transposed copy):
//   symreg::Cumprod       X (T) -> Y (T)                   T float, double, int64
//   symreg::Cumsum        X (T) -> Y (T)                   T float, double, int64
//   symreg::Cummax        X (T) -> values (T), indices int64  T float, double, int64
//   symreg::Cummin        X (T) -> values (T), indices int64  T float, double, int64
//   symreg::LogCumSumExp  X (T) -> Y (T)                   T float, double
//   symreg::Mode          X (T) -> values (T), indices int64, X's shape without axis (keepdims: 1 there)
//   attrs axis (scans: 0, Mode: -1; negative counts from the end, a 0-d X takes -1 and 0),
//         keepdims 1 (Mode)
// The traits glue is the linalg ops' (csrc/ort/linalg.h): a Problem thrown here names the
// argument, the glue names the op.
#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include "kernels/scans/axis_slices.h"
#include "kernels/scans/mode.h"
#include "kernels/scans/scans.h"
#include "ort/linalg.h"
#include "ort/ops.h"

namespace symreg::ort {
namespace {

using kernels::AxisSlices;

constexpr ONNXTensorElementDataType kInt64 = ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64;
// Elements per task, about: fewer tasks than this would leave the pool's hand-off costlier than the work.
constexpr int64_t kTaskElements = 1 << 15;

template <typename T>
Input<T> AxisInput(const Ort::KernelContext& ctx, int64_t axis, AxisSlices* s) {
  Input<T> x = RequiredInput<T>(ctx, 0, "X");
  Check(kernels::ReadAxisSlices(x.shape, axis, "X", s));
  return x;
}

// scan(x + offset, outputs + offset..., columns) over every group of slices, on the pool.
template <typename Scan>
void RunScan(const Ort::KernelContext& ctx, const AxisSlices& s, const Scan& scan) {
  const int64_t units = kernels::ScanUnits(s);
  const int64_t per_unit = std::max<int64_t>(1, s.n * std::min(s.inner, kernels::kScanColumns));
  ParallelChunks(ctx, units, std::max<int64_t>(1, kTaskElements / per_unit), [&](int64_t begin, int64_t count) {
    for (int64_t u = begin; u < begin + count; ++u) {
      const kernels::ScanUnit unit = kernels::ScanUnitAt(s, u);
      scan(unit.offset, unit.columns);
    }
  });
}

// The scans' common part: one attribute, axis; input X; output Y of X's type (CumExtreme adds indices).
struct AxisOp {
  struct Attrs {
    int64_t axis = 0;
  };
  static void Read(ort::Attrs& reader, Attrs* attrs) { reader.Int("axis", &attrs->axis); }
  static std::vector<ONNXTensorElementDataType> Inputs(ONNXTensorElementDataType t) { return {t}; }
  static std::vector<ONNXTensorElementDataType> Outputs(ONNXTensorElementDataType t) { return {t}; }
};

template <typename Self>
struct Scan : AxisOp {
  static constexpr bool kZeroDimIsIdentity = false;

  template <typename T>
  static void Compute(const Attrs& attrs, const Ort::KernelContext& ctx) {
    AxisSlices s;
    const Input<T> x = AxisInput<T>(ctx, attrs.axis, &s);
    T* y = Output<T>(ctx, 0, x.shape);
    if (y == nullptr) return;  // no elements
    if (Self::kZeroDimIsIdentity && x.shape.empty()) {
      *y = *x.data;
      return;
    }
    RunScan(ctx, s, [&](int64_t at, int64_t columns) { Self::Run(x.data + at, y + at, s.n, s.inner, columns); });
  }
};

struct Cumprod : Scan<Cumprod> {
  static constexpr const char* kName = "Cumprod";
  template <typename T>
  static void Run(const T* x, T* y, int64_t n, int64_t stride, int64_t columns) {
    kernels::Cumprod(x, y, n, stride, columns);
  }
};

struct Cumsum : AxisOp {
  static constexpr const char* kName = "Cumsum";

  template <typename T>
  static void Compute(const Attrs& attrs, const Ort::KernelContext& ctx) {
    AxisSlices s;
    const Input<T> x = AxisInput<T>(ctx, attrs.axis, &s);
    T* y = Output<T>(ctx, 0, x.shape);
    if (y == nullptr) return;  // no elements
    if (x.shape.empty()) {     // torch returns a 0-d input as it is (-0.0 stays -0.0; 0 + -0.0 would not)
      *y = *x.data;
      return;
    }
    if (s.inner > 1) {
      RunScan(ctx, s, [&](int64_t at, int64_t columns) { kernels::Cumsum(x.data + at, y + at, s.n, s.inner, columns); });
      return;
    }
    // contiguous slices: tasks of whole groups of kSumRows slices, which the kernel interleaves
    const int64_t rows = kernels::kSumRows;
    const int64_t grain = std::max<int64_t>(1, kTaskElements / std::max<int64_t>(1, s.n * rows)) * rows;
    ParallelChunks(ctx, s.outer, grain, [&](int64_t begin, int64_t count) {
      kernels::CumsumRows(x.data + begin * s.n, y + begin * s.n, s.n, count);
    });
  }
};

struct LogCumSumExp : Scan<LogCumSumExp> {
  static constexpr const char* kName = "LogCumSumExp";
  template <typename T>
  static void Run(const T* x, T* y, int64_t n, int64_t stride, int64_t columns) {
    if constexpr (std::is_floating_point_v<T>) kernels::LogCumSumExp(x, y, n, stride, columns);
  }
  // torch returns a 0-d input as it is (-0.0 stays -0.0, which a 1-element scan makes 0.0)
  static constexpr bool kZeroDimIsIdentity = true;
};

template <bool Largest>
struct CumExtreme : AxisOp {
  static constexpr const char* kName = Largest ? "Cummax" : "Cummin";
  static std::vector<ONNXTensorElementDataType> Outputs(ONNXTensorElementDataType t) { return {t, kInt64}; }

  template <typename T>
  static void Compute(const Attrs& attrs, const Ort::KernelContext& ctx) {
    AxisSlices s;
    const Input<T> x = AxisInput<T>(ctx, attrs.axis, &s);
    T* y = Output<T>(ctx, 0, x.shape);
    int64_t* indices = Output<int64_t>(ctx, 1, x.shape);
    if (y == nullptr && indices == nullptr) return;
    const int64_t size = s.outer * s.n * s.inner;
    std::vector<T> own_y;
    std::vector<int64_t> own_indices;
    y = OutputOrScratch(y, &own_y, size);
    indices = OutputOrScratch(indices, &own_indices, size);
    RunScan(ctx, s, [&](int64_t at, int64_t columns) {
      kernels::CumExtreme<Largest>(x.data + at, y + at, indices + at, s.n, s.inner, columns);
    });
  }
};

struct Mode {
  static constexpr const char* kName = "Mode";
  struct Attrs {
    int64_t axis = -1;
    bool keepdims = true;
  };
  static void Read(ort::Attrs& reader, Attrs* attrs) {
    reader.Int("axis", &attrs->axis);
    reader.Bool("keepdims", &attrs->keepdims);
  }
  static std::vector<ONNXTensorElementDataType> Inputs(ONNXTensorElementDataType t) { return {t}; }
  static std::vector<ONNXTensorElementDataType> Outputs(ONNXTensorElementDataType t) { return {t, kInt64}; }

  template <typename T>
  static void Compute(const Attrs& attrs, const Ort::KernelContext& ctx) {
    AxisSlices s;
    const Input<T> x = AxisInput<T>(ctx, attrs.axis, &s);
    const std::vector<int64_t> shape = kernels::ReducedShape(x.shape, s, attrs.keepdims);
    if (s.n == 0) {  // torch refuses it even where there are no slices
      throw Problem("axis " + std::to_string(s.axis) + " of input X (shape " + ShapeText(x.shape) +
                    ") has no elements: the mode of an empty slice is undefined");
    }
    T* values = Output<T>(ctx, 0, shape);
    int64_t* indices = Output<int64_t>(ctx, 1, shape);
    if (values == nullptr && indices == nullptr) return;
    std::vector<T> own_values;
    std::vector<int64_t> own_indices;
    values = OutputOrScratch(values, &own_values, s.slices());
    indices = OutputOrScratch(indices, &own_indices, s.slices());
    const int64_t grain = std::max<int64_t>(1, kTaskElements / std::max<int64_t>(1, s.n));
    ParallelChunks(ctx, s.slices(), grain, [&](int64_t begin, int64_t count) {
      std::vector<std::pair<T, int64_t>> pairs;
      for (int64_t k = begin; k < begin + count; ++k) {
        const int64_t o = k / s.inner, c = k % s.inner;
        kernels::Mode(x.data + o * s.n * s.inner + c, s.n, s.inner, &pairs, values + k, indices + k);
      }
    });
  }
};

template <typename Op, bool Integers = true>
OpList ScanOps() {
  OpList ops;
  ops.push_back(std::make_unique<LinalgOp<Op, float>>());
  ops.push_back(std::make_unique<LinalgOp<Op, double>>());
  if constexpr (Integers) ops.push_back(std::make_unique<LinalgOp<Op, int64_t>>());
  return ops;
}

}  // namespace

OpList CummaxOps() { return ScanOps<CumExtreme<true>>(); }
OpList CumminOps() { return ScanOps<CumExtreme<false>>(); }
OpList CumprodOps() { return ScanOps<Cumprod>(); }
OpList CumsumOps() { return ScanOps<Cumsum>(); }
OpList LogCumSumExpOps() { return ScanOps<LogCumSumExp, false>(); }
OpList ModeOps() { return ScanOps<Mode>(); }

}  // namespace symreg::ort
