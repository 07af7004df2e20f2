// The hot loop of deform_conv2d: bilinear sampling into a column tile, then a GEMM
// against weights packed once per call (eigen_panel_gemm.h).
// Included once per instruction set (deform_conv2d_tile.cc, deform_conv2d_tile_avx2.cc,
// deform_conv2d_tile_avx512.cc), each defining SYMREG_ISA, the namespace that keeps the
// copies apart.
//
// A tile holds `count` output pixels of one image and one conv group as rows, and
// (kernel point, channel) as columns, channel fastest. With the input in NHWC, a sample
// of all channels of an offset group is four contiguous corner rows blended with four
// weights: no gathers, and the loop vectorises at any SIMD width.
#ifndef SYMREG_ISA
#error "define SYMREG_ISA before including deform_conv2d_tile_impl.h"
#endif

#include <algorithm>
#include <cmath>
#include <vector>

#define EIGEN_DONT_PARALLELIZE  // parallelism comes from the caller's task split only
#include <Eigen/Core>

#include "kernels/eigen_panel_gemm.h"
#include "kernels/vision/deform_conv2d_tile.h"

// Packet types (__m512 and the like) as template arguments: GCC warns that their
// alignment attributes are ignored there, as Eigen's own headers silence it.
#pragma GCC diagnostic ignored "-Wignored-attributes"

namespace symreg::kernels::SYMREG_ISA {
namespace {

// The buffers of the calling thread (column tile, per-pixel arrays of its sampling, GEMM
// scratch), reused by every later tile it runs.
// Why thread-local rather than per-call scratch from ORT's allocator: a parallel-for
// task is not told which worker runs it, so per-call scratch would need one buffer per
// task (the whole column matrix again) or a lock. A thread runs one tile at a time and a
// tile never re-enters the kernel, so no two tiles ever share a buffer, whichever
// sessions or threads call Compute concurrently. The cost is one tile (~kTileBytes,
// more only for very wide kernels) and its GEMM scratch, per thread that has run this
// kernel, freed when the thread exits; new elements are zero, which is what
// kSkipSampling multiplies. `slot` tells a thread's buffers apart.
template <typename T, int slot>
T* ThreadBuffer(int64_t count) {
  thread_local std::vector<T, Eigen::aligned_allocator<T>> buffer;
  if (static_cast<int64_t>(buffer.size()) < count) buffer.resize(static_cast<size_t>(count));
  return buffer.data();
}

// dst = m * (wa * a + wb * b + wc * c + wd * d), or without m when kHasMask is false. The
// mask multiplies the blend, as in torchvision, rather than being folded into the four
// weights: an inf mask times a zero weight would be NaN where torchvision has inf.
template <bool kHasMask, typename T>
void Blend4(T* __restrict dst, const T* __restrict a, const T* __restrict b, const T* __restrict c,
            const T* __restrict d, T wa, T wb, T wc, T wd, T m, int64_t len) {
  // Whole chunks of 256 bytes first: an inner loop of known length unrolls fully (no
  // per-vector loop overhead, measured ~0.3 ms of 1.6 on 64 channels); then the rest.
  // (No lambda for the expression: GCC drops __restrict through it and checks aliasing.)
  constexpr int64_t kChunk = 256 / sizeof(T);
  int64_t i = 0;
  for (; i + kChunk <= len; i += kChunk) {
    for (int64_t v = i; v < i + kChunk; ++v) {
      const T sum = wa * a[v] + wb * b[v] + wc * c[v] + wd * d[v];
      dst[v] = kHasMask ? m * sum : sum;
    }
  }
  for (; i < len; ++i) {
    const T sum = wa * a[i] + wb * b[i] + wc * c[i] + wd * d[i];
    dst[i] = kHasMask ? m * sum : sum;
  }
}

// Bilinear sampling of one (kernel point, offset group) for every pixel of a tile, in two
// passes. The first, over pixels (structure of arrays, contiguous offset reads, no
// branches: it vectorises), turns positions into four corner weights and the offsets of
// the corner rows. The second blends the channels of the four corner rows (NHWC:
// contiguous) per pixel and multiplies the blend by the mask.
// Same values as torchvision's bilinear_interpolate, non-finite ones included: a sample
// is zero unless -1 < y < H and -1 < x < W (NaN positions are outside), and a corner
// outside the image contributes its weight times 0, never times a pixel. So such corners
// read a row of zeros (`zero`, after the image) rather than a pixel clamped into the
// image: 0 * inf would be NaN where torchvision's output is finite. The mask multiplies
// a sample outside the image too (a NaN or inf mask gives NaN, as mask * 0 does in torchvision).
template <typename T>
struct Corners {
  T *w00, *w01, *w10, *w11;        // weights of the corners (top/bottom, left/right)
  int64_t *o00, *o01, *o10, *o11;  // their offsets in the NHWC image, or that of the zero row

  static constexpr int64_t kWeights = 4, kOffsets = 4;
  // Carves the arrays of `count` elements out of two scratch buffers.
  Corners(T* weights, int64_t* offsets, int64_t count)
      : w00(weights), w01(w00 + count), w10(w01 + count), w11(w10 + count),
        o00(offsets), o01(o00 + count), o10(o01 + count), o11(o10 + count) {}
};

// Restrict-qualified parameters rather than the Corners struct: GCC ignores restrict on
// copies of struct members and does not vectorise (too many alias checks).
template <typename T>
void CornerPass(const T* __restrict base_y, const T* __restrict base_x, T ky, T kx, const T* __restrict dy,
                const T* __restrict dx, int64_t height, int64_t width, int64_t row_stride, int64_t pixel_stride,
                int64_t zero, int64_t count, T* __restrict w00, T* __restrict w01, T* __restrict w10,
                T* __restrict w11, int64_t* __restrict o00, int64_t* __restrict o01, int64_t* __restrict o10,
                int64_t* __restrict o11) {
  const T h = T(height), w = T(width);
  for (int64_t r = 0; r < count; ++r) {
    // base + k is a whole number, exact in T (below 2^24): y rounds as torchvision's does.
    T y = (base_y[r] + ky) + dy[r], x = (base_x[r] + kx) + dx[r];
    // & rather than &&: no branches.
    const bool inside = (y > T(-1)) & (y < h) & (x > T(-1)) & (x < w);
    y = inside ? y : T(-2);  // outside: finite, and all four corners (rows -2 and -1) outside
    x = inside ? x : T(-2);
    const T y0 = std::floor(y), x0 = std::floor(x);
    const T ly = y - y0, lx = x - x0;
    const T hy = T(1) - ly, vy = ly, hx = T(1) - lx, vx = lx;
    w00[r] = hy * hx, w01[r] = hy * vx, w10[r] = vy * hx, w11[r] = vy * vx;
    // Corners outside the image: y0 = -1 (top), y0 + 1 = H (bottom), likewise in x. Tested
    // as integers, all of one type (the loop vectorises): for H or W above 2^24 a float H
    // can round up, so the upper bounds are tested too.
    const int64_t top = static_cast<int64_t>(y0), left = static_cast<int64_t>(x0);
    const bool top_in = (top >= 0) & (top < height), bottom_in = (top + 1 >= 0) & (top + 1 < height);
    const bool left_in = (left >= 0) & (left < width), right_in = (left + 1 >= 0) & (left + 1 < width);
    // zero + (offset - zero) & all-ones or all-zeros: selects without branches.
    const int64_t at = top * row_stride + left * pixel_stride - zero;
    const auto pick = [zero](bool in, int64_t offset) { return zero + (offset & -static_cast<int64_t>(in)); };
    o00[r] = pick(top_in & left_in, at);
    o01[r] = pick(top_in & right_in, at + pixel_stride);
    o10[r] = pick(bottom_in & left_in, at + row_stride);
    o11[r] = pick(bottom_in & right_in, at + row_stride + pixel_stride);
  }
}

// The second pass: pixel r's samples of len channels, from the corner rows at channels +
// offset, into dst + r * columns (mask: per pixel, read only when kHasMask).
template <bool kHasMask, typename T>
void BlendRows(const Corners<T>& corners, const T* channels, const T* mask, int64_t count, int64_t columns,
               int64_t len, T* dst) {
  for (int64_t r = 0; r < count; ++r, dst += columns) {
    Blend4<kHasMask>(dst, channels + corners.o00[r], channels + corners.o01[r], channels + corners.o10[r],
                     channels + corners.o11[r], corners.w00[r], corners.w01[r], corners.w10[r], corners.w11[r],
                     kHasMask ? mask[r] : T(1), len);
  }
}

// The tile of an empty image: each sample is 0 times its mask value, as torchvision
// computes it, so a NaN or infinite mask value gives NaN (the tile holds zeros already).
template <typename T>
void FillMaskedZeros(const T* mask, const DeformConv2dShape& s, int64_t points, int64_t cg, int64_t c_begin,
                     int64_t c_end, int64_t og_first, int64_t og_last, int64_t count, int64_t columns, T* tile) {
  const int64_t c_og = s.c_in / s.offset_group, out_pixels = s.out_h * s.out_w;
  for (int64_t k = 0; k < points; ++k) {
    for (int64_t og = og_first; og <= og_last; ++og) {
      const int64_t c0 = std::max(c_begin, og * c_og), len = std::min(c_end, (og + 1) * c_og) - c0;
      const T* m = mask + (og * points + k) * out_pixels;
      for (int64_t r = 0; r < count; ++r) {
        if (std::isfinite(m[r])) continue;
        T* dst = tile + r * columns + k * cg + (c0 - c_begin);
        std::fill(dst, dst + len, m[r] * T(0));
      }
    }
  }
}

// Fills the (count x columns) tile: row r is output pixel p0 + r, column k * Cg + c is
// kernel point k of channel g * Cg + c. scratch holds (2 + Corners::kWeights) * count
// values, offsets Corners::kOffsets * count.
template <typename T>
void SampleTile(const TileJob<T>& job, T* tile, T* scratch, int64_t* offsets) {
  const DeformConv2dShape& s = job.shape;
  const int64_t cg = s.c_in / s.group, c_og = s.c_in / s.offset_group;
  const int64_t points = s.kernel_h * s.kernel_w;
  const int64_t columns = points * cg;
  const int64_t out_pixels = s.out_h * s.out_w;
  const int64_t count = job.count;
  const T* mask = job.data.mask ? job.data.mask + job.n * s.offset_group * points * out_pixels + job.p0 : nullptr;
  // This conv group's channels [c_begin, c_end) fall into offset groups og_first..og_last.
  const int64_t c_begin = job.g * cg, c_end = c_begin + cg;
  const int64_t og_first = c_begin / c_og, og_last = (c_end - 1) / c_og;
  if (s.height == 0 || s.width == 0) {  // padding alone: every sample is outside and reads 0
    std::fill(tile, tile + count * columns, T(0));
    if (mask) FillMaskedZeros(mask, s, points, cg, c_begin, c_end, og_first, og_last, count, columns, tile);
    return;
  }
  const T* image = job.x_nhwc + job.n * s.height * s.width * s.c_in;
  const int64_t zero = (s.n - job.n) * s.height * s.width * s.c_in;  // the zero row, from image
  const T* offset = job.data.offset + job.n * s.offset_group * 2 * points * out_pixels + job.p0;
  // Kernel point (0, 0) of each pixel, before the offset: whole numbers.
  T* base_y = scratch;
  T* base_x = scratch + count;
  for (int64_t r = 0; r < count; ++r) {
    const int64_t p = job.p0 + r;
    base_y[r] = T((p / s.out_w) * s.stride_h - s.pad_top);
    base_x[r] = T((p % s.out_w) * s.stride_w - s.pad_left);
  }
  const Corners<T> corners(scratch + 2 * count, offsets, count);
  for (int64_t i = 0; i < s.kernel_h; ++i) {
    for (int64_t j = 0; j < s.kernel_w; ++j) {
      const int64_t k = i * s.kernel_w + j;
      for (int64_t og = og_first; og <= og_last; ++og) {
        const int64_t c0 = std::max(c_begin, og * c_og), len = std::min(c_end, (og + 1) * c_og) - c0;
        const T* dy = offset + (og * 2 * points + 2 * k) * out_pixels;
        const T* m = mask ? mask + (og * points + k) * out_pixels : nullptr;
        CornerPass(base_y, base_x, T(i * s.dilation_h), T(j * s.dilation_w), dy, dy + out_pixels, s.height,
                   s.width, s.width * s.c_in, s.c_in, zero, count, corners.w00, corners.w01, corners.w10,
                   corners.w11, corners.o00, corners.o01, corners.o10, corners.o11);
        const T* channels = image + c0;
        T* dst = tile + k * cg + (c0 - c_begin);
        if (m) {
          BlendRows<true>(corners, channels, m, count, columns, len, dst);
        } else {
          BlendRows<false>(corners, channels, m, count, columns, len, dst);
        }
      }
    }
  }
}

}  // namespace

template <typename T>
void ToNhwc(const T* src, int64_t src_stride, int64_t channels, int64_t pixels, T* dst, int64_t dst_stride) {
  // Blocks of one packet by one packet, transposed in registers (loads and stores of whole
  // packets: 0.65 -> 0.38 ms on a 64 x 128 x 128 float image, against 32 x 32 scalar blocks;
  // a memcpy of the same 4 MB takes 0.28 ms on that machine).
  namespace ei = Eigen::internal;
  using Packet = typename ei::packet_traits<T>::type;
  constexpr int64_t kP = ei::packet_traits<T>::size;
  const auto scalar = [&](int64_t c0, int64_t c1, int64_t p0, int64_t p1) {
    for (int64_t c = c0; c < c1; ++c) {
      for (int64_t p = p0; p < p1; ++p) dst[p * dst_stride + c] = src[c * src_stride + p];
    }
  };
  const int64_t c_full = channels / kP * kP, p_full = pixels / kP * kP;
  for (int64_t c0 = 0; c0 < c_full; c0 += kP) {
    for (int64_t p0 = 0; p0 < p_full; p0 += kP) {
      ei::PacketBlock<Packet, kP> block;
      for (int64_t i = 0; i < kP; ++i) block.packet[i] = ei::ploadu<Packet>(src + (c0 + i) * src_stride + p0);
      ei::ptranspose(block);
      for (int64_t i = 0; i < kP; ++i) ei::pstoreu(dst + (p0 + i) * dst_stride + c0, block.packet[i]);
    }
    scalar(c0, c0 + kP, p_full, pixels);
  }
  scalar(c_full, channels, 0, pixels);
}

template <typename T>
void RunTile(const TileJob<T>& job) {
  using Gemm = PanelGemm<T>;
  const DeformConv2dShape& s = job.shape;
  const int64_t columns = ColumnCount(s);
  const int64_t cout_g = s.c_out / s.group;
  const int64_t out_pixels = s.out_h * s.out_w;
  const int64_t tile_pixels = TilePixels<T>(columns, out_pixels);
  T* tile = ThreadBuffer<T, 0>(tile_pixels * columns);
  if (job.sample) {
    SampleTile(job, tile, ThreadBuffer<T, 1>(tile_pixels * (2 + Corners<T>::kWeights)),
               ThreadBuffer<int64_t, 4>(tile_pixels * Corners<T>::kOffsets));
  }

  // y's tile as the GEMM's column-major result: row = pixel, column = output channel.
  T* y = job.data.y + (job.n * s.c_out + job.g * cout_g) * out_pixels + job.p0;
  const T* bias = job.data.bias ? job.data.bias + job.g * cout_g : nullptr;
  for (int64_t o = 0; o < cout_g; ++o) std::fill(y + o * out_pixels, y + o * out_pixels + job.count, bias ? bias[o] : T(0));
  Gemm::MultiplyAdd(tile, columns, job.count, columns, job.packed + job.g * PackedGroupSize(s), cout_g, y, out_pixels,
                    ThreadBuffer<T, 2>(Gemm::ScratchSize(tile_pixels)));
}

template <typename T>
void PackWeights(const WeightJob<T>& job) {
  using Gemm = PanelGemm<T>;
  static_assert(kPackChannels % Gemm::kNr == 0, "a packing task must start on a GEMM panel");
  const DeformConv2dShape& s = job.shape;
  const int64_t cg = s.c_in / s.group, points = s.kernel_h * s.kernel_w;
  const int64_t columns = points * cg, cout_g = s.c_out / s.group;
  // The task's output channels as GEMM columns: (C_in / group, kH * kW) -> (kH * kW, C_in / group).
  T* permuted = ThreadBuffer<T, 3>(job.count * columns);
  for (int64_t o = 0; o < job.count; ++o) {
    const T* src = job.weight + (job.g * cout_g + job.o0 + o) * columns;
    T* dst = permuted + o * columns;
    for (int64_t c = 0; c < cg; ++c) {
      for (int64_t k = 0; k < points; ++k) dst[k * cg + c] = src[c * points + k];
    }
  }
  Gemm::PackRhs(permuted, columns, columns, cout_g, job.o0, job.count, job.packed + job.g * PackedGroupSize(s));
}

template <typename T>
TileBuild<T> Build() {
  return {RunTile<T>, PackWeights<T>, ToNhwc<T>};
}

template TileBuild<float> Build<float>();
template TileBuild<double> Build<double>();

}  // namespace symreg::kernels::SYMREG_ISA
