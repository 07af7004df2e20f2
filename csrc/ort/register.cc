// The library's one exported symbol, RegisterCustomOps: every op of csrc/native_ops.def
// in one domain (kDomain), for runtimes with C API version kMinOrtApi or newer.
#include <exception>
#include <string>

#include "ort/ops.h"
#include "ort/ort_api.h"

namespace symreg::ort {
namespace {

constexpr OpList (*kOpFactories[])() = {
#define SYMREG_NATIVE_OP(name) name##Ops,
#include "native_ops.def"
#undef SYMREG_NATIVE_OP
};

struct Registry {
  OpList ops;
  Ort::CustomOpDomain domain{kDomain};

  Registry() {
    for (auto factory : kOpFactories) {
      for (auto& op : factory()) ops.push_back(std::move(op));
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
