// The library's one exported symbol, RegisterCustomOps: every op of csrc/native_ops.def
// in one domain (kDomain), for runtimes with C API version kMinOrtApi or newer.
#include <exception>
#include <string>

#include "ort/ops.h"
#include "ort/ort_api.h"
#include "ort/status.h"

namespace symreg::ort {
namespace {

constexpr OpList (*kOpFactories[])() = {
#define SYMREG_NATIVE_OP(name) name##Ops,
#include "native_ops.def"
#undef SYMREG_NATIVE_OP
};

// The lite API (CreateLiteCustomOp) declares every input optional, so ORT lets a node omit
// inputs, leave them empty or add more, and the lite argument binding then fails at the first
// run with "invalid indice for Ort::Custom::Tensor", naming neither the op nor the input. This
// CreateKernelV2, called at session creation, holds the node to the op's inputs, all required
// (a variadic last one may repeat), and fails the session naming the op; then it creates the
// lite kernel as ORT would. An op with optional inputs creates its own kernels (as
// DeformConv2d does) and is left alone.
OrtStatusPtr CreateKernelCheckingInputs(const OrtCustomOp* op, const OrtApi* api, const OrtKernelInfo* info,
                                        void** kernel) noexcept {
  *kernel = nullptr;
  const char* name = op->GetName(op);
  try {
    size_t given = 0;
    Ort::ThrowOnError(api->KernelInfo_GetInputCount(info, &given));
    const size_t takes = op->GetInputTypeCount(op);
    const bool variadic =
        takes > 0 && op->GetInputCharacteristic && op->GetInputCharacteristic(op, takes - 1) == INPUT_OUTPUT_VARIADIC;
    const size_t required = variadic ? takes - 1 : takes;
    std::string problem;
    if (given < required) {
      problem = "input " + std::to_string(given) + " is missing: the node has " + std::to_string(given) +
                " input(s), the op takes " + std::to_string(takes);
    } else if (given > takes && !variadic) {
      problem = "the node has " + std::to_string(given) + " inputs, the op takes " + std::to_string(takes);
    }
    for (size_t i = 0; problem.empty() && i < given; ++i) {
      size_t size = 0;  // an omitted input has an empty name
      Ort::ThrowOnError(api->KernelInfo_GetInputName(info, i, nullptr, &size));
      if (size <= 1) problem = "input " + std::to_string(i) + " is missing (empty in the node); the op needs it";
    }
    if (!problem.empty()) return OpError(name, problem).release();
    *kernel = op->CreateKernel(op, api, info);
    return nullptr;
  } catch (const std::exception& e) {
    return OpError(name, std::string("creating the kernel failed: ") + e.what()).release();
  }
}

struct Registry {
  OpList ops;
  Ort::CustomOpDomain domain{kDomain};

  Registry() {
    for (auto factory : kOpFactories) {
      for (auto& op : factory()) ops.push_back(std::move(op));
    }
    for (auto& op : ops) {
      // Lite ops only: the others create their kernels with CreateKernelV2 and check their inputs.
      if (op->CreateKernelV2 == nullptr && op->CreateKernel != nullptr) op->CreateKernelV2 = CreateKernelCheckingInputs;
    }
    for (const auto& op : ops) domain.Add(op.get());
  }
};

// Built once and never destroyed: every session created from these options
// keeps pointers into the ops, and a session may outlive static destruction
// (say, a global Ort::Session in a C++ program). Once per process, not once
// per load: ORT dlcloses the library when the last SessionOptions that
// registered it goes and dlopens it again at the next registration, which
// built (and leaked) a registry per session lifetime; the library is linked
// with -z nodelete (setup.py), so dlclose leaves it, and this static, in place.
const Registry& TheRegistry(const OrtApi* api) {
  static const Registry& registry = [api]() -> const Registry& {
    Ort::InitApi(api);
    return *new Registry();
  }();
  return registry;
}

// API version 1 exists in every runtime, unlike kMinOrtApi.
OrtStatus* VersionError(const OrtApiBase* api_base) {
  const std::string message = std::string("symreg: libsymreg_ort.so needs ONNX Runtime >= ") + kMinOrtVersion +
                              " (C API version " + std::to_string(kMinOrtApi) + "); this process runs ONNX Runtime " +
                              api_base->GetVersionString() + ". Upgrade onnxruntime.";
  const OrtApi* api = api_base->GetApi(1);
  return api == nullptr ? nullptr : api->CreateStatus(ORT_FAIL, message.c_str());
}

}  // namespace
}  // namespace symreg::ort

extern "C" __attribute__((visibility("default"))) OrtStatus* ORT_API_CALL
RegisterCustomOps(OrtSessionOptions* options, const OrtApiBase* api_base) {
  using namespace symreg::ort;
  if (api_base == nullptr) return nullptr;  // no API to report through; ORT never passes null
  // The API table of kMinOrtApi is a prefix of every newer one, and holds all that the
  // headers (no newer, see ort_api.h) can call.
  const OrtApi* api = api_base->GetApi(symreg::kMinOrtApi);
  if (api == nullptr) return VersionError(api_base);
  if (options == nullptr) return api->CreateStatus(ORT_INVALID_ARGUMENT, "symreg: RegisterCustomOps: options is null");
  try {
    const Registry& registry = TheRegistry(api);
    Ort::UnownedSessionOptions(options).Add(registry.domain);
    return nullptr;
  } catch (const std::exception& e) {
    return api->CreateStatus(ORT_FAIL, (std::string("symreg: RegisterCustomOps failed: ") + e.what()).c_str());
  }
}
