// Deformable 2-D convolution (DCNv1 / DCNv2): torchvision.ops.deform_conv2d, which is
// ONNX DeformConv (opset 19) with the mask and bias inputs in torchvision's order.
//
//   x       (N, C_in, H, W)
//   weight  (C_out, C_in / group, kH, kW)
//   offset  (N, 2 * offset_group * kH * kW, out_h, out_w): (dy, dx) per kernel point
//   mask    (N, offset_group * kH * kW, out_h, out_w), optional (DCNv2 modulation)
//   bias    (C_out), optional
//   y       (N, C_out, out_h, out_w), out = (in + pad_begin + pad_end - dil * (k - 1) - 1) / stride + 1
//
// Kernel point (i, j) of output pixel (oy, ox) samples the input at
// (oy * stride_h - pad_top + i * dil_h + dy, ox * stride_w - pad_left + j * dil_w + dx)
// bilinearly, with zeros outside the image (torchvision's CPU kernel, point for point).
// Channel c uses the offsets and mask of offset group c / (C_in / offset_group).
#pragma once

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "kernels/common/aligned.h"
#include "kernels/common/cpu_isa.h"

namespace symreg::kernels {

// The op's attributes as ONNX DeformConv spells them.
struct DeformConv2dAttrs {
  std::vector<int64_t> strides{1, 1};       // (h, w), > 0
  std::vector<int64_t> pads{0, 0, 0, 0};    // (top, left, bottom, right), >= 0
  std::vector<int64_t> dilations{1, 1};     // (h, w), > 0
  int64_t group = 1;                        // > 0, divides C_in and C_out
  int64_t offset_group = 1;                 // > 0, divides C_in
  std::vector<int64_t> kernel_shape;        // (kH, kW), > 0, W's; empty: taken from W (optional in ONNX)
};

// Checks the attributes alone (what a runtime can check once, when the kernel is
// created). Returns "" when they are valid; otherwise the problem in words, naming the
// attribute and its value, e.g. "strides must be positive, got [0, 1]".
std::string CheckDeformConv2dAttrs(const DeformConv2dAttrs& attrs);

// The sizes of one call, consistent with each other (made by CheckDeformConv2d).
struct DeformConv2dShape {
  int64_t n = 0, c_in = 0, height = 0, width = 0;
  int64_t c_out = 0, kernel_h = 0, kernel_w = 0;
  int64_t out_h = 0, out_w = 0;
  int64_t stride_h = 1, stride_w = 1, pad_top = 0, pad_left = 0, dilation_h = 1, dilation_w = 1;
  int64_t group = 1, offset_group = 1;
  bool has_mask = false, has_bias = false;

  std::vector<int64_t> OutputShape() const { return {n, c_out, out_h, out_w}; }
};

// Checks every shape and attribute before any pointer is touched. Returns "" and fills
// *shape when the call is valid; otherwise the problem in words (no prefix), e.g.
// "offset has 9 channels; expected 2 * offset_group * kH * kW = 18". mask and bias are
// null when absent.
std::string CheckDeformConv2d(const std::vector<int64_t>& x, const std::vector<int64_t>& weight,
                              const std::vector<int64_t>& offset, const std::vector<int64_t>* mask,
                              const std::vector<int64_t>* bias, const DeformConv2dAttrs& attrs,
                              DeformConv2dShape* shape);

template <typename T>
struct DeformConv2dData {
  const T* x = nullptr;
  const T* weight = nullptr;
  const T* offset = nullptr;
  const T* mask = nullptr;  // null when absent
  const T* bias = nullptr;  // null when absent
  T* y = nullptr;
};

// W packed for the kernel's GEMM once, for every later call with that W: what a runtime
// does with a constant weight (ORT: a W that is an initializer is packed at kernel
// creation). Packing is a permuting copy of W, ~1.5 ms per 10 MB: for 512 -> 512
// channels, 3x3, on a 7 x 7 image it is half of the call (2.9 ms, 1.3 ms packed before).
template <typename T>
class PackedDeformConv2dWeights {
 public:
  // Packs weight, of shape weight_shape = (C_out, C_in / group, kH, kW), for calls of
  // this conv group count run by isa's build. empty() when the shape and group do not
  // fit together (a call's own check then says what is wrong).
  PackedDeformConv2dWeights(const std::vector<int64_t>& weight_shape, const T* weight, int64_t group,
                            CpuIsa isa = DefaultCpuIsa());

  bool empty() const { return data_ == nullptr; }
  // Whether a call of this shape, run by isa's build, can use these packed weights.
  bool Fits(const DeformConv2dShape& shape, CpuIsa isa) const;
  const T* data() const { return data_.get(); }

 private:
  std::vector<int64_t> weight_shape_;
  int64_t group_;
  CpuIsa isa_;
  AlignedArray<T> data_{nullptr, &std::free};
};

// One call, cut into tasks for a parallel-for that the caller supplies (ORT's intra-op
// pool, or a plain loop): run every Prepare task, then every Run task, each set in any
// order and concurrently. Tasks share nothing mutable but disjoint parts of the
// workspace and of y. The caller provides the workspace (WorkspaceSize elements,
// aligned to kAlignBytes, e.g. from AllocateAligned).
template <typename T>
class DeformConv2d {
 public:
  // Benchmark aid: kSkipSampling leaves the column tiles unsampled, so Run is the
  // kernel's GEMM alone (on the same tiles and threads): a lower bound, wrong results.
  enum class Mode { kFull, kSkipSampling };

  // isa: the build of the tile code to run; one the CPU cannot run gives the best one
  // below it that it can. packed: W packed beforehand, used where it Fits the call
  // (then the workspace needs no room for packing W); null: W is packed by Prepare.
  DeformConv2d(const DeformConv2dShape& shape, const DeformConv2dData<T>& data, T* workspace,
               Mode mode = Mode::kFull, CpuIsa isa = DefaultCpuIsa(),
               const PackedDeformConv2dWeights<T>* packed = nullptr);

  // The workspace of a call; packed as the constructor will be given it.
  static int64_t WorkspaceSize(const DeformConv2dShape& shape, CpuIsa isa = DefaultCpuIsa(),
                               const PackedDeformConv2dWeights<T>* packed = nullptr);

  int64_t NumPrepareTasks() const { return prepare_x_tasks_ + prepare_w_tasks_; }
  void Prepare(int64_t task) const;
  int64_t NumTasks() const { return shape_.n * shape_.group * tiles_; }
  void Run(int64_t task) const;

 private:
  DeformConv2dShape shape_;
  DeformConv2dData<T> data_;
  Mode mode_;
  CpuIsa isa_;
  T* x_nhwc_;              // x as (N, H, W, C_in), then C_in zeros: a sample's channels are contiguous
  T* pack_into_;           // where Prepare packs W (null when given packed weights)
  const T* weight_;        // W packed for the tiles' GEMM (WeightJob in deform_conv2d_tile.h)
  int64_t tile_ = 0, tiles_ = 0;  // output pixels per column tile, tiles per image
  int64_t prepare_x_tasks_ = 0, prepare_w_tasks_ = 0;
};

}  // namespace symreg::kernels
