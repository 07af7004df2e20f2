#include "kernels/vision/deform_conv2d.h"

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <string>
#include <vector>

#include "kernels/common/shape_text.h"
#include "kernels/vision/deform_conv2d_tile.h"

namespace symreg::kernels {
namespace {

// Pixels per transpose task: a few hundred kilobytes of copying, enough to amortise a
// pool dispatch (a weight-packing task takes kPackChannels output channels).
constexpr int64_t kTransposePixels = 1024;

// *out = product (or sum) of non-negative factors; false when it overflows int64.
bool Mul(std::initializer_list<int64_t> factors, int64_t* out) {
  int64_t p = 1;
  for (int64_t f : factors) {
    if (__builtin_mul_overflow(p, f, &p)) return false;
  }
  *out = p;
  return true;
}

bool Add(std::initializer_list<int64_t> terms, int64_t* out) {
  int64_t sum = 0;
  for (int64_t t : terms) {
    if (__builtin_add_overflow(sum, t, &sum)) return false;
  }
  *out = sum;
  return true;
}

}  // namespace

std::string CheckDeformConv2dAttrs(const DeformConv2dAttrs& a) {
  if (a.strides.size() != 2) return "strides must have 2 values (h, w), got " + ShapeText(a.strides);
  if (a.pads.size() != 4) return "pads must have 4 values (top, left, bottom, right), got " + ShapeText(a.pads);
  if (a.dilations.size() != 2) return "dilations must have 2 values (h, w), got " + ShapeText(a.dilations);
  const auto positive = [](const std::vector<int64_t>& v) { return std::all_of(v.begin(), v.end(), [](int64_t e) { return e > 0; }); };
  if (!positive(a.strides)) return "strides must be positive, got " + ShapeText(a.strides);
  if (!positive(a.dilations)) return "dilations must be positive, got " + ShapeText(a.dilations);
  if (std::any_of(a.pads.begin(), a.pads.end(), [](int64_t e) { return e < 0; })) {
    return "pads must be non-negative, got " + ShapeText(a.pads);
  }
  if (a.group <= 0) return "group must be positive, got " + std::to_string(a.group);
  if (a.offset_group <= 0) return "offset_group must be positive, got " + std::to_string(a.offset_group);
  if (!a.kernel_shape.empty() && a.kernel_shape.size() != 2) {
    return "kernel_shape must have 2 values (kH, kW), got " + ShapeText(a.kernel_shape);
  }
  if (!positive(a.kernel_shape)) return "kernel_shape must be positive, got " + ShapeText(a.kernel_shape);
  return "";
}

namespace {

std::string CheckRank(const char* name, const std::vector<int64_t>& dims, size_t rank, const char* layout) {
  if (dims.size() != rank) {
    return std::string(name) + " must be " + std::to_string(rank) + "-D " + layout + ", got shape " + ShapeText(dims);
  }
  if (std::any_of(dims.begin(), dims.end(), [](int64_t d) { return d < 0; })) {
    return std::string(name) + " has a negative dimension: " + ShapeText(dims);
  }
  return "";
}

constexpr int64_t kOverflow = -2;

// out = (in + pad_begin + pad_end - dilation * (kernel - 1) - 1) / stride + 1; -1 when
// that is <= 0, kOverflow when a term overflows int64.
int64_t OutputSize(int64_t in, int64_t pad_begin, int64_t pad_end, int64_t dilation, int64_t kernel, int64_t stride) {
  int64_t span = 0, padded = 0;
  if (!Mul({dilation, kernel - 1}, &span) || !Add({in, pad_begin, pad_end}, &padded)) return kOverflow;
  const int64_t room = padded - span - 1;  // both sides non-negative: no overflow
  return room < 0 ? -1 : room / stride + 1;
}

// offset or mask: (N, channels, out_h, out_w).
std::string CheckPerPixel(const char* name, const std::vector<int64_t>& dims, const DeformConv2dShape& s,
                          int64_t channels, const char* formula) {
  if (dims[0] != s.n) return std::string(name) + " has batch size " + std::to_string(dims[0]) + "; expected N = " + std::to_string(s.n);
  if (dims[1] != channels) {
    return std::string(name) + " has " + std::to_string(dims[1]) + " channels; expected " + formula + " = " + std::to_string(channels);
  }
  if (dims[2] != s.out_h || dims[3] != s.out_w) {
    return std::string(name) + " has spatial size " + ShapeText({dims[2], dims[3]}) + "; expected the output size " +
           ShapeText({s.out_h, s.out_w});
  }
  return "";
}

}  // namespace

std::string CheckDeformConv2d(const std::vector<int64_t>& x, const std::vector<int64_t>& weight,
                              const std::vector<int64_t>& offset, const std::vector<int64_t>* mask,
                              const std::vector<int64_t>* bias, const DeformConv2dAttrs& attrs,
                              DeformConv2dShape* shape) {
  std::string problem = CheckDeformConv2dAttrs(attrs);
  if (problem.empty()) problem = CheckRank("X", x, 4, "(N, C_in, H, W)");
  if (problem.empty()) problem = CheckRank("W", weight, 4, "(C_out, C_in / group, kH, kW)");
  if (problem.empty()) problem = CheckRank("offset", offset, 4, "(N, 2 * offset_group * kH * kW, out_h, out_w)");
  if (problem.empty() && mask) problem = CheckRank("mask", *mask, 4, "(N, offset_group * kH * kW, out_h, out_w)");
  if (problem.empty() && bias) problem = CheckRank("B", *bias, 1, "(C_out)");
  if (!problem.empty()) return problem;

  DeformConv2dShape s;
  s.n = x[0], s.c_in = x[1], s.height = x[2], s.width = x[3];
  s.c_out = weight[0], s.kernel_h = weight[2], s.kernel_w = weight[3];
  s.stride_h = attrs.strides[0], s.stride_w = attrs.strides[1];
  s.pad_top = attrs.pads[0], s.pad_left = attrs.pads[1];
  s.dilation_h = attrs.dilations[0], s.dilation_w = attrs.dilations[1];
  s.group = attrs.group, s.offset_group = attrs.offset_group;
  s.has_mask = mask != nullptr, s.has_bias = bias != nullptr;
  const std::string c_in = "C_in = " + std::to_string(s.c_in) + " (X dim 1)";
  if (s.c_in == 0) return "X has no channels (C_in = 0)";
  if (s.kernel_h == 0 || s.kernel_w == 0) return "W has an empty kernel: kH x kW = " + ShapeText({s.kernel_h, s.kernel_w});
  if (!attrs.kernel_shape.empty() && (attrs.kernel_shape[0] != s.kernel_h || attrs.kernel_shape[1] != s.kernel_w)) {
    return "kernel_shape " + ShapeText(attrs.kernel_shape) + " differs from W's kernel (dims 2, 3) " +
           ShapeText({s.kernel_h, s.kernel_w});
  }
  if (s.c_in % s.group) return c_in + " is not divisible by group = " + std::to_string(s.group);
  if (s.c_in % s.offset_group) return c_in + " is not divisible by offset_group = " + std::to_string(s.offset_group);
  if (weight[1] != s.c_in / s.group) {
    return "W has " + std::to_string(weight[1]) + " input channels (dim 1); expected C_in / group = " +
           std::to_string(s.c_in) + " / " + std::to_string(s.group) + " = " + std::to_string(s.c_in / s.group);
  }
  if (s.c_out % s.group) {
    return "C_out = " + std::to_string(s.c_out) + " (W dim 0) is not divisible by group = " + std::to_string(s.group);
  }
  if (bias && (*bias)[0] != s.c_out) {
    return "B has " + std::to_string((*bias)[0]) + " values; expected C_out = " + std::to_string(s.c_out);
  }
  s.out_h = OutputSize(s.height, s.pad_top, attrs.pads[2], s.dilation_h, s.kernel_h, s.stride_h);
  s.out_w = OutputSize(s.width, s.pad_left, attrs.pads[3], s.dilation_w, s.kernel_w, s.stride_w);
  if (s.out_h == kOverflow || s.out_w == kOverflow) {
    return "output size overflows int64: pads " + ShapeText(attrs.pads) + ", dilations " + ShapeText(attrs.dilations);
  }
  if (s.out_h <= 0 || s.out_w <= 0) {
    return "output size would be <= 0: input " + ShapeText({s.height, s.width}) + ", kernel " +
           ShapeText({s.kernel_h, s.kernel_w}) + ", pads " + ShapeText(attrs.pads) + ", dilations " + ShapeText(attrs.dilations) +
           ", strides " + ShapeText(attrs.strides);
  }
  int64_t points = 0, offset_channels = 0, mask_channels = 0, sizes[5];
  if (!Mul({s.kernel_h, s.kernel_w}, &points) || !Mul({2, s.offset_group, points}, &offset_channels) ||
      !Mul({s.offset_group, points}, &mask_channels)) {
    return "offset_group * kH * kW overflows int64";
  }
  problem = CheckPerPixel("offset", offset, s, offset_channels, "2 * offset_group * kH * kW");
  if (problem.empty() && mask) problem = CheckPerPixel("mask", *mask, s, mask_channels, "offset_group * kH * kW");
  if (!problem.empty()) return problem;
  // Every index the kernel forms is below one of these (the workspace is the NHWC copy of
  // X plus the permuted W).
  if (!Mul({s.n, s.c_out, s.out_h, s.out_w}, &sizes[0]) || !Mul({s.n, s.c_in, s.height, s.width}, &sizes[1]) ||
      !Mul({s.n, offset_channels, s.out_h, s.out_w}, &sizes[2]) || !Mul({s.c_out, s.c_in, points}, &sizes[3]) ||
      !Add({sizes[1], sizes[3]}, &sizes[4]) || !Mul({sizes[4], 2 * static_cast<int64_t>(sizeof(double))}, &sizes[4])) {
    return "tensor sizes overflow int64";
  }
  *shape = s;
  return "";
}

template <typename T>
PackedDeformConv2dWeights<T>::PackedDeformConv2dWeights(const std::vector<int64_t>& weight_shape, const T* weight,
                                                        int64_t group, CpuIsa isa)
    : weight_shape_(weight_shape), group_(group), isa_(isa) {
  const auto positive = [](int64_t d) { return d > 0; };
  if (weight == nullptr || weight_shape.size() != 4 || !std::all_of(weight_shape.begin(), weight_shape.end(), positive) ||
      group <= 0 || weight_shape[0] % group != 0) {
    return;
  }
  DeformConv2dShape s;  // the sizes that packing reads
  s.c_out = weight_shape[0], s.kernel_h = weight_shape[2], s.kernel_w = weight_shape[3];
  s.group = group;
  if (__builtin_mul_overflow(weight_shape[1], group, &s.c_in)) return;
  data_ = AllocateAligned<T>(group * PackedGroupSize(s));
  const TileBuild<T> build = TileBuildFor<T>(isa);
  for (int64_t task = 0; task < WeightTasks(s); ++task) build.pack_weights(WeightTask(s, weight, data_.get(), task));
}

template <typename T>
bool PackedDeformConv2dWeights<T>::Fits(const DeformConv2dShape& s, CpuIsa isa) const {
  // Same build: the packing follows its GEMM's panels.
  return !empty() && s.group == group_ && s.c_out == weight_shape_[0] && s.c_in / s.group == weight_shape_[1] &&
         s.kernel_h == weight_shape_[2] && s.kernel_w == weight_shape_[3] &&
         TileBuildFor<T>(isa).pack_weights == TileBuildFor<T>(isa_).pack_weights;
}

template <typename T>
int64_t DeformConv2d<T>::WorkspaceSize(const DeformConv2dShape& s, CpuIsa isa, const PackedDeformConv2dWeights<T>* packed) {
  const int64_t pack_room = packed && packed->Fits(s, isa) ? 0 : s.group * PackedGroupSize(s);
  return pack_room + s.n * s.c_in * s.height * s.width + s.c_in;  // + the zero row
}

template <typename T>
DeformConv2d<T>::DeformConv2d(const DeformConv2dShape& shape, const DeformConv2dData<T>& data, T* workspace,
                              Mode mode, CpuIsa isa, const PackedDeformConv2dWeights<T>* packed)
    : shape_(shape), data_(data), mode_(mode), isa_(isa) {
  const int64_t pixels = shape.height * shape.width;
  const bool prepacked = packed && packed->Fits(shape, isa);
  pack_into_ = prepacked ? nullptr : workspace;  // first: as aligned as the workspace
  weight_ = prepacked ? packed->data() : workspace;
  x_nhwc_ = prepacked ? workspace : workspace + shape.group * PackedGroupSize(shape);
  std::fill_n(x_nhwc_ + shape.n * shape.c_in * pixels, shape.c_in, T(0));  // the row that corners outside read
  const int64_t out_pixels = shape.out_h * shape.out_w;
  tile_ = TilePixels<T>(ColumnCount(shape), out_pixels);
  tiles_ = tile_ > 0 ? (out_pixels + tile_ - 1) / tile_ : 0;
  const bool work = shape.n > 0 && shape.c_out > 0 && out_pixels > 0;
  prepare_x_tasks_ = work && mode == Mode::kFull ? shape.n * ((pixels + kTransposePixels - 1) / kTransposePixels) : 0;
  prepare_w_tasks_ = work && !prepacked ? WeightTasks(shape) : 0;
  if (!work) tiles_ = 0;
}

template <typename T>
void DeformConv2d<T>::Prepare(int64_t task) const {
  const DeformConv2dShape& s = shape_;
  if (task < prepare_x_tasks_) {
    const int64_t pixels = s.height * s.width;
    const int64_t per_image = prepare_x_tasks_ / s.n;
    const int64_t n = task / per_image;
    const int64_t p0 = (task % per_image) * kTransposePixels;
    const int64_t count = std::min(kTransposePixels, pixels - p0);
    TileBuildFor<T>(isa_).to_nhwc(data_.x + n * s.c_in * pixels + p0, pixels, s.c_in, count,
                                  x_nhwc_ + (n * pixels + p0) * s.c_in, s.c_in);
    return;
  }
  TileBuildFor<T>(isa_).pack_weights(WeightTask(s, data_.weight, pack_into_, task - prepare_x_tasks_));
}

template <typename T>
void DeformConv2d<T>::Run(int64_t task) const {
  const int64_t tile_index = task % tiles_;
  const int64_t g = (task / tiles_) % shape_.group;
  const int64_t n = task / (tiles_ * shape_.group);
  const int64_t out_pixels = shape_.out_h * shape_.out_w;
  const int64_t p0 = tile_index * tile_;
  const TileJob<T> job{shape_, data_, x_nhwc_, weight_, n, g, p0, std::min(tile_, out_pixels - p0),
                       mode_ == Mode::kFull};
  TileBuildFor<T>(isa_).run_tile(job);
}

template class PackedDeformConv2dWeights<float>;
template class PackedDeformConv2dWeights<double>;
template class DeformConv2d<float>;
template class DeformConv2d<double>;

}  // namespace symreg::kernels
