"""The ``*_copy`` variants of view ops (``alias_copy``, ``expand_copy``, ``view_copy``, ...):
the view's result as a tensor of its own, which ONNX values always are.

torch's TorchScript exporter has no rules for them (its dynamo exporter decomposes them to
their views, which it exports), so the rules here are TorchScript only but ``view_copy``. A ``*_copy`` whose
view has a rule of the pack is an alias on that rule instead: ``permute_copy`` and
``unfold_copy`` in :mod:`symreg.ops.shape`, ``diagonal_copy`` in :mod:`symreg.ops.indexing`.
Rules are in alphabetical order of their op.
"""

from __future__ import annotations

from typing import Optional

import numpy as np

from symreg.builder import Builder
from symreg.errors import ExportError
from symreg.ops._helpers import ints, normalize_dim, rank_of, reshape, slice_, squeeze, unsqueeze
from symreg.ops.shape import split, squeeze_size_one, swap_dims, to_int64
from symreg.registry import op

_INT64_MAX = np.iinfo(np.int64).max
_TS = ("torchscript",)


def strided_indices(size: list[int], stride: list[int], storage_offset: int) -> np.ndarray:
    """The storage offsets ``as_strided(size, stride, storage_offset)`` reads, an int64 array of shape ``size``.

    An exported model's input is contiguous, so its storage is its flattening: these index it.
    """
    index = np.full(size, storage_offset, dtype=np.int64)
    for axis, (n, step) in enumerate(zip(size, stride, strict=True)):
        shape = [1] * len(size)
        shape[axis] = n
        index = index + (np.arange(n, dtype=np.int64) * step).reshape(shape)
    return index


@op("aten::alias_copy", opset=9, exporters=_TS)
def aten_alias_copy(g: Builder, x):
    """``Identity`` (opset 9+)."""
    return g.op("Identity", x)


@op("aten::as_strided_copy", opset=9, exporters=_TS)
def aten_as_strided_copy(g: Builder, x, size: list[int], stride: list[int], storage_offset: Optional[int] = None):
    """``Gather`` of the flattened input at the constant ``strided_indices`` (opset 9+)."""
    flat = g.op("Reshape", x, ints(g, [-1]))
    return g.op("Gather", flat, ints(g, strided_indices(size, stride, storage_offset or 0)), axis=0)


@op("aten::expand_copy", opset=9, exporters=_TS)
def aten_expand_copy(g: Builder, x, size, implicit: bool = False):
    """``Expand`` to ``size``, whose -1 entries keep the input's dim (``Where`` on the shape; opset 9+)."""
    size = to_int64(g, size)
    rank = rank_of(g, x)
    count = g.shape(size)[0] if g.shape(size) is not None else None
    if count is None:
        raise ExportError(f"{g.overload}: the length of `size` is unknown; pass it as a list of known length")
    shape = g.op("Shape", x)
    if count > rank:
        shape = g.op("Concat", ints(g, [1] * (count - rank)), shape, axis=0)
    keep = g.op("Equal", size, ints(g, [-1]))
    return g.op("Expand", x, g.op("Where", keep, shape, size))


@op("aten::narrow_copy", opset=9, exporters=_TS)
def aten_narrow_copy(g: Builder, x, dim: int, start: int, length: int):
    """``Slice`` of ``length`` from ``start`` (negative: from the end) along ``dim`` (opset 9+)."""
    end = start + length
    if start < 0 and end >= 0:
        end = _INT64_MAX
    return slice_(g, x, [normalize_dim(dim, rank_of(g, x))], [start], [end])


@op("aten::split_with_sizes_copy", opset=9, exporters=_TS)
def aten_split_with_sizes_copy(g: Builder, x, split_sizes: list[int], dim: int = 0):
    """``Split`` into the constant ``split_sizes`` (opset 9+)."""
    return split(g, x, split_sizes, normalize_dim(dim, rank_of(g, x)))


@op("aten::squeeze_copy", opset=9, exporters=_TS)
def aten_squeeze_copy(g: Builder, x, dim: Optional[list[int]] = None):
    """``squeeze_size_one`` (opset 9+): ``Squeeze`` of the given dims whose size is 1, of every
    size-1 dim at run time when ``dim`` is None."""
    return squeeze_size_one(g, x, dim)


@op("aten::t_copy", opset=9, exporters=_TS)
def aten_t_copy(g: Builder, x):
    """A 2-d tensor transposed; 0-d and 1-d unchanged (opset 9+)."""
    return swap_dims(g, x, 0, 1)


@op("aten::transpose_copy", opset=9, exporters=_TS)
def aten_transpose_copy(g: Builder, x, dim0: int, dim1: int):
    """``Transpose`` swapping ``dim0`` and ``dim1`` (opset 9+)."""
    return swap_dims(g, x, dim0, dim1)


@op("aten::unbind_copy", opset=9, exporters=_TS)
def aten_unbind_copy(g: Builder, x, dim: int = 0):
    """``Split`` into size-1 pieces, each ``Squeeze``-d (opset 9+); the dim's size must be static."""
    axis = normalize_dim(dim, rank_of(g, x))
    shape = g.shape(x)
    if shape is None or shape[axis] is None:
        raise ExportError(
            f"{g.overload}: dim {dim} has a dynamic size, but unbind returns one tensor per element; "
            "export with that dim static"
        )
    if shape[axis] == 0:
        return []
    return [squeeze(g, part, [axis]) for part in split(g, x, [1] * shape[axis], axis)]


@op("aten::unsqueeze_copy", opset=9, exporters=_TS)
def aten_unsqueeze_copy(g: Builder, x, dim: int):
    """``Unsqueeze`` at ``dim`` (negative: counted from the end of the result; opset 9+)."""
    return unsqueeze(g, x, [normalize_dim(dim, rank_of(g, x) + 1)])


@op("aten::view_copy", opset=9)
def aten_view_copy(g: Builder, x, size):
    """``Reshape`` to ``size`` (opset 9+; ``size`` may be computed by the model); from opset 14
    with ``allowzero``, so a 0 in ``size`` is a size 0 as in torch (below 14 ONNX reads it as
    "the input's dim").

    Both exporters: torch's dynamo lowering is a ``Reshape`` without ``allowzero``, wrong for
    sizes with a 0.
    """
    if g.overload.endswith(".dtype"):
        raise ExportError(f"{g.overload}: reinterpreting the bytes as another dtype has no ONNX equivalent")
    return reshape(g, x, to_int64(g, size))
