// Calls libsymreg_ort.so's RegisterCustomOps directly, as ONNX Runtime does, to
// check what a test through ORT cannot reach: the answers to runtimes older than
// this process's, down to one below the oldest the library supports (ORT returns
// null from GetApi for versions it lacks).
//
// Usage: register_check LIB MIN_API   (MIN_API: symreg/_meta.py's MIN_ORT_API)
// Prints one line per case ("<case>: ok" or "<case>: error: <message>"); exit
// status 0 when every call returned without crashing.
#include <dlfcn.h>
#include <onnxruntime_c_api.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

using RegisterFn = OrtStatus*(ORT_API_CALL*)(OrtSessionOptions*, const OrtApiBase*);

const OrtApiBase* real_base = nullptr;
const OrtApi* api = nullptr;
uint32_t newest_api = 0;
std::string version_text;

// This process's runtime, cut down to C API version newest_api (release 1.<newest_api>).
const OrtApiBase kOlderRuntime = {
    [](uint32_t version) NO_EXCEPTION -> const OrtApi* {
      return version <= newest_api ? real_base->GetApi(version) : nullptr;
    },
    []() NO_EXCEPTION -> const char* { return version_text.c_str(); },
};

const OrtApiBase* OlderRuntime(uint32_t api_version) {
  newest_api = api_version;
  version_text = "1." + std::to_string(api_version) + ".1";
  return &kOlderRuntime;
}

// Registers into fresh options (or null ones) and prints the answer.
void Check(const char* name, RegisterFn register_ops, const OrtApiBase* base, bool null_options = false) {
  OrtSessionOptions* options = nullptr;
  if (!null_options) {
    if (OrtStatus* status = api->CreateSessionOptions(&options)) {
      std::printf("%s: error: CreateSessionOptions: %s\n", name, api->GetErrorMessage(status));
      api->ReleaseStatus(status);
      return;
    }
  }
  OrtStatus* status = register_ops(options, base);
  if (status == nullptr) {
    std::printf("%s: ok\n", name);
  } else {
    std::printf("%s: error: %s\n", name, api->GetErrorMessage(status));
    api->ReleaseStatus(status);
  }
  if (options != nullptr) api->ReleaseSessionOptions(options);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3 || std::atoi(argv[2]) < 2) {
    std::fprintf(stderr, "usage: register_check LIB MIN_API\n");
    return 2;
  }
  const auto min_api = static_cast<uint32_t>(std::atoi(argv[2]));
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
  api = real_base->GetApi(ORT_API_VERSION);

  Check("too old runtime", register_ops, OlderRuntime(min_api - 1));
  Check("oldest runtime", register_ops, OlderRuntime(min_api));
  Check("current runtime", register_ops, real_base);
  Check("current runtime again", register_ops, real_base);
  Check("null options", register_ops, real_base, /*null_options=*/true);
  return 0;
}
