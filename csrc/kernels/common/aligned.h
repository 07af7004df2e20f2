// Aligned scratch and packed operands for kernels that hand memory to SIMD code (Eigen's
// packed GEMM operands want 64-byte alignment for AVX-512 loads).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>

namespace symreg::kernels {

inline constexpr size_t kAlignBytes = 64;

template <typename T>
using AlignedArray = std::unique_ptr<T, decltype(&std::free)>;

// Uninitialised memory for `elements` values (at least one), aligned to kAlignBytes,
// freed by the owner. Throws std::bad_alloc. Defined for float and double.
template <typename T>
AlignedArray<T> AllocateAligned(int64_t elements);

}  // namespace symreg::kernels
