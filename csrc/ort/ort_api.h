// The one include for ORT glue: the lite custom-op API without ORT's static
// initialiser (which would link against libonnxruntime; the API pointer comes
// from RegisterCustomOps instead), plus the types every op file shares.
#pragma once

#define ORT_API_MANUAL_INIT
#include <onnxruntime_lite_custom_op.h>
#undef ORT_API_MANUAL_INIT

#include <memory>
#include <vector>

#include "meta.h"

// The library asks the runtime for C API version kMinOrtApi and refuses older runtimes.
// Headers newer than that would compile calls into API entries that such a runtime
// lacks: build against the headers of the oldest supported ORT (Debian's
// libonnxruntime-dev 1.21, what `make headers` fetches).
static_assert(ORT_API_VERSION <= SYMREG_MIN_ORT_API,
              "ONNX Runtime headers newer than symreg/_meta.py's MIN_ORT_API: build against that release's headers");

namespace symreg::ort {

inline constexpr const char* kCpu = "CPUExecutionProvider";

// OrtLiteCustomOp is documented as safe to delete through its base type.
using OpPtr = std::unique_ptr<Ort::Custom::OrtLiteCustomOp>;
using OpList = std::vector<OpPtr>;

}  // namespace symreg::ort
