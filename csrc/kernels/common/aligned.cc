#include "kernels/common/aligned.h"

#include <algorithm>
#include <new>

namespace symreg::kernels {

template <typename T>
AlignedArray<T> AllocateAligned(int64_t elements) {
  const size_t bytes = (std::max<size_t>(static_cast<size_t>(elements), 1) * sizeof(T) + kAlignBytes - 1) /
                       kAlignBytes * kAlignBytes;  // aligned_alloc wants a multiple of the alignment
  AlignedArray<T> array(static_cast<T*>(std::aligned_alloc(kAlignBytes, bytes)), &std::free);
  if (!array) throw std::bad_alloc();
  return array;
}

template AlignedArray<float> AllocateAligned<float>(int64_t);
template AlignedArray<double> AllocateAligned<double>(int64_t);

}  // namespace symreg::kernels
