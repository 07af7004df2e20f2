// The hot loop of deform_conv2d: bilinear sampling into a column tile, then one GEMM.
// Included once per instruction set (deform_conv2d_tile.cc, deform_conv2d_tile_avx2.cc),
// each defining SYMREG_ISA, the namespace that keeps the copies apart.
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

// The column tile of the calling thread, reused by every later tile it runs.
// Why thread-local rather than per-call scratch from ORT's allocator: a parallel-for
// task is not told which worker runs it, so per-call scratch would need one buffer per
// task (the whole column matrix again) or a lock. A thread runs one tile at a time and a
// tile never re-enters the kernel, so no two tiles ever share a buffer, whichever
// sessions or threads call Compute concurrently. The cost is one tile (~kTileBytes,
// more only for very wide kernels) per thread that has run this kernel, freed when the
// thread exits; new elements are zero, which is what kSkipSampling multiplies.
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

template <typename T>
void Accumulate(T* __restrict dst, const T* __restrict a, T w, int64_t len) {
  for (int64_t i = 0; i < len; ++i) dst[i] += w * a[i];
}

// One sample of `len` channels starting at channel c0 into dst, as torchvision's
// bilinear_interpolate: zero unless -1 < y < H and -1 < x < W (NaN included), and
// corners outside the image count as zero. The mask is folded into the weights.
template <typename T>
void Sample(const TileJob<T>& job, const T* image, T y, T x, T m, int64_t c0, int64_t len, T* dst) {
  const DeformConv2dShape& s = job.shape;
  const int64_t h = s.height, w = s.width, c = s.c_in;
  if (!(y > T(-1) && y < T(h) && x > T(-1) && x < T(w))) {
    std::fill(dst, dst + len, T(0));
    return;
  }
  // In range, so the floors lie in [-1, H - 1] and [-1, W - 1]: no overflow on conversion.
  const int64_t y0 = static_cast<int64_t>(std::floor(y));
  const int64_t x0 = static_cast<int64_t>(std::floor(x));
  const T ly = y - T(y0), lx = x - T(x0);
  const T hy = T(1) - ly, hx = T(1) - lx;
  const T w00 = hy * hx * m, w01 = hy * lx * m, w10 = ly * hx * m, w11 = ly * lx * m;
  const bool top = y0 >= 0, bottom = y0 + 1 < h, left = x0 >= 0, right = x0 + 1 < w;
  const auto at = [&](int64_t yy, int64_t xx) { return image + (yy * w + xx) * c + c0; };
  if (top && bottom && left && right) {
    Blend4(dst, at(y0, x0), at(y0, x0 + 1), at(y0 + 1, x0), at(y0 + 1, x0 + 1), w00, w01, w10, w11, len);
    return;
  }
  // Border: only the corners inside the image are read.
  std::fill(dst, dst + len, T(0));
  if (top && left) Accumulate(dst, at(y0, x0), w00, len);
  if (top && right) Accumulate(dst, at(y0, x0 + 1), w01, len);
  if (bottom && left) Accumulate(dst, at(y0 + 1, x0), w10, len);
  if (bottom && right) Accumulate(dst, at(y0 + 1, x0 + 1), w11, len);
}

// Fills the (count x columns) tile: row r is output pixel p0 + r, column k * Cg + c is
// kernel point k of channel g * Cg + c.
template <typename T>
void SampleTile(const TileJob<T>& job, T* tile) {
  const DeformConv2dShape& s = job.shape;
  const int64_t cg = s.c_in / s.group, c_og = s.c_in / s.offset_group;
  const int64_t points = s.kernel_h * s.kernel_w;
  const int64_t columns = points * cg;
  const int64_t out_pixels = s.out_h * s.out_w;
  const T* image = job.x_nhwc + job.n * s.height * s.width * s.c_in;
  const T* offset = job.data.offset + job.n * s.offset_group * 2 * points * out_pixels;
  const T* mask = job.data.mask ? job.data.mask + job.n * s.offset_group * points * out_pixels : nullptr;
  // This conv group's channels [c_begin, c_end) fall into offset groups og_first..og_last.
  const int64_t c_begin = job.g * cg, c_end = c_begin + cg;
  const int64_t og_first = c_begin / c_og, og_last = (c_end - 1) / c_og;
  for (int64_t r = 0; r < job.count; ++r) {
    const int64_t p = job.p0 + r;
    const int64_t oy = p / s.out_w, ox = p % s.out_w;
    T* row = tile + r * columns;
    for (int64_t i = 0; i < s.kernel_h; ++i) {
      const int64_t base_y = oy * s.stride_h - s.pad_top + i * s.dilation_h;
      for (int64_t j = 0; j < s.kernel_w; ++j) {
        const int64_t base_x = ox * s.stride_w - s.pad_left + j * s.dilation_w;
        const int64_t k = i * s.kernel_w + j;
        for (int64_t og = og_first; og <= og_last; ++og) {
          const int64_t c0 = std::max(c_begin, og * c_og), c1 = std::min(c_end, (og + 1) * c_og);
          const T dy = offset[(og * 2 * points + 2 * k) * out_pixels + p];
          const T dx = offset[(og * 2 * points + 2 * k + 1) * out_pixels + p];
          const T m = mask ? mask[(og * points + k) * out_pixels + p] : T(1);
          Sample(job, image, T(base_y) + dy, T(base_x) + dx, m, c0, c1 - c0, row + k * cg + (c0 - c_begin));
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
  T* tile = ThreadTile<T>(TilePixels<T>(columns, out_pixels) * columns);
  if (job.sample) SampleTile(job, tile);

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
