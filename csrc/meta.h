// symreg/_meta.py's values, which setup.py passes to the compiler: the package version,
// the custom-op domain and the oldest ONNX Runtime the library supports have that one
// source, shared with Python.
#pragma once

#include <cstdint>

#if !defined(SYMREG_VERSION) || !defined(SYMREG_DOMAIN) || !defined(SYMREG_MIN_ORT_VERSION) || \
    !defined(SYMREG_MIN_ORT_API)
#error "SYMREG_VERSION, SYMREG_DOMAIN, SYMREG_MIN_ORT_VERSION, SYMREG_MIN_ORT_API come from symreg/_meta.py via setup.py"
#endif

namespace symreg {

inline constexpr const char* kVersion = SYMREG_VERSION;
inline constexpr const char* kDomain = SYMREG_DOMAIN;
inline constexpr const char* kMinOrtVersion = SYMREG_MIN_ORT_VERSION;
inline constexpr uint32_t kMinOrtApi = SYMREG_MIN_ORT_API;

}  // namespace symreg
