// Glue for the linalg ops (csrc/ort/linalg_*_op.cc): batches of matrices in, one task per
// matrix on ORT's pool (or per range of matrices sharing scratch: ParallelMatricesWithWork).
// An op provides a traits struct:
//   struct LuFactor {
//     static constexpr const char* kName = "LinalgLuFactor";
//     struct Attrs { bool check_errors = false; std::string api; };
//     static void Read(symreg::ort::Attrs& reader, Attrs* attrs);    // at kernel creation
//     static std::vector<ONNXTensorElementDataType> Inputs(ONNXTensorElementDataType t);
//     static std::vector<ONNXTensorElementDataType> Outputs(ONNXTensorElementDataType t);
//     template <typename T> static void Compute(const Attrs&, const Ort::KernelContext&);
//   };
// and registers with LinalgOps<LuFactor>(). Compute throws Problem (its text names the
// argument) or any std::exception; the glue turns either into an ORT status naming the op.
// Inputs and outputs are all optional in the lite API's schema: a missing input is an error
// here, a missing output (fewer declared) is not computed where the op allows.
#pragma once

#include <algorithm>
#include <cstdint>
#include <exception>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "kernels/linalg/matrix_batch.h"
#include "ort/attributes.h"
#include "ort/ort_api.h"
#include "ort/parallel.h"
#include "ort/status.h"
#include "ort/workspace.h"

namespace symreg::ort {

struct Problem : std::runtime_error {
  using std::runtime_error::runtime_error;
};

inline void Check(const std::string& problem) {
  if (!problem.empty()) throw Problem(problem);
}

template <typename T>
struct Input {
  const T* data = nullptr;
  std::vector<int64_t> shape;
};

// Input i, which the op requires.
template <typename T>
Input<T> RequiredInput(const Ort::KernelContext& ctx, size_t i, const char* name) {
  const Ort::ConstValue v = i < ctx.GetInputCount() ? ctx.GetInput(i) : Ort::ConstValue(nullptr);
  if (static_cast<const OrtValue*>(v) == nullptr) throw Problem(std::string("input ") + name + " is missing");
  Input<T> in;
  in.shape = v.GetTensorTypeAndShapeInfo().GetShape();
  in.data = v.GetTensorData<T>();
  return in;
}

// A matrix batch input: its data and its (*, rows, cols) shape, checked.
template <typename T>
Input<T> MatrixInput(const Ort::KernelContext& ctx, size_t i, const char* name, bool square,
                     kernels::MatrixBatch* batch) {
  Input<T> in = RequiredInput<T>(ctx, i, name);
  Check(kernels::ReadMatrixBatch(in.shape, name, square, batch));
  return in;
}

// Whether the node declares output i (outputs past the declared count are not computed).
inline bool HasOutput(const Ort::KernelContext& ctx, size_t i) { return i < ctx.GetOutputCount(); }

// Output i of `shape`; null when the node does not declare it or it has no elements.
template <typename T>
T* Output(const Ort::KernelContext& ctx, size_t i, const std::vector<int64_t>& shape) {
  if (!HasOutput(ctx, i)) return nullptr;
  Ort::UnownedValue y = ctx.GetOutput(i, shape);
  if (y.GetTensorTypeAndShapeInfo().GetElementCount() == 0) return nullptr;
  return y.GetTensorMutableData<T>();
}

// `output` (from Output), or when that is null (the node leaves the output out, or it is empty), `own`
// resized to `size` elements: scratch for what the kernel writes anyway (a factorization's pivots, a scan's indices).
template <typename T>
T* OutputOrScratch(T* output, std::vector<T>* own, int64_t size) {
  if (output != nullptr) return output;
  own->resize(static_cast<size_t>(size));
  return own->data();
}

// "" for one matrix, " (batch element 3)" in a batch: where a per-matrix error happened.
inline std::string BatchText(const kernels::MatrixBatch& m, int64_t index) {
  return m.batch_shape.empty() ? "" : " (batch element " + std::to_string(index) + ")";
}

// The first nonzero info (LAPACK's, per matrix) as a thrown Problem, when check_errors.
template <typename Describe>
void CheckInfos(const int32_t* infos, const kernels::MatrixBatch& m, const std::string& api,
                const Describe& describe) {
  for (int64_t b = 0; b < m.batch; ++b) {
    if (infos[b] != 0) throw Problem((api.empty() ? "" : api + ": ") + describe(infos[b]) + BatchText(m, b));
  }
}

template <typename Op, typename T>
OrtStatusPtr NewLinalgKernel(const OrtApi* api, const OrtKernelInfo* info, void** out) noexcept {
  *out = nullptr;
  try {
    auto attrs = std::make_unique<typename Op::Attrs>();
    Attrs reader(api, info);
    Op::Read(reader, attrs.get());
    if (!reader.problem().empty()) return OpError(Op::kName, reader.problem()).release();
    *out = attrs.release();
    return nullptr;
  } catch (const std::exception& e) {
    return OpError(Op::kName, std::string("creating the kernel failed: ") + e.what()).release();
  }
}

template <typename Op, typename T>
struct LinalgOp : Ort::Custom::OrtLiteCustomOp {
  LinalgOp() : OrtLiteCustomOp(Op::kName, kCpu, {}) {
    input_types_ = Op::Inputs(Ort::TypeToTensorType<T>::type);
    output_types_ = Op::Outputs(Ort::TypeToTensorType<T>::type);
    OrtCustomOp::CreateKernel = {};  // ORT calls CreateKernelV2 (API >= 16), which can return an error
    OrtCustomOp::CreateKernelV2 = [](const OrtCustomOp*, const OrtApi* api, const OrtKernelInfo* info,
                                     void** kernel) -> OrtStatusPtr { return NewLinalgKernel<Op, T>(api, info, kernel); };
    OrtCustomOp::KernelComputeV2 = [](void* kernel, OrtKernelContext* context) -> OrtStatusPtr {
      try {
        Op::template Compute<T>(*static_cast<const typename Op::Attrs*>(kernel), Ort::KernelContext(context));
        return nullptr;
      } catch (const std::exception& e) {
        return OpError(Op::kName, e.what()).release();
      }
    };
    OrtCustomOp::KernelDestroy = [](void* kernel) {
      std::unique_ptr<typename Op::Attrs>(static_cast<typename Op::Attrs*>(kernel));
    };
  }
};

template <typename Op>
OpList LinalgOps() {
  OpList ops;
  ops.push_back(std::make_unique<LinalgOp<Op, float>>());
  ops.push_back(std::make_unique<LinalgOp<Op, double>>());
  return ops;
}

// Tasks that ParallelMatricesWithWork splits a batch into, at most: enough to spread over a
// pool's threads, few enough that their scratch and the pool's per-task cost stay small.
inline constexpr int64_t kMaxWorkTasks = 64;

// fn(b, work) for every matrix b of a batch, on ORT's pool, `work` holding work_size elements
// of scratch: a task runs a range of matrices, which reuse one slice of a per-call Workspace
// (nothing allocated per matrix).
template <typename T, typename Fn>
void ParallelMatricesWithWork(const Ort::KernelContext& ctx, int64_t batch, int64_t work_size, const Fn& fn) {
  const int64_t tasks = std::min(batch, kMaxWorkTasks);
  if (tasks <= 0) return;
  const Workspace workspace(ctx, static_cast<size_t>(tasks * work_size) * sizeof(T));
  T* work = static_cast<T*>(workspace.data());
  ParallelTasks(ctx, tasks, [&](int64_t task) {
    // matrices [task * batch / tasks, (task + 1) * batch / tasks): sizes differ by one at most
    for (int64_t b = task * batch / tasks; b < (task + 1) * batch / tasks; ++b) fn(b, work + task * work_size);
  });
}

inline constexpr ONNXTensorElementDataType kInt32 = ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32;

}  // namespace symreg::ort
