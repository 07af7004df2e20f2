"""Pooling: adaptive and average pooling the exporters refuse or get wrong, max-pool backward.

Adaptive average pooling (``aten::adaptive_avg_pool1d/2d/3d``, also what
``interpolate(mode="area")`` calls): output cell ``i`` of a dim of input size ``L`` and
output size ``n`` averages the input window ``[floor(i*L/n), ceil((i+1)*L/n))``. torch's
TorchScript rule handles only static sizes that ``n`` divides. Here each pooled dim
gathers every window at once (``Gather`` with a ``(n, kmax)`` index table, windows shorter
than ``kmax`` masked with ``Where`` so a NaN or inf outside a window never reaches it),
sums it with ``ReduceSum``, and the sum is divided by the window sizes' product at the end,
as torch does. The index table is a constant when ``L`` is static, and computed in the
graph from ``Shape`` when it is dynamic (``Range`` at opset >= 11, ``NonZero`` of a
``ConstantOfShape`` at 9 and 10), so one model serves every input size.

Rules are in alphabetical order of their op.
"""

from __future__ import annotations

import numpy as np
import torch

from symreg.builder import Builder
from symreg.ops._helpers import cast, cast_back, constant_like, promote_to_float
from symreg.registry import op

# --- shape helpers (graph arithmetic on 1-element int64 tensors) -----------------------


def _dim(g: Builder, x, axis: int):
    """``x``'s size along ``axis`` as a 1-element int64 tensor (a constant where static)."""
    shape = g.shape(x)
    if shape is not None and shape[axis] is not None:
        return g.constant([shape[axis]])
    return g.op("Gather", g.op("Shape", x), g.constant([axis]), axis=0)


def _arange(g: Builder, count):
    """``[0, 1, ..., count - 1]`` (int64) for a 1-element int64 tensor ``count``."""
    if g.opset >= 11:
        scalar = g.op("Reshape", count, g.constant(np.zeros(0, dtype=np.int64)))
        return g.op("Range", g.constant(np.int64(0)), scalar, g.constant(np.int64(1)))
    ones = g.op("ConstantOfShape", count, value=np.ones(1, dtype=np.int64))
    return g.op("Reshape", g.op("NonZero", ones), g.constant([-1]))


def _pad(g: Builder, x, rank: int, before: list[int], after: list[int] | None = None):
    """Zero padding of a rank-``rank`` ``x``: ``before``/``after`` give the first dims' pads, later dims get none."""
    after = before if after is None else after
    pads = [*before, *[0] * (rank - len(before)), *after, *[0] * (rank - len(after))]
    if g.opset >= 11:
        return g.op("Pad", x, g.constant(pads))
    return g.op("Pad", x, pads=pads)


def _slice(g: Builder, x, starts: list[int], ends: list[int], axes: list[int]):
    if g.opset >= 10:
        return g.op("Slice", x, g.constant(starts), g.constant(ends), g.constant(axes))
    return g.op("Slice", x, starts=starts, ends=ends, axes=axes)


def _reduce(g: Builder, kind: str, x, axes: list[int], keepdims: int):
    if g.opset >= 13 and kind == "ReduceSum" or g.opset >= 18:
        return g.op(kind, x, g.constant(axes), keepdims=keepdims)
    return g.op(kind, x, axes=axes, keepdims=keepdims)


# --- adaptive average pooling ----------------------------------------------------------


def _unsqueeze(g: Builder, x, axes: list[int]):
    if not axes:
        return x
    if g.opset >= 13:
        return g.op("Unsqueeze", x, g.constant(axes))
    return g.op("Unsqueeze", x, axes=axes)


def _squeeze(g: Builder, x, axes: list[int]):
    if g.opset >= 13:
        return g.op("Squeeze", x, g.constant(axes))
    return g.op("Squeeze", x, axes=axes)


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
    n = g.constant([n]) if isinstance(n, int) else n
    length = _dim(g, x, axis)
    i = _unsqueeze(g, _arange(g, n), [1])  # (n, 1)
    one = g.constant([1])
    start = g.op("Div", g.op("Mul", i, length), n)
    end = g.op("Div", g.op("Add", g.op("Mul", g.op("Add", i, one), length), g.op("Sub", n, one)), n)
    count = g.op("Sub", end, start)
    kmax = g.op("Reshape", _reduce(g, "ReduceMax", count, [0, 1], 1), one)
    t = _unsqueeze(g, _arange(g, kmax), [0])  # (1, kmax)
    mask = g.op("Less", t, count)
    index = g.op("Where", mask, g.op("Add", start, t), g.constant(np.zeros((1, 1), dtype=np.int64)))
    return index, mask, count


def _adaptive_avg_pool(g: Builder, x, output_size, k: int):
    """Pools the last ``k`` dims; ``output_size``: a list of ints and values, or a 1-d int64 tensor."""
    x, back = promote_to_float(g, x)
    rank = g.rank(x)
    total, zero = x, constant_like(g, [0.0], x)
    size = None
    for j in range(k):
        if isinstance(output_size, (list, tuple)):  # dynamo: ints and 0-d int64 values of dynamic sizes
            n = output_size[j]
            n = n if isinstance(n, int) else cast(g, g.op("Reshape", n, g.constant([1])), torch.int64)
        else:  # TorchScript: the int[] value
            n = cast(g, g.op("Gather", output_size, g.constant([j]), axis=0), torch.int64)
        axis = rank - k + j
        trailing = list(range(2, rank - axis + 1))  # the dims after axis, once it becomes (n, kmax)
        index, mask, count = _windows(g, x, axis, n)
        gathered = g.op("Gather", total, index, axis=axis)  # dim axis -> (n, kmax)
        total = _reduce(g, "ReduceSum", g.op("Where", _unsqueeze(g, mask, trailing), gathered, zero), [axis + 1], 0)
        count = _unsqueeze(g, _squeeze(g, count, [1]), [t - 1 for t in trailing])
        size = count if size is None else g.op("Mul", size, count)
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
