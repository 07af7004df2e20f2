"""torchvision's deform_conv2d as standard ONNX ops only: the "decomposition" lowering.

What: bilinear sampling of the input at every deformed kernel point, mask multiply, and a
grouped MatMul with the weight, all in standard ONNX ops valid from opset 16. Why: for
runtimes that load no custom-op library and predate ONNX ``DeformConv`` (opset 19).

How it maps to ``torchvision.ops.deform_conv2d``: kernel point (ky, kx) of output pixel
(oy, ox) in offset group o samples the input channels of that group at
``y = oy*stride_h - pad_h + ky*dil_h + dy`` and ``x = ox*stride_w - pad_w + kx*dil_w + dx``,
where (dy, dx) are offset channels ``o*2*kH*kW + 2*(ky*kW + kx) + (0, 1)``. torchvision's
``bilinear_interpolate`` is plain bilinear interpolation with zeros outside the image (its
early ``return 0`` for y <= -1, y >= H, x <= -1, x >= W gives what zero padding gives).
The samples, times mask channel ``o*kH*kW + ky*kW + kx``, form the column tensor
(N*offset_groups, C_in/offset_groups, kH*kW, oH*oW); a reshape, without any transpose, turns
it into (N, groups, C_in/groups*kH*kW, oH*oW), the layout the flattened weight
(groups, C_out/groups, C_in/groups*kH*kW) multiplies with one MatMul. N, H, W, oH and oW
are read from the tensors at run time, so dynamic batch and spatial sizes work.

Sampling, by dtype and opset:

- float32 (float16/bfloat16 are computed in float32), and float64 from opset 20: one
  ``GridSample`` (bilinear/linear, zeros, align_corners=0) over all kernel points, pixel
  positions normalised as ``(2p + 1)/size - 1``. That normalisation and GridSample's inverse
  of it round, moving sampling points by ~1 ulp of the position: measured max abs error vs
  torchvision 1.4e-6 on small images, 8e-6 on (1, 64, 128, 128) (float64: 1e-15).
- float64 below opset 20: ONNX Runtime (1.32) has no float64 ``GridSample`` kernel there
  (NOT_IMPLEMENTED), so sampling is rebuilt from ``Floor``, one ``GatherND`` of the four
  corners of every point from a zero-padded input and a weighted ``ReduceSum``: torchvision's
  own formula, measured max abs error 4e-16 on small images, 8e-15 on large ones.

Non-finite values: as torchvision's, NaN and inf positions included, for samples outside the
image (sampled as 0, the mask still multiplying them); a sample near the border reads the
border pixel as GridSample's rounding of its position decides (see above).

Ops: Shape, ConstantOfShape, CumSum, Concat, Reshape, Gather, Transpose, Add, Sub, Mul, Div,
CastLike, LessOrEqual, GreaterOrEqual, Or, Where, GridSample, MatMul (40 nodes per call); the
float64 path trades GridSample, Div for Cast, Pad, Min, Max, Floor, Unsqueeze, GatherND,
ReduceSum (68 nodes).

Cost: the column tensor (N*C_in*kH*kW*oH*oW elements) is materialised, then one GEMM. The
float64 path also holds its four corners (4x that) and transposes it once. ONNX Runtime's
native DeformConv and symreg's kernel tile the columns instead. Measured with ORT 1.32, 2
threads, (1, 64, 128, 128) 64->64 3x3 with mask: float32 37 ms (torchvision eager 212 ms);
float64 below opset 20: 207 ms (torchvision 217 ms).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from symreg import dtypes
from symreg.builder import Builder
from symreg.ops._helpers import cast, constant_like


def deform_conv2d(
    g: Builder,
    x: Any,
    weight: Any,
    offset: Any,
    mask: Any,
    bias: Any,
    *,
    stride: tuple[int, int],
    padding: tuple[int, int],
    dilation: tuple[int, int],
    groups: int,
    offset_groups: int,
    kernel: tuple[int, int],
    out_channels: int,
    in_channels: int,
) -> Any:
    """``torchvision.ops.deform_conv2d`` from standard ONNX ops (opset >= 16).

    x (N, C_in, H, W); weight (C_out, C_in/groups, kH, kW); offset (N, 2*offset_groups*kH*kW,
    oH, oW); mask (N, offset_groups*kH*kW, oH, oW) or None (DCNv1); bias (C_out,) or None.
    Returns (N, C_out, oH, oW) in x's dtype. The static ints come from the op's arguments
    and the weight's shape; N, H, W, oH and oW may be dynamic.
    """
    _check(stride, padding, dilation, groups, offset_groups, kernel, out_channels, in_channels)
    dtype = g.dtype(x)
    if dtype is not None and dtype.is_floating_point and dtype not in (torch.float32, torch.float64):
        # Computed in float32 and cast back, for the accuracy of the long column sums.
        x, weight, offset, mask, bias = (
            None if v is None else cast(g, v, torch.float32) for v in (x, weight, offset, mask, bias)
        )
        y = deform_conv2d(
            g, x, weight, offset, mask, bias, stride=stride, padding=padding, dilation=dilation, groups=groups,
            offset_groups=offset_groups, kernel=kernel, out_channels=out_channels, in_channels=in_channels,
        )  # fmt: skip
        return cast(g, y, dtype)

    k = kernel[0] * kernel[1]
    per_offset_group = in_channels // offset_groups
    out_hw = _spatial_size(g, offset)  # [oH, oW]
    # (N, 2*og*K, oH, oW) -> (N*og, K, 2, L = oH*oW); a 0 in a Reshape shape copies that input dim.
    off = g.op("Reshape", g.op("Reshape", offset, g.constant([0, 0, 1, -1])), g.constant([-1, k, 2, 0]))
    positions = g.op("Add", off, _base_positions(g, out_hw, stride, padding, dilation, kernel, like=x))
    positions = _outside_to_minus_two(g, positions, x)
    if mask is not None:  # (N, og*K, oH, oW) -> (N*og, K, 1, L)
        mask = g.op("Reshape", g.op("Reshape", mask, g.constant([0, 0, 1, -1])), g.constant([-1, k, 1, 0]))
    x = g.op("Reshape", x, g.constant([-1, per_offset_group, 0, 0]))  # (N*og, C_in/og, H, W)
    # ORT 1.32 runs float64 GridSample only from opset 20 on (NOT_IMPLEMENTED below).
    sample = _sample_linear if dtype == torch.float64 and g.opset < 20 else _sample_grid
    cols = sample(g, x, positions, mask, k, per_offset_group)  # (N*og, C_in/og, K, L)
    # (N*og, C_in/og, K, L) -> (N, groups, C_in/groups*K, L): same memory order, so a reshape.
    cols = g.op("Reshape", cols, g.constant([-1, groups, in_channels // groups * k, 0]))
    w = g.op("Reshape", weight, g.constant([groups, out_channels // groups, -1]))
    y = g.op("MatMul", w, cols)  # (N, groups, C_out/groups, L)
    y = g.op("Reshape", y, g.op("Concat", g.constant([-1, out_channels]), out_hw, axis=0))
    if bias is not None:
        y = g.op("Add", y, g.op("Reshape", bias, g.constant([-1, 1, 1])))
    return y


def _check(stride, padding, dilation, groups, offset_groups, kernel, out_channels, in_channels) -> None:
    def fail(what: str, value: Any, need: str) -> None:
        raise ValueError(f"torchvision::deform_conv2d (decomposition): {what} is {value}; {need}")

    if min(stride) < 1 or min(dilation) < 1:
        fail("stride, dilation", (stride, dilation), "both must be >= 1")
    if min(padding) < 0:
        fail("padding", padding, "it must be >= 0")
    if min(kernel) < 1:
        fail("kernel", kernel, "it must be >= 1")
    if groups < 1 or in_channels % groups or out_channels % groups:
        fail("groups", groups, f"it must divide in_channels {in_channels} and out_channels {out_channels}")
    if offset_groups < 1 or in_channels % offset_groups:
        fail("offset_groups", offset_groups, f"it must divide in_channels {in_channels}")


# Constants here are 1-d, never 0-d: 1-element 1-d constants broadcast like scalars and are
# safe from the TorchScript exporter's scalar type analysis, and a Gather with a 1-element
# index keeps its axis, which the shape arithmetic below relies on.


def _spatial_size(g: Builder, nchw: Any) -> Any:
    """[H, W] of an NCHW tensor. Not Shape(start=2): the TorchScript exporter's own shape
    inference ignores `start` and would declare the graph output with the wrong rank."""
    return g.op("Gather", g.op("Shape", nchw), g.constant([2, 3]))


def _base_positions(g: Builder, out_hw, stride, padding, dilation, kernel, *, like) -> Any:
    """Undeformed sampling positions (K, 2, L), (row, column) = o*stride - pad + k*dilation.

    ``CumSum`` over ones of shape (oH, oW) counts 1, 2, ... along an axis: every value is an
    integer, exact in any float type, so positions equal torchvision's to the last bit.
    """
    dtype = g.dtype(like)
    one = np.ones(1, dtype=np.float32 if dtype is None else dtypes.numpy_dtype(dtype))
    ones = g.op("ConstantOfShape", out_hw, value=one)
    if dtype is None:
        ones = g.op("CastLike", ones, like)
    counts = [g.op("Reshape", g.op("CumSum", ones, g.constant([axis])), g.constant([1, -1])) for axis in (0, 1)]
    counts = g.op("Mul", g.op("Concat", *counts, axis=0), constant_like(g, [[stride[0]], [stride[1]]], like))  # (2, L)
    k_y, k_x = np.meshgrid(np.arange(kernel[0]), np.arange(kernel[1]), indexing="ij")
    # counts start at 1, hence the minus stride; (K, 2, 1) + (2, L) -> (K, 2, L).
    per_k = np.stack([k_y.ravel(), k_x.ravel()], axis=1) * dilation - np.asarray(padding) - np.asarray(stride)
    return g.op("Add", counts, constant_like(g, per_k[:, :, None], like))


def _outside_to_minus_two(g: Builder, positions, x) -> Any:
    """positions (B, K, 2, L) with every coordinate outside (-1, size) moved to -2.

    torchvision's sample there is 0 (its early return), whatever the pixels hold. Both
    samplers below read 0 at -2 (its corners -2 and -1 are outside the image), but not at
    -1 or size exactly, where a zero weight multiplies pixel 0 or size - 1 of the image:
    0 * inf is NaN where torchvision's output is finite.
    """
    size = g.op("Reshape", g.op("CastLike", _spatial_size(g, x), x), g.constant([2, 1]))  # (2, 1): H, W
    outside = g.op("Or", g.op("LessOrEqual", positions, constant_like(g, [-1.0], x)),
                   g.op("GreaterOrEqual", positions, size))  # fmt: skip
    return g.op("Where", outside, constant_like(g, [-2.0], x), positions)


def _sample_grid(g: Builder, x, positions, mask, k: int, channels: int) -> Any:
    """(N*og, C/og, K, L) bilinear samples (times mask) with one GridSample.

    GridSample with align_corners=0 reads pixel p of a size-S axis at (2p + 1)/S - 1; it wants
    (x, y) pairs in a grid (N*og, K, L, 2).
    """
    half = constant_like(g, [0.5], x)
    half_wh = g.op("Mul", g.op("CastLike", g.op("Gather", g.op("Shape", x), g.constant([3, 2])), x), half)
    xy = g.op("Gather", g.op("Add", positions, half), g.constant([1, 0]), axis=2)  # (N*og, K, 2, L)
    grid = g.op("Sub", g.op("Div", g.op("Transpose", xy, perm=[0, 1, 3, 2]), half_wh), constant_like(g, [1.0], x))
    mode = "linear" if g.opset >= 20 else "bilinear"
    cols = g.op("GridSample", x, grid, mode=mode, padding_mode="zeros", align_corners=0)
    return cols if mask is None else g.op("Mul", cols, g.op("Reshape", mask, g.constant([0, 1, k, -1])))


def _sample_linear(g: Builder, x, positions, mask, k: int, channels: int) -> Any:
    """(N*og, C/og, K, L) bilinear samples (times mask) by gathering corners; any float dtype.

    torchvision's formula: corners floor(p) and floor(p) + 1 along each axis, weights
    1 - frac and frac, corners outside the image read 0. Positions outside the image are -2
    (:func:`_outside_to_minus_two`) and are clamped to [-2, size] besides; the input is
    zero-padded by 2 before and after each axis, so every corner index is in range and a
    sample outside reads padding only.
    """
    size = _spatial_size(g, x)  # [H, W]
    padded = g.op("Pad", x, g.constant([0, 0, 2, 2, 0, 0, 2, 2]))  # (B, C, H + 4, W + 4)
    rows = g.op("Reshape", g.op("Transpose", padded, perm=[0, 2, 3, 1]), g.constant([0, -1, channels]))
    limit = g.op("Reshape", g.op("CastLike", size, x), g.constant([2, 1]))
    p = g.op("Max", g.op("Min", positions, limit), constant_like(g, [-2.0], x))  # (B, K, 2, L)
    low = g.op("Floor", p)
    frac = g.op("Sub", p, low)
    one = constant_like(g, [1.0], x)
    # Bilinear weights (B, K, 4, L) of corners (y0, x0), (y0, x1), (y1, x0), (y1, x1), like
    # torchvision's v1..v4: the outer product of (1 - fy, fy) and (1 - fx, fx).
    w_yx = [g.op("Gather", frac, g.constant([axis]), axis=2) for axis in (0, 1)]  # (B, K, 1, L) each
    w_y, w_x = (g.op("Concat", g.op("Sub", one, f), f, axis=2) for f in w_yx)  # (B, K, 2, L) each
    w = g.op("Mul", g.op("Unsqueeze", w_y, g.constant([3])), g.op("Unsqueeze", w_x, g.constant([2])))
    w = g.op("Reshape", w, g.constant([0, k, 4, -1]))
    if mask is not None:
        w = g.op("Mul", w, mask)
    # Flat index of corner (y0, x0) in the padded image, then the other three.
    padded_w = g.op("Add", g.op("Gather", size, g.constant([1])), g.constant([4]))
    flat_step = g.op("Reshape", g.op("Concat", padded_w, g.constant([1]), axis=0), g.constant([2, 1]))
    low_i = g.op("Add", cast(g, low, torch.int64), g.constant([2]))  # int64, padded coordinates
    flat = g.op("ReduceSum", g.op("Mul", low_i, flat_step), g.constant([2]), keepdims=1)  # (B, K, 1, L)
    steps = g.op("Concat", g.constant([0, 1]), padded_w, g.op("Add", padded_w, g.constant([1])), axis=0)
    flat = g.op("Add", flat, g.op("Reshape", steps, g.constant([4, 1])))  # (B, K, 4, L)
    corners = g.op("GatherND", rows, g.op("Reshape", flat, g.constant([0, -1, 1])), batch_dims=1)  # (B, 4KL, C)
    corners = g.op("Reshape", corners, g.constant([0, k, 4, -1, channels]))
    samples = g.op("ReduceSum", g.op("Mul", corners, g.op("Unsqueeze", w, g.constant([4]))),
                   g.constant([2]), keepdims=0)  # fmt: skip  # (B, K, L, C)
    return g.op("Transpose", samples, perm=[0, 3, 1, 2])
