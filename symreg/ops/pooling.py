"""Pooling: adaptive and fixed-window average pooling, max unpooling, max pooling's backward.

Adaptive average pooling (``aten::adaptive_avg_pool1d/2d/3d``, also what
``interpolate(mode="area")`` calls): output cell ``i`` of a dim of input size ``L`` and
output size ``n`` averages the input window ``[floor(i*L/n), ceil((i+1)*L/n))``. torch's
TorchScript rule handles only static sizes that ``n`` divides. Here each pooled dim
gathers every window at once (``Gather`` with a ``(n, kmax)`` index table, windows shorter
than ``kmax`` masked with ``Where`` so a NaN or inf outside a window never reaches it),
sums it with ``ReduceSum``, and the sum is divided by the window sizes' product at the end,
as torch does (:func:`_window_sums`). The index table is a constant when ``L`` is static,
and computed in the graph from ``Shape`` when it is dynamic (``Range`` at opset >= 11,
``NonZero`` of a ``ConstantOfShape`` at 9 and 10), so one model serves every input size.

Average pooling (``aten::avg_pool1d/2d/3d``) keeps torch's ``AveragePool`` where it is right
and takes the same window sums where it is not (``divisor_override``, float64, integers;
see :func:`aten_avg_pool`). Max unpooling and max pooling's backward scatter into zeros of
the unpooled plane.

Rules are in alphabetical order of their op.
"""

from __future__ import annotations

import numpy as np
import torch

from symreg.builder import Builder
from symreg.ops._helpers import (
    arange,
    cast,
    cast_back,
    constant_like,
    dim,
    ints,
    promote_to_float,
    rank_of,
    reduce,
    shape_part,
    squeeze,
    to_1d,
    unsqueeze,
)
from symreg.registry import op

# --- window sums: adaptive and fixed-window average pooling ----------------------------


def _window_sums(g: Builder, x, rank: int, windows: list, zero):
    """Sums of ``x`` over windows of its last ``len(windows)`` dims, and the windows' sizes.

    ``windows`` holds, per pooled dim in order, ``(index, mask, count)``: the ``(n, kmax)`` int64
    table of the input positions each of the ``n`` windows reads, the ``(n, kmax)`` bool mask of
    the positions that count (None: all), and the ``(n, 1)`` int64 divisor of each window. Each dim
    is one ``Gather`` and a ``ReduceSum`` over ``kmax``, masked taps replaced by ``zero`` first (a
    NaN outside a window never reaches it). The sizes are the counts' product, shaped to divide
    the sums.
    """
    total, size, k = x, None, len(windows)
    for j, (index, mask, count) in enumerate(windows):
        axis = rank - k + j
        trailing = list(range(2, rank - axis + 1))  # the dims after axis, once it becomes (n, kmax)
        gathered = g.op("Gather", total, index, axis=axis)  # dim axis -> (n, kmax)
        if mask is not None:
            gathered = g.op("Where", unsqueeze(g, mask, trailing), gathered, zero)
        total = reduce(g, "ReduceSum", gathered, [axis + 1], False)
        count = unsqueeze(g, squeeze(g, count, [1]), [t - 1 for t in trailing])
        size = count if size is None else g.op("Mul", size, count)
    return total, size


# --- adaptive average pooling ----------------------------------------------------------


def _windows_static(length: int, n: int):
    """Index table (n, kmax), its mask and window sizes (n, 1) for static sizes."""
    i = np.arange(n)
    start, end = i * length // n, -((-(i + 1) * length) // n)
    count = end - start
    t = np.arange(count.max())
    mask = t[None, :] < count[:, None]
    index = np.where(mask, start[:, None] + t[None, :], 0)
    return index, mask, count[:, None]


def _windows(g: Builder, x, axis: int, n):
    """(index (n, kmax) int64, mask (n, kmax) bool, count (n, 1) int64) of adaptive windows along ``axis``.

    ``n`` is the output size: a Python int, or a 1-element int64 tensor the model computes.
    """
    shape = g.shape(x)
    if isinstance(n, int) and shape is not None and shape[axis] is not None:
        return tuple(g.constant(v) for v in _windows_static(shape[axis], n))
    n = ints(g, [n]) if isinstance(n, int) else n
    length = dim(g, x, axis)
    i = unsqueeze(g, arange(g, n), [1])  # (n, 1)
    one = ints(g, [1])
    start = g.op("Div", g.op("Mul", i, length), n)
    end = g.op("Div", g.op("Add", g.op("Mul", g.op("Add", i, one), length), g.op("Sub", n, one)), n)
    count = g.op("Sub", end, start)
    kmax = to_1d(g, reduce(g, "ReduceMax", count, [0, 1], keepdims=True))
    t = unsqueeze(g, arange(g, kmax), [0])  # (1, kmax)
    mask = g.op("Less", t, count)
    index = g.op("Where", mask, g.op("Add", start, t), ints(g, [[0]]))
    return index, mask, count


def _output_sizes(g: Builder, output_size, k: int) -> list:
    """``output_size`` as ``k`` sizes: Python ints where the model fixes them, else 1-element int64 values."""
    value = g.constant_value(output_size)
    value = [value] if isinstance(value, int) else value
    if isinstance(value, (list, tuple)) and len(value) == k and all(isinstance(v, int) for v in value):
        return list(value)
    if isinstance(output_size, (list, tuple)):  # dynamo: ints and 0-d int64 values of dynamic sizes
        return [n if isinstance(n, int) else cast(g, to_1d(g, n), torch.int64) for n in output_size]
    return [cast(g, g.op("Gather", output_size, ints(g, [j]), axis=0), torch.int64) for j in range(k)]


def _adaptive_avg_pool(g: Builder, x, output_size, k: int):
    """Pools the last ``k`` dims; ``output_size``: a list of ints and values, or a 1-d int64 tensor."""
    rank = rank_of(g, x)  # before the Cast, whose rank the dynamo exporter does not know
    x, back = promote_to_float(g, x)
    windows = [_windows(g, x, rank - k + j, n) for j, n in enumerate(_output_sizes(g, output_size, k))]
    total, size = _window_sums(g, x, rank, windows, constant_like(g, [0.0], x))
    return cast_back(g, g.op("Div", total, cast(g, size, g.dtype(x) or torch.float32)), back)


def _adaptive_rule(k: int):
    def rule(g: Builder, x, output_size):
        return _adaptive_avg_pool(g, x, output_size, k)

    rule.__doc__ = (
        f"Adaptive average pooling of the last {k} dim(s) (module docstring), any sizes, static or dynamic, "
        "opsets 9-17. ``output_size`` is taken as a tensor: ``None`` entries make the model compute it. "
        "Under dynamo (which meets ``aten::_adaptive_avg_pool2d/3d``) for 2d and 3d: torch's 2d lowering "
        "bakes the input size in (wrong numbers on another size) and it has no 3d one; its 1d one passes."
    )
    return rule


aten__adaptive_avg_pool2d = op("aten::_adaptive_avg_pool2d", opset=9, exporters=("dynamo",))(_adaptive_rule(2))
aten__adaptive_avg_pool3d = op("aten::_adaptive_avg_pool3d", opset=9, exporters=("dynamo",))(_adaptive_rule(3))
aten_adaptive_avg_pool1d = op("aten::adaptive_avg_pool1d", opset=9, exporters=("torchscript",))(_adaptive_rule(1))
aten_adaptive_avg_pool2d = op("aten::adaptive_avg_pool2d", opset=9)(_adaptive_rule(2))
aten_adaptive_avg_pool3d = op("aten::adaptive_avg_pool3d", opset=9, exporters=("torchscript",))(_adaptive_rule(3))


# --- adaptive max pooling --------------------------------------------------------------


def _adaptive_max_pool(g: Builder, x, output_size, k: int):
    """(values, indices) of adaptive max pooling over the last ``k`` dims; see ``aten_adaptive_max_pool``."""
    rank = rank_of(g, x)
    lead = rank - k
    flat, valid, gathered = None, None, x
    for j, n in enumerate(_output_sizes(g, output_size, k)):
        axis = lead + j
        index, mask, _ = _windows(g, x, axis, n)
        gathered = g.op("Gather", gathered, index, axis=lead + 2 * j)  # dim -> (n_j, kmax_j)
        later = list(range(2, 2 * (k - j)))  # the later dims' (n, kmax) pairs, in the (n_j, kmax_j, ...) grid
        stride = None
        for after in range(axis + 1, rank):
            size = dim(g, x, after)
            stride = size if stride is None else g.op("Mul", stride, size)
        position = index if stride is None else g.op("Mul", index, stride)
        position, mask = unsqueeze(g, position, later), unsqueeze(g, mask, later)
        flat = position if flat is None else g.op("Add", flat, position)
        valid = mask if valid is None else g.op("And", valid, mask)
    axes = [lead + 2 * j + 1 for j in range(k)]  # the window taps
    nan = g.op("And", g.op("IsNaN", gathered), valid)
    keep = g.op("And", valid, g.op("Not", nan))
    clean = g.op("Where", keep, gathered, constant_like(g, [-np.inf], x))
    top = reduce(g, "ReduceMax", clean, axes, True)
    hit = g.op("And", g.op("Not", g.op("Less", clean, top)), keep)  # equal to the maximum (float Equal needs 11)
    first = reduce(g, "ReduceMin", g.op("Where", hit, flat, ints(g, [np.iinfo(np.int64).max])), axes, True)
    last_nan = reduce(g, "ReduceMax", g.op("Where", nan, flat, ints(g, [-1])), axes, True)
    any_nan = g.op("Less", ints(g, [-1]), last_nan)
    # the value at the first maximum itself: -0.0 where that comes before a 0.0, as in torch
    value = reduce(g, "ReduceMax", g.op("Where", g.op("And", g.op("Equal", flat, first), keep), clean, top), axes, True)
    value = g.op("Where", any_nan, constant_like(g, [np.nan], x), value)
    index = g.op("Where", any_nan, last_nan, first)
    return squeeze(g, value, axes), squeeze(g, index, axes)


@op(("aten::adaptive_max_pool1d", "aten::adaptive_max_pool2d", "aten::adaptive_max_pool3d"), opset=9)
def aten_adaptive_max_pool(g: Builder, x, output_size):
    """(values, int64 indices flat in each input plane) of adaptive max pooling, any sizes, static or dynamic.

    Windows as adaptive average pooling's (module docstring): each pooled dim is one ``Gather``
    of its ``(n, kmax)`` window table, so the gathered tensor holds every window's taps, and a
    like-shaped table holds each tap's flat input position. As torch's CPU kernel, the index is
    the first maximum in the window's row-major order (the smallest flat position among the taps
    equal to ``ReduceMax``) or, where the window holds a NaN, the last NaN with value NaN (ORT's
    ``ReduceMax`` would skip it); taps past a window's end are masked out. Batched or unbatched.
    Opsets 9+, both exporters: torch's TorchScript rules refuse sizes that do not divide, and the
    dynamo exporter has no 1d/2d lowering.
    """
    return _adaptive_max_pool(g, x, output_size, int(g.op_name[-2]))


# --- average pooling -------------------------------------------------------------------


def _per_dim(values: list[int], k: int) -> list[int]:
    """An ``int[k]`` argument as ``k`` values (torch repeats a single one)."""
    return list(values) * k if len(values) == 1 else list(values)


def _pooled_size(length: int, kernel: int, stride: int, pad: int, ceil_mode: bool) -> int:
    """torch's ``pooling_output_shape`` (dilation 1): with ``ceil_mode`` no window starts in the right padding."""
    n = (length + 2 * pad - kernel + (stride - 1 if ceil_mode else 0)) // stride + 1
    return n - 1 if ceil_mode and (n - 1) * stride >= length + pad else n


def _box_windows_static(length: int, kernel: int, stride: int, pad: int, ceil_mode: bool, include_pad: bool):
    """(index, mask, count) of ``avg_pool`` windows along a static dim (see :func:`_window_sums`)."""
    start = np.arange(_pooled_size(length, kernel, stride, pad, ceil_mode)) * stride - pad
    taps = start[:, None] + np.arange(kernel)[None, :]
    mask = (taps >= 0) & (taps < length)
    if include_pad:  # torch counts the padding, not what lies past it
        count = np.minimum(start + kernel, length + pad) - start
    else:
        count = np.minimum(start + kernel, length) - np.maximum(start, 0)
    return np.where(mask, taps, 0), None if mask.all() else mask, count[:, None]


def _box_windows(g: Builder, x, axis: int, kernel: int, stride: int, pad: int, ceil_mode: bool, include_pad: bool):
    """(index, mask, count) of ``avg_pool`` windows along ``x``'s dim ``axis``: constants where it is static,
    else computed from ``Shape`` as :func:`_box_windows_static` computes them."""
    shape = g.shape(x)
    if shape is not None and shape[axis] is not None:
        index, mask, count = _box_windows_static(shape[axis], kernel, stride, pad, ceil_mode, include_pad)
        return g.constant(index), None if mask is None else g.constant(mask), g.constant(count)

    def smaller(a, b):  # Min of int64 needs opset 12
        return g.op("Where", g.op("Less", a, b), a, b)

    length = dim(g, x, axis)
    reach = g.op("Add", length, ints(g, [2 * pad - kernel + (stride - 1 if ceil_mode else 0)]))
    n = g.op("Add", g.op("Div", reach, ints(g, [stride])), ints(g, [1]))
    if ceil_mode:
        last = g.op("Mul", g.op("Sub", n, ints(g, [1])), ints(g, [stride]))
        n = g.op("Sub", n, cast(g, g.op("Not", g.op("Less", last, g.op("Add", length, ints(g, [pad])))), torch.int64))
    start = g.op("Sub", g.op("Mul", unsqueeze(g, arange(g, n), [1]), ints(g, [stride])), ints(g, [pad]))  # (n, 1)
    taps = g.op("Add", start, ints(g, [list(range(kernel))]))
    mask = g.op("And", g.op("Not", g.op("Less", taps, ints(g, [[0]]))), g.op("Less", taps, length))
    end = g.op("Add", start, ints(g, [kernel]))
    if include_pad:
        count = g.op("Sub", smaller(end, g.op("Add", length, ints(g, [pad]))), start)
    else:
        first = g.op("Where", g.op("Less", start, ints(g, [[0]])), ints(g, [[0]]), start)
        count = g.op("Sub", smaller(end, length), first)
    return g.op("Where", mask, taps, ints(g, [[0]])), mask, count


@op(("aten::avg_pool1d", "aten::avg_pool2d", "aten::avg_pool3d"), opset=9)
def aten_avg_pool(
    g: Builder,
    x,
    kernel_size: list[int],
    stride: list[int] | None = None,
    padding: list[int] | None = None,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
):
    """``AveragePool`` as torch's own rules emit it where that is right, else window sums divided as torch divides.

    Both exporters' own lowerings are one ``AveragePool``, which ignores ``divisor_override``
    (wrong numbers), has no float64 or integer kernel in ONNX Runtime, needs a batch dim, and at
    opset 9 (no ``ceil_mode`` attribute) fails on a dynamic size with ``ceil_mode``. Those cases
    take the composition: per pooled dim, a ``(windows, kernel)`` index table (constant where the
    size is static, from ``Shape`` else), one ``Gather`` and a masked ``ReduceSum``
    (:func:`_window_sums`); the sums are divided by ``divisor_override``, or by each window's size
    as torch counts it (padding included or not, never what lies past the padding). Integer inputs
    divide as torch does, rounding toward zero. float32 and float16 inputs otherwise keep
    ``AveragePool`` (an unbatched one between ``Unsqueeze`` and ``Squeeze``). Opsets 9-18.
    """
    k = int(g.op_name[-2])
    kernel = _per_dim(kernel_size, k)
    strides = _per_dim(stride or kernel_size, k)
    pads = _per_dim(padding or [0], k)
    rank = rank_of(g, x)
    dtype = g.dtype(x)
    if divisor_override is None and dtype in (None, torch.float32, torch.float16) and (g.opset >= 10 or not ceil_mode):
        attrs = {"ceil_mode": int(ceil_mode)} if g.opset >= 10 else {}
        batched = x if rank == k + 2 else unsqueeze(g, x, [0])
        y = g.op(
            "AveragePool",
            batched,
            kernel_shape=kernel,
            strides=strides,
            pads=pads + pads,
            count_include_pad=int(count_include_pad),
            **attrs,
        )
        return y if rank == k + 2 else squeeze(g, y, [0])
    x, back = promote_to_float(g, x) if dtype is None or dtype.is_floating_point else (x, None)
    windows = [
        _box_windows(g, x, rank - k + j, kernel[j], strides[j], pads[j], ceil_mode, count_include_pad) for j in range(k)
    ]
    total, size = _window_sums(g, x, rank, windows, constant_like(g, [0], x))
    dtype = g.dtype(x) or torch.float32
    divisor = cast(g, size, dtype) if divisor_override is None else g.constant([divisor_override], dtype=dtype)
    return cast_back(g, g.op("Div", total, divisor), back)


# --- max pooling's backward -----------------------------------------------------------


@op("aten::max_pool2d_with_indices_backward", opset=9)
def aten_max_pool2d_with_indices_backward(
    g: Builder,
    grad,
    x,
    kernel_size: list[int],
    stride: list[int],
    padding: list[int],
    dilation: list[int],
    ceil_mode: bool,
    indices,
):
    """Each ``(N, C)`` plane of ``grad`` added into zeros of ``x``'s plane at ``indices``, repeated indices
    summed (overlapping windows): from opset 16 ``ScatterElements(reduction="add")``; below, ``Where`` of a
    one-hot ``Equal`` of the indices against every input position, summed over the pooled positions with
    ``ReduceSum`` (exact: NaN or inf in ``grad`` reaches only its own position; memory ``L_out * L_in`` per
    plane). Batched or unbatched, every size dynamic; the pooling arguments are implied by ``indices``.
    Both exporters: torch has no TorchScript rule and torchlib none (NotImplementedError). Opsets 9-18.
    """
    rank = rank_of(g, x)
    lead = rank - 2
    head = shape_part(g, x, 0, lead)
    plane_in = reduce(g, "ReduceProd", shape_part(g, x, lead, rank), [0], keepdims=True)
    plane_out = reduce(g, "ReduceProd", shape_part(g, grad, lead, rank), [0], keepdims=True)
    flat = g.op("Concat", head, plane_out, axis=0)
    flat_grad, flat_indices = g.op("Reshape", grad, flat), g.op("Reshape", indices, flat)  # (*head, L_out)
    zero = constant_like(g, [0], x)
    if g.opset >= 16:
        zeros = g.op("Expand", zero, g.op("Concat", head, plane_in, axis=0))
        y = g.op("ScatterElements", zeros, flat_indices, flat_grad, axis=lead, reduction="add")
    else:
        hit = g.op("Equal", unsqueeze(g, flat_indices, [lead + 1]), arange(g, plane_in))  # (*head, L_out, L_in)
        y = g.op("Where", hit, unsqueeze(g, flat_grad, [lead + 1]), zero)
        y = reduce(g, "ReduceSum", y, [lead], False)
    return g.op("Reshape", y, g.op("Shape", x))


# --- max unpooling ----------------------------------------------------------------------


def _size_vector(g: Builder, sizes):
    """An ``int[]`` argument that may hold sizes the model computes, as a 1-d int64 tensor.

    It arrives as a constant list, as a TorchScript ``int[]`` value, or (dynamo) as a list of
    ints and 0-d int64 values of dynamic sizes.
    """
    value = g.constant_value(sizes)
    if isinstance(value, (list, tuple)) and all(isinstance(v, int) for v in value):
        return ints(g, list(value))
    if isinstance(sizes, (list, tuple)):
        parts = [ints(g, [v]) if isinstance(v, int) else cast(g, to_1d(g, v), torch.int64) for v in sizes]
        return parts[0] if len(parts) == 1 else g.op("Concat", *parts, axis=0)
    return cast(g, sizes, torch.int64)


@op(("aten::max_unpool2d", "aten::max_unpool3d"), opset=9, exporters=("torchscript",))
def aten_max_unpool(g: Builder, x, indices, output_size, stride: list[int] | None = None, padding=None):
    """Each ``(N, C)`` plane of ``x`` scattered into zeros of ``output_size`` at ``indices`` (flat in
    the plane): ``Expand`` of a zero, ``ScatterElements`` along the flattened plane (``Scatter``, the
    same op, at opsets 9 and 10), ``Reshape`` back. Batched or unbatched input, every size dynamic
    (``output_size`` may be computed by the model, as ``F.max_unpool2d`` does without one). Where
    indices repeat, the last value wins, as in torch. ``aten::max_unpool2d`` also serves
    ``F.max_unpool1d`` (which calls it on a trailing unit dim). TorchScript only (torch has no rule);
    torch.export decomposes the op into ops the dynamo exporter lowers right. Opsets 9-17.
    """
    k = int(g.op_name[-2])
    rank = rank_of(g, x)
    lead = rank - k
    sizes = _size_vector(g, output_size)
    head = shape_part(g, x, 0, lead)
    plane_in = reduce(g, "ReduceProd", shape_part(g, x, lead, rank), [0], keepdims=True)
    plane_out = reduce(g, "ReduceProd", sizes, [0], keepdims=True)
    flat = g.op("Concat", head, plane_in, axis=0)
    zeros = g.op("Expand", constant_like(g, [0], x), g.op("Concat", head, plane_out, axis=0))
    scatter = "ScatterElements" if g.opset >= 11 else "Scatter"
    y = g.op(scatter, zeros, g.op("Reshape", indices, flat), g.op("Reshape", x, flat), axis=lead)
    return g.op("Reshape", y, g.op("Concat", head, sizes, axis=0))
