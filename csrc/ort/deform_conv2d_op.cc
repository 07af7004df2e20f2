#include "ort/deform_conv2d_op.h"

#include <array>
#include <exception>
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <vector>

#include "kernels/vision/deform_conv2d.h"
#include "ort/elementwise.h"

namespace symreg::ort {
namespace {

constexpr const char* kName = "DeformConv2d";
enum Input : size_t { kX, kW, kOffset, kMask, kBias, kInputCount };
constexpr const char* kInputNames[kInputCount] = {"X", "W", "offset", "mask", "B"};

// Attributes as the node spells them: absent means the default, any other type is an error.
class Attrs {
 public:
  Attrs(const OrtApi* api, const OrtKernelInfo* info) : api_(api), info_(info) {}

  // An empty list reads as absent: ORT's size query answers 0, without an error, for
  // attributes of other types too.
  void Ints(const char* name, std::vector<int64_t>* value) {
    size_t size = 0;
    if (Ok(api_->KernelInfoGetAttributeArray_int64(info_, name, nullptr, &size)) && size > 0) {
      std::vector<int64_t> read(size);
      if (Ok(api_->KernelInfoGetAttributeArray_int64(info_, name, read.data(), &size))) {
        *value = std::move(read);
        return;
      }
    }
    if (HasAnyValue(name)) Fail(name, "a list of ints");
  }

  void Int(const char* name, int64_t* value) {
    if (!Ok(api_->KernelInfoGetAttribute_int64(info_, name, value)) && HasAnyValue(name)) Fail(name, "an int");
  }

  std::string problem;

 private:
  bool Ok(OrtStatus* status) {
    if (status == nullptr) return true;
    api_->ReleaseStatus(status);
    return false;
  }

  // ORT reports "no such attribute" and "wrong type" alike: a value of any type that
  // reads tells them apart.
  bool HasAnyValue(const char* name) {
    size_t size = 0;
    int64_t i = 0;
    float f = 0;
    const auto sized = [&](OrtStatus* status) { return Ok(status) && size > 0; };
    return Ok(api_->KernelInfoGetAttribute_int64(info_, name, &i)) ||
           Ok(api_->KernelInfoGetAttribute_float(info_, name, &f)) ||
           sized(api_->KernelInfoGetAttributeArray_int64(info_, name, nullptr, &size)) ||
           sized(api_->KernelInfoGetAttributeArray_float(info_, name, nullptr, &size)) ||
           sized(api_->KernelInfoGetAttribute_string(info_, name, nullptr, &size));
  }

  void Fail(const char* name, const char* expected) {
    if (problem.empty()) problem = std::string("attribute ") + name + " must be " + expected;
  }

  const OrtApi* api_;
  const OrtKernelInfo* info_;
};

template <typename T>
struct Kernel {
  kernels::DeformConv2dAttrs attrs;
  std::string attr_problem;  // reported by every Compute: kernel creation must not throw
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

template <typename T>
void* NewKernel(const OrtApi* api, const OrtKernelInfo* info) noexcept {
  try {
    auto kernel = std::make_unique<Kernel<T>>();
    Attrs reader(api, info);
    reader.Ints("strides", &kernel->attrs.strides);
    reader.Ints("pads", &kernel->attrs.pads);
    reader.Ints("dilations", &kernel->attrs.dilations);
    reader.Int("group", &kernel->attrs.group);
    reader.Int("offset_group", &kernel->attrs.offset_group);
    kernel->attr_problem = reader.problem;
    if (kernel->attr_problem.empty()) {
      try {
        kernel->packed = PackConstantWeight<T>(api, info, kernel->attrs.group);
      } catch (const std::exception&) {
        // No packed copy (out of memory, or an ORT error reading W): Compute packs per call.
      }
    }
    return kernel.release();
  } catch (const std::exception&) {
    return nullptr;  // out of memory: ORT reports the failed kernel creation
  }
}

// Per-call workspace from the session's CPU allocator (its arena reuses the memory
// across calls).
class Workspace {
 public:
  Workspace(const Ort::KernelContext& ctx, size_t bytes) {
    if (bytes == 0) return;
    Ort::MemoryInfo cpu = Ort::MemoryInfo::CreateCpu(OrtDeviceAllocator, OrtMemTypeDefault);
    allocator_ = ctx.GetAllocator(*static_cast<OrtMemoryInfo*>(cpu));
    if (allocator_ != nullptr) data_ = allocator_->Alloc(allocator_, bytes);
    if (data_ == nullptr) {
      Release();
      throw std::bad_alloc();
    }
  }
  Workspace(const Workspace&) = delete;
  Workspace& operator=(const Workspace&) = delete;
  ~Workspace() { Release(); }

  void* data() const { return data_; }

 private:
  void Release() {
    if (data_ != nullptr) allocator_->Free(allocator_, data_);
    if (allocator_ != nullptr) Ort::GetApi().ReleaseAllocator(allocator_);
    data_ = nullptr;
    allocator_ = nullptr;
  }

  OrtAllocator* allocator_ = nullptr;
  void* data_ = nullptr;
};

// Runs fn(0) ... fn(tasks - 1) on ORT's intra-op pool (so intra_op_num_threads holds).
// An exception must not escape into a pool thread: the first one is kept and rethrown.
template <typename Fn>
void ParallelTasks(const Ort::KernelContext& ctx, int64_t tasks, const Fn& fn) {
  struct Shared {
    const Fn& fn;
    std::mutex mutex;
    std::exception_ptr error;
  } shared{fn, {}, {}};
  const auto run = [](void* data, size_t task) {
    auto& s = *static_cast<Shared*>(data);
    try {
      s.fn(static_cast<int64_t>(task));
    } catch (...) {
      const std::lock_guard<std::mutex> lock(s.mutex);
      if (!s.error) s.error = std::current_exception();
    }
  };
  if (tasks == 1) {
    run(&shared, 0);
  } else if (tasks > 1) {
    ctx.ParallelFor(run, static_cast<size_t>(tasks), 0, &shared);
  }
  if (shared.error) std::rethrow_exception(shared.error);
}

template <typename T>
Ort::Status Compute(const Kernel<T>& kernel, OrtKernelContext* context) {
  try {
    if (!kernel.attr_problem.empty()) return OpError(kName, kernel.attr_problem);
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
    OrtCustomOp::CreateKernel = [](const OrtCustomOp*, const OrtApi* api, const OrtKernelInfo* info) {
      return NewKernel<T>(api, info);
    };
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
