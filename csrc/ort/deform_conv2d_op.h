// symreg::DeformConv2d (domain "symreg", version 1), float and double:
// torchvision.ops.deform_conv2d, i.e. ONNX DeformConv with torchvision's input order.
//   inputs  X (N, C_in, H, W), W (C_out, C_in / group, kH, kW),
//           offset (N, 2 * offset_group * kH * kW, out_h, out_w),
//           mask (N, offset_group * kH * kW, out_h, out_w) optional, B (C_out) optional
//   output  Y (N, C_out, out_h, out_w)
//   attrs   strides [1, 1], pads [0, 0, 0, 0] (top, left, bottom, right),
//           dilations [1, 1], group 1, offset_group 1
#pragma once

#include "ort/ort_api.h"

namespace symreg::ort {

OpList DeformConv2dOps();

}  // namespace symreg::ort
