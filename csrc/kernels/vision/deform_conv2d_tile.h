// Internal to the deform_conv2d kernel: one column tile, sampled and multiplied.
#pragma once

#include <algorithm>
#include <cstdint>

#include "kernels/vision/deform_conv2d.h"

namespace symreg::kernels {

// Columns of the per-group GEMM: (kH * kW) kernel points times C_in / group channels.
inline int64_t ColumnCount(const DeformConv2dShape& s) { return s.kernel_h * s.kernel_w * (s.c_in / s.group); }

// Output pixels per tile: as many as keep a (pixels x columns) tile within a
// per-thread cache budget (half of a 1 MB L2), a multiple of 8, at most the image; but
// at least kMinTilePixels, below which Eigen spends more time packing the weights (once
// per tile) than multiplying (measured: 256 -> 256 channels, 3x3, 20% faster than 24).
// Measured on Zen 4, 1 thread: 512 KB rather than 256 KB cuts Eigen's AVX-512 GEMM on
// 64 -> 64 channels, 3x3 (K = 576) from 21 to 6.6 ms (112- vs 224-pixel tiles; AVX2: 11
// ms either way); 1 and 2 MB gain at most 5% more.
inline constexpr int64_t kTileBytes = 512 * 1024;
inline constexpr int64_t kMinTilePixels = 64;

template <typename T>
int64_t TilePixels(int64_t columns, int64_t out_pixels) {
  if (out_pixels <= 0) return 0;
  const int64_t fit = kTileBytes / static_cast<int64_t>(sizeof(T)) / std::max<int64_t>(columns, 1);
  return std::min(std::max(kMinTilePixels, fit / 8 * 8), out_pixels);
}

// Output pixels [p0, p0 + count) of image n, conv group g.
template <typename T>
struct TileJob {
  const DeformConv2dShape& shape;
  const DeformConv2dData<T>& data;
  const T* x_nhwc;  // (N, H, W, C_in)
  const T* weight;  // (C_out, kH * kW, C_in / group)
  int64_t n, g, p0, count;
  bool sample;  // false: GEMM only (benchmarks)
};

// Samples the tile into a per-thread buffer, multiplies, adds the bias, writes y: the
// build of deform_conv2d_tile_impl.h for isa, or the best below it that this CPU runs.
template <typename T>
void RunTile(CpuIsa isa, const TileJob<T>& job);

namespace generic {
template <typename T>
void RunTile(const TileJob<T>& job);
}  // namespace generic

#ifdef SYMREG_AVX2_KERNELS
namespace avx2 {
template <typename T>
void RunTile(const TileJob<T>& job);
}  // namespace avx2
#endif

#ifdef SYMREG_AVX512_KERNELS
namespace avx512 {
template <typename T>
void RunTile(const TileJob<T>& job);
}  // namespace avx512
#endif

}  // namespace symreg::kernels
