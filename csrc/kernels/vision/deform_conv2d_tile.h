// Internal to the deform_conv2d kernel: one column tile, sampled and multiplied.
#pragma once

#include <algorithm>
#include <cstdint>

#include "kernels/vision/deform_conv2d.h"

namespace symreg::kernels {

// Columns of the per-group GEMM: (kH * kW) kernel points times C_in / group channels.
inline int64_t ColumnCount(const DeformConv2dShape& s) { return s.kernel_h * s.kernel_w * (s.c_in / s.group); }

// Output pixels per tile: as many as keep a (pixels x columns) tile within a
// per-thread cache budget, a multiple of 8, at most the image; but at least
// kMinTilePixels, below which gebp's panel loop runs short. With the weights packed once
// per call, 128 KB to 768 KB tiles all run within 3% of each other (Sapphire Rapids,
// 2 MB L2; the 512 KB kept here suited Zen 4's 1 MB L2 best).
inline constexpr int64_t kTileBytes = 512 * 1024;
inline constexpr int64_t kMinTilePixels = 64;

template <typename T>
int64_t TilePixels(int64_t columns, int64_t out_pixels) {
  if (out_pixels <= 0) return 0;
  const int64_t fit = kTileBytes / static_cast<int64_t>(sizeof(T)) / std::max<int64_t>(columns, 1);
  return std::min(std::max(kMinTilePixels, fit / 8 * 8), out_pixels);
}

// Output channels per weight-packing task: a multiple of every build's GEMM panel width.
inline constexpr int64_t kPackChannels = 64;

// Elements of one conv group's packed weights, rounded up so that every group starts as
// aligned as the workspace (kAlignBytes), as Eigen's own packed operands do.
inline int64_t PackedGroupSize(const DeformConv2dShape& s) {
  constexpr int64_t kAlign = kAlignBytes / sizeof(float);  // elements: enough for float and double
  return (ColumnCount(s) * (s.c_out / s.group) + kAlign - 1) / kAlign * kAlign;
}

// Packs output channels [o0, o0 + count) of conv group g (o0 a multiple of kPackChannels)
// into the packed weights: group g's (columns x C_out / group) GEMM operand, column
// order (kernel point, channel), starts at packed + g * PackedGroupSize.
template <typename T>
struct WeightJob {
  const DeformConv2dShape& shape;
  const T* weight;  // (C_out, C_in / group, kH, kW)
  T* packed;
  int64_t g, o0, count;
};

// The weight-packing tasks of a shape: kPackChannels output channels of one group each.
inline int64_t WeightTasks(const DeformConv2dShape& s) {
  return s.group * ((s.c_out / s.group + kPackChannels - 1) / kPackChannels);
}

// Task `task` (< WeightTasks) of packing weight into packed.
template <typename T>
WeightJob<T> WeightTask(const DeformConv2dShape& s, const T* weight, T* packed, int64_t task) {
  const int64_t cout_g = s.c_out / s.group, per_group = WeightTasks(s) / s.group;
  const int64_t g = task / per_group, o0 = (task % per_group) * kPackChannels;
  return {s, weight, packed, g, o0, std::min(kPackChannels, cout_g - o0)};
}

// Output pixels [p0, p0 + count) of image n, conv group g.
template <typename T>
struct TileJob {
  const DeformConv2dShape& shape;
  const DeformConv2dData<T>& data;
  const T* x_nhwc;  // (N, H, W, C_in), then C_in zeros: what corners outside the image read
  const T* packed;  // the weights as WeightJob packs them
  int64_t n, g, p0, count;
  bool sample;  // false: GEMM only (benchmarks)
};

// The entry points of one build of deform_conv2d_tile_impl.h.
template <typename T>
struct TileBuild {
  // Samples the tile into a per-thread buffer, multiplies, adds the bias, writes y.
  void (*run_tile)(const TileJob<T>& job);
  // Packs weights for run_tile of the same build (the packing follows its GEMM's panels).
  void (*pack_weights)(const WeightJob<T>& job);
  // dst[p * dst_stride + c] = src[c * src_stride + p], c < channels, p < pixels: NCHW to NHWC.
  void (*to_nhwc)(const T* src, int64_t src_stride, int64_t channels, int64_t pixels, T* dst, int64_t dst_stride);
};

// The build for isa, or the best below it that this CPU runs.
template <typename T>
TileBuild<T> TileBuildFor(CpuIsa isa);

namespace generic {
template <typename T>
TileBuild<T> Build();
}  // namespace generic
#ifdef SYMREG_AVX2_KERNELS
namespace avx2 {
template <typename T>
TileBuild<T> Build();
}  // namespace avx2
#endif
#ifdef SYMREG_AVX512_KERNELS
namespace avx512 {
template <typename T>
TileBuild<T> Build();
}  // namespace avx512
#endif

}  // namespace symreg::kernels
