// The hot loop of deform_conv2d: bilinear sampling into a column tile, then one GEMM.
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

#include "kernels/vision/deform_conv2d_tile.h"

namespace symreg::kernels::SYMREG_ISA {
namespace {

// The column tile of the calling thread (and the per-pixel arrays of its sampling),
// reused by every later tile it runs.
// Why thread-local rather than per-call scratch from ORT's allocator: a parallel-for
// task is not told which worker runs it, so per-call scratch would need one buffer per
// task (the whole column matrix again) or a lock. A thread runs one tile at a time and a
// tile never re-enters the kernel, so no two tiles ever share a buffer, whichever
// sessions or threads call Compute concurrently. The cost is one tile (~kTileBytes,
// more only for very wide kernels) and 10 values per tile pixel, per thread that has run
// this kernel, freed when the thread exits; new elements are zero, which is what
// kSkipSampling multiplies.
template <typename T>
T* ThreadTile(int64_t count) {
  thread_local std::vector<T, Eigen::aligned_allocator<T>> tile;
  if (static_cast<int64_t>(tile.size()) < count) tile.resize(static_cast<size_t>(count));
  return tile.data();
}

template <typename T>
void Blend4(T* __restrict dst, const T* __restrict a, const T* __restrict b, const T* __restrict c,
            const T* __restrict d, T wa, T wb, T wc, T wd, int64_t len) {
  for (int64_t i = 0; i < len; ++i) dst[i] = wa * a[i] + wb * b[i] + wc * c[i] + wd * d[i];
}

// Bilinear sampling of one (kernel point, offset group) for every pixel of a tile, in two
// passes. The first, over pixels (structure of arrays, contiguous offset and mask reads,
// no branches: it vectorises), turns positions into four corner weights, zero for corners
// outside the image (the mask folded in), and corner coordinates clamped into the image.
// The second blends the channels of the four corner rows (NHWC: contiguous) per pixel.
// Same values as torchvision's bilinear_interpolate: a sample is zero unless
// -1 < y < H and -1 < x < W (NaN and infinities included).
template <typename T>
struct Corners {
  T *w00, *w01, *w10, *w11;        // weights of the corners (top/bottom, left/right)
  T *top, *bottom, *left, *right;  // corner coordinates clamped into the image (whole numbers)

  static constexpr int64_t kArrays = 8;
  // Carves the kArrays arrays of `count` elements out of scratch.
  Corners(T* scratch, int64_t count)
      : w00(scratch), w01(w00 + count), w10(w01 + count), w11(w10 + count),
        top(w11 + count), bottom(top + count), left(bottom + count), right(left + count) {}
};

template <typename T>
void CornerPass(const T* __restrict base_y, const T* __restrict base_x, T ky, T kx, const T* __restrict dy,
                const T* __restrict dx, const T* __restrict mask, T height, T width, int64_t count,
                const Corners<T>& out) {
  // Restrict-qualified copies: without them GCC assumes the outputs may alias and does
  // not vectorise.
  T* __restrict w00 = out.w00;
  T* __restrict w01 = out.w01;
  T* __restrict w10 = out.w10;
  T* __restrict w11 = out.w11;
  T* __restrict top = out.top;
  T* __restrict bottom = out.bottom;
  T* __restrict left = out.left;
  T* __restrict right = out.right;
  for (int64_t r = 0; r < count; ++r) {
    // base + k is a whole number, exact in T (below 2^24): y rounds as torchvision's does.
    T y = (base_y[r] + ky) + dy[r], x = (base_x[r] + kx) + dx[r];
    const bool inside = y > T(-1) && y < height && x > T(-1) && x < width;
    const T m = inside ? (mask ? mask[r] : T(1)) : T(0);
    y = inside ? y : T(0);  // finite, in range: the weights below stay finite (times m = 0)
    x = inside ? x : T(0);
    const T y0 = std::floor(y), x0 = std::floor(x);
    const T ly = y - y0, lx = x - x0;
    // Corners outside the image: y0 = -1 (top), y0 + 1 = H (bottom), likewise in x.
    const T hy = y0 >= T(0) ? (T(1) - ly) * m : T(0);
    const T vy = y0 + T(1) < height ? ly * m : T(0);
    const T hx = x0 >= T(0) ? T(1) - lx : T(0);
    const T vx = x0 + T(1) < width ? lx : T(0);
    w00[r] = hy * hx, w01[r] = hy * vx, w10[r] = vy * hx, w11[r] = vy * vx;
    top[r] = std::max(y0, T(0)), bottom[r] = std::min(y0 + T(1), height - T(1));
    left[r] = std::max(x0, T(0)), right[r] = std::min(x0 + T(1), width - T(1));
  }
}

// Fills the (count x columns) tile: row r is output pixel p0 + r, column k * Cg + c is
// kernel point k of channel g * Cg + c. scratch holds (2 + Corners::kArrays) * count.
template <typename T>
void SampleTile(const TileJob<T>& job, T* tile, T* scratch) {
  const DeformConv2dShape& s = job.shape;
  const int64_t cg = s.c_in / s.group, c_og = s.c_in / s.offset_group;
  const int64_t points = s.kernel_h * s.kernel_w;
  const int64_t columns = points * cg;
  const int64_t out_pixels = s.out_h * s.out_w;
  const int64_t count = job.count;
  if (s.height == 0 || s.width == 0) {  // padding alone: every sample is outside, zero
    std::fill(tile, tile + count * columns, T(0));
    return;
  }
  const T* image = job.x_nhwc + job.n * s.height * s.width * s.c_in;
  const T* offset = job.data.offset + job.n * s.offset_group * 2 * points * out_pixels + job.p0;
  const T* mask = job.data.mask ? job.data.mask + job.n * s.offset_group * points * out_pixels + job.p0 : nullptr;
  // This conv group's channels [c_begin, c_end) fall into offset groups og_first..og_last.
  const int64_t c_begin = job.g * cg, c_end = c_begin + cg;
  const int64_t og_first = c_begin / c_og, og_last = (c_end - 1) / c_og;
  // Kernel point (0, 0) of each pixel, before the offset: whole numbers.
  T* base_y = scratch;
  T* base_x = scratch + count;
  for (int64_t r = 0; r < count; ++r) {
    const int64_t p = job.p0 + r;
    base_y[r] = T((p / s.out_w) * s.stride_h - s.pad_top);
    base_x[r] = T((p % s.out_w) * s.stride_w - s.pad_left);
  }
  const Corners<T> corners(scratch + 2 * count, count);
  for (int64_t i = 0; i < s.kernel_h; ++i) {
    for (int64_t j = 0; j < s.kernel_w; ++j) {
      const int64_t k = i * s.kernel_w + j;
      for (int64_t og = og_first; og <= og_last; ++og) {
        const int64_t c0 = std::max(c_begin, og * c_og), len = std::min(c_end, (og + 1) * c_og) - c0;
        const T* dy = offset + (og * 2 * points + 2 * k) * out_pixels;
        const T* m = mask ? mask + (og * points + k) * out_pixels : nullptr;
        CornerPass(base_y, base_x, T(i * s.dilation_h), T(j * s.dilation_w), dy, dy + out_pixels, m, T(s.height),
                   T(s.width), count, corners);
        T* dst = tile + k * cg + (c0 - c_begin);
        // Clamped again as integers: for H or W above 2^24 a float H - 1 can round up.
        const auto row_at = [&](T y) {
          return image + std::min(static_cast<int64_t>(y), s.height - 1) * s.width * s.c_in + c0;
        };
        const auto column = [&](T x) { return std::min(static_cast<int64_t>(x), s.width - 1) * s.c_in; };
        for (int64_t r = 0; r < count; ++r, dst += columns) {
          const T *top = row_at(corners.top[r]), *bottom = row_at(corners.bottom[r]);
          const int64_t left = column(corners.left[r]), right = column(corners.right[r]);
          Blend4(dst, top + left, top + right, bottom + left, bottom + right, corners.w00[r], corners.w01[r],
                 corners.w10[r], corners.w11[r], len);
        }
      }
    }
  }
}

}  // namespace

template <typename T>
void RunTile(const TileJob<T>& job) {
  using RowMajor = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  using Vector = Eigen::Matrix<T, Eigen::Dynamic, 1>;
  const DeformConv2dShape& s = job.shape;
  const int64_t columns = ColumnCount(s);
  const int64_t cout_g = s.c_out / s.group;
  const int64_t out_pixels = s.out_h * s.out_w;
  const int64_t tile_pixels = TilePixels<T>(columns, out_pixels);
  T* tile = ThreadTile<T>(tile_pixels * (columns + 2 + Corners<T>::kArrays));
  if (job.sample) SampleTile(job, tile, tile + tile_pixels * columns);

  const Eigen::Map<const RowMajor> weight(job.weight + job.g * cout_g * columns, cout_g, columns);
  const Eigen::Map<const RowMajor> cols(tile, job.count, columns);
  Eigen::Map<RowMajor, 0, Eigen::OuterStride<>> y(job.data.y + (job.n * s.c_out + job.g * cout_g) * out_pixels + job.p0,
                                                  cout_g, job.count, Eigen::OuterStride<>(out_pixels));
  y.noalias() = weight * cols.transpose();
  if (job.data.bias) y.colwise() += Eigen::Map<const Vector>(job.data.bias + job.g * cout_g, cout_g);
}

template void RunTile<float>(const TileJob<float>&);
template void RunTile<double>(const TileJob<double>&);

}  // namespace symreg::kernels::SYMREG_ISA
