// Calls libsymreg_ort.so's RegisterCustomOps directly, as ONNX Runtime does, to
// check what a test through ORT cannot reach: the answer to a runtime older
// than the library's API version (ORT returns null from GetApi then).
//
// Usage: register_check LIB
// Prints one line per case ("<case>: ok" or "<case>: error: <message>"); exit
// status 0 when every call returned without crashing.
#include <dlfcn.h>
#include <onnxruntime_c_api.h>

#include <cstdio>

namespace {

using RegisterFn = OrtStatus*(ORT_API_CALL*)(OrtSessionOptions*, const OrtApiBase*);

const OrtApiBase* real_base = nullptr;

// A runtime whose newest C API is version 20 (ORT 1.20).
const OrtApiBase kOldRuntime = {
    [](uint32_t version) NO_EXCEPTION -> const OrtApi* {
      return version <= 20 ? real_base->GetApi(version) : nullptr;
    },
    []() NO_EXCEPTION -> const char* { return "1.20.1"; },
};

void Report(const char* name, OrtStatus* status, const OrtApi* api) {
  if (status == nullptr) {
    std::printf("%s: ok\n", name);
    return;
  }
  std::printf("%s: error: %s\n", name, api->GetErrorMessage(status));
  api->ReleaseStatus(status);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: register_check LIB\n");
    return 2;
  }
  void* lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (lib == nullptr) {
    std::fprintf(stderr, "register_check: %s\n", dlerror());
    return 2;
  }
  auto register_ops = reinterpret_cast<RegisterFn>(dlsym(lib, "RegisterCustomOps"));
  if (register_ops == nullptr) {
    std::fprintf(stderr, "register_check: %s\n", dlerror());
    return 2;
  }
  real_base = OrtGetApiBase();
  const OrtApi* api = real_base->GetApi(ORT_API_VERSION);
  OrtSessionOptions* options = nullptr;
  Report("create options", api->CreateSessionOptions(&options), api);

  Report("old runtime", register_ops(options, &kOldRuntime), api);
  Report("current runtime", register_ops(options, real_base), api);
  OrtSessionOptions* other = nullptr;
  Report("create other options", api->CreateSessionOptions(&other), api);
  Report("current runtime again", register_ops(other, real_base), api);
  Report("null options", register_ops(nullptr, real_base), api);

  api->ReleaseSessionOptions(other);
  api->ReleaseSessionOptions(options);
  return 0;
}
