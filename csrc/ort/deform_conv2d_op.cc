// symreg::DeformConv2d (version 1), float and double:
// torchvision.ops.deform_conv2d, i.e. ONNX DeformConv with torchvision's input order.
//   inputs  X (N, C_in, H, W), W (C_out, C_in / group, kH, kW),
//           offset (N, 2 * offset_group * kH * kW, out_h, out_w),
//           mask (N, offset_group * kH * kW, out_h, out_w) optional, B (C_out) optional
//   output  Y (N, C_out, out_h, out_w)
//   attrs   strides [1, 1], pads [0, 0, 0, 0] (top, left, bottom, right),
//           dilations [1, 1], group 1, offset_group 1
#include <array>
#include <exception>
#include <memory>
#include <string>
#include <vector>

#include "kernels/vision/deform_conv2d.h"
#include "ort/attributes.h"
#include "ort/ops.h"
#include "ort/parallel.h"
#include "ort/status.h"
#include "ort/workspace.h"

namespace symreg::ort {
namespace {

constexpr const char* kName = "DeformConv2d";
enum Input : size_t { kX, kW, kOffset, kMask, kBias, kInputCount };
constexpr const char* kInputNames[kInputCount] = {"X", "W", "offset", "mask", "B"};

template <typename T>
struct Kernel {
  kernels::DeformConv2dAttrs attrs;
  // W packed once when it is a constant initializer (empty otherwise).
  std::unique_ptr<kernels::PackedDeformConv2dWeights<T>> packed;
};

// A constant W (an initializer that no feed can override), packed for every Compute.
template <typename T>
std::unique_ptr<kernels::PackedDeformConv2dWeights<T>> PackConstantWeight(const OrtApi* api, const OrtKernelInfo* info,
                                                                          int64_t group) {
  int is_constant = 0;
  const OrtValue* weight = nullptr;
  OrtStatus* status = api->KernelInfoGetConstantInput_tensor(info, kW, &is_constant, &weight);
  if (status != nullptr) {
    api->ReleaseStatus(status);
    return nullptr;
  }
  if (!is_constant || weight == nullptr) return nullptr;
  const Ort::ConstValue value(weight);
  const auto info_of = value.GetTensorTypeAndShapeInfo();
  if (info_of.GetElementType() != Ort::TypeToTensorType<T>::type) return nullptr;
  auto packed = std::make_unique<kernels::PackedDeformConv2dWeights<T>>(info_of.GetShape(), value.GetTensorData<T>(),
                                                                         group);
  return packed->empty() ? nullptr : std::move(packed);
}

// ORT's CreateKernelV2, called at session creation: attributes of the wrong type or
// value fail the session there, with the op, the attribute and the value in the text.
template <typename T>
OrtStatusPtr NewKernel(const OrtApi* api, const OrtKernelInfo* info, void** out) noexcept {
  *out = nullptr;
  try {
    auto kernel = std::make_unique<Kernel<T>>();
    Attrs reader(api, info);
    reader.Ints("strides", &kernel->attrs.strides);
    reader.Ints("pads", &kernel->attrs.pads);
    reader.Ints("dilations", &kernel->attrs.dilations);
    reader.Int("group", &kernel->attrs.group);
    reader.Int("offset_group", &kernel->attrs.offset_group);
    reader.Ints("kernel_shape", &kernel->attrs.kernel_shape);
    std::string problem = reader.problem();
    if (problem.empty()) problem = kernels::CheckDeformConv2dAttrs(kernel->attrs);
    if (!problem.empty()) return OpError(kName, problem).release();
    try {
      kernel->packed = PackConstantWeight<T>(api, info, kernel->attrs.group);
    } catch (const std::exception&) {
      // No packed copy (out of memory, or an ORT error reading W): Compute packs per call.
    }
    *out = kernel.release();
    return nullptr;
  } catch (const std::exception& e) {
    return OpError(kName, std::string("creating the kernel failed: ") + e.what()).release();
  }
}

template <typename T>
Ort::Status Compute(const Kernel<T>& kernel, OrtKernelContext* context) {
  try {
    const Ort::KernelContext ctx(context);
    const size_t count = ctx.GetInputCount();
    std::array<const OrtValue*, kInputCount> values{};
    std::array<std::vector<int64_t>, kInputCount> shapes;
    for (size_t i = 0; i < kInputCount && i < count; ++i) {
      // A missing optional input (empty name in the node) comes back null.
      Ort::ThrowOnError(Ort::GetApi().KernelContext_GetInput(context, i, &values[i]));
      if (values[i] != nullptr) shapes[i] = Ort::ConstValue(values[i]).GetTensorTypeAndShapeInfo().GetShape();
    }
    for (size_t i : {kX, kW, kOffset}) {
      if (values[i] == nullptr) return OpError(kName, std::string("input ") + kInputNames[i] + " is missing");
    }
    const bool has_mask = values[kMask] != nullptr, has_bias = values[kBias] != nullptr;
    kernels::DeformConv2dShape shape;
    const std::string problem =
        kernels::CheckDeformConv2d(shapes[kX], shapes[kW], shapes[kOffset], has_mask ? &shapes[kMask] : nullptr,
                                   has_bias ? &shapes[kBias] : nullptr, kernel.attrs, &shape);
    if (!problem.empty()) return OpError(kName, problem);

    Ort::UnownedValue y = ctx.GetOutput(0, shape.OutputShape());
    if (y.GetTensorTypeAndShapeInfo().GetElementCount() == 0) return Ort::Status(nullptr);
    const auto data_of = [&](size_t i) { return values[i] ? Ort::ConstValue(values[i]).GetTensorData<T>() : nullptr; };
    const kernels::DeformConv2dData<T> data{data_of(kX),    data_of(kW),    data_of(kOffset),
                                            data_of(kMask), data_of(kBias), y.GetTensorMutableData<T>()};
    const kernels::CpuIsa isa = kernels::DefaultCpuIsa();
    const auto elements = kernels::DeformConv2d<T>::WorkspaceSize(shape, isa, kernel.packed.get());
    const Workspace workspace(ctx, static_cast<size_t>(elements) * sizeof(T));
    const kernels::DeformConv2d<T> conv(shape, data, static_cast<T*>(workspace.data()),
                                        kernels::DeformConv2d<T>::Mode::kFull, isa, kernel.packed.get());
    ParallelTasks(ctx, conv.NumPrepareTasks(), [&](int64_t task) { conv.Prepare(task); });
    ParallelTasks(ctx, conv.NumTasks(), [&](int64_t task) { conv.Run(task); });
    return Ort::Status(nullptr);
  } catch (const std::exception& e) {
    return OpError(kName, e.what());
  }
}

// The lite API's op base (name, provider, types, optional inputs), with kernel creation
// and Compute written out: the lite argument binding builds a Tensor for every input
// before index count, and for a missing one in the middle (mask omitted, B given; or a
// required one left empty) it hands ORT's GetTensorTypeAndShape a null OrtValue, which
// crashes. Here missing inputs are seen as null and checked.
template <typename T>
struct DeformConv2dOp : Ort::Custom::OrtLiteCustomOp {
  DeformConv2dOp() : OrtLiteCustomOp(kName, kCpu, {}) {
    input_types_.assign(kInputCount, Ort::TypeToTensorType<T>::type);
    output_types_.assign(1, Ort::TypeToTensorType<T>::type);
    OrtCustomOp::CreateKernel = {};  // ORT calls CreateKernelV2 (API >= 16), which can return an error
    OrtCustomOp::CreateKernelV2 = [](const OrtCustomOp*, const OrtApi* api, const OrtKernelInfo* info,
                                     void** kernel) -> OrtStatusPtr { return NewKernel<T>(api, info, kernel); };
    OrtCustomOp::KernelComputeV2 = [](void* kernel, OrtKernelContext* context) -> OrtStatusPtr {
      return Compute<T>(*static_cast<const Kernel<T>*>(kernel), context).release();
    };
    OrtCustomOp::KernelDestroy = [](void* kernel) { std::unique_ptr<Kernel<T>>(static_cast<Kernel<T>*>(kernel)); };
  }
};

}  // namespace

OpList DeformConv2dOps() {
  OpList ops;
  ops.push_back(std::make_unique<DeformConv2dOp<float>>());
  ops.push_back(std::make_unique<DeformConv2dOp<double>>());
  return ops;
}

}  // namespace symreg::ort
