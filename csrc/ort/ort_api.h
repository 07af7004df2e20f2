// The one include for ORT glue: the lite custom-op API without ORT's static
// initialiser (which would link against libonnxruntime; the API pointer comes
// from RegisterCustomOps instead), plus the types every op file shares.
#pragma once

#define ORT_API_MANUAL_INIT
#include <onnxruntime_lite_custom_op.h>
#undef ORT_API_MANUAL_INIT

#include <memory>
#include <vector>

namespace symreg::ort {

inline constexpr const char* kDomain = "symreg";
inline constexpr const char* kCpu = "CPUExecutionProvider";

// OrtLiteCustomOp is documented as safe to delete through its base type.
using OpPtr = std::unique_ptr<Ort::Custom::OrtLiteCustomOp>;
using OpList = std::vector<OpPtr>;

}  // namespace symreg::ort
