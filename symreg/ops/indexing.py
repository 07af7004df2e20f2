"""Indexing: reads by index or mask, diagonals, triangles, nonzero, grids, combinations and block matrices.

Shapes are computed in the graph (``Shape``/``Gather``), so every rule works with dynamic
dims. Below opset 11 ONNX has no ``Range``; :func:`symreg.ops._helpers.arange` counts with
``NonZero`` there, so most rules serve opset 9 too.

The public functions (``wrap_index``, ``append_zero``, ``minimum``, ``maximum``) serve the
writes of :mod:`symreg.ops.scatter` too; ``promoted`` serves ``diff`` of :mod:`symreg.ops.scans`.
Rules are in alphabetical order of their op.
"""

from __future__ import annotations

import itertools
from typing import Any, Optional

import numpy as np
import torch

from symreg import dtypes
from symreg.builder import Builder
from symreg.ops._helpers import (
    arange,
    cast,
    constant_like,
    ints,
    normalize_dim,
    rank_of,
    reshape,
    shape_part,
    slice_,
    to_0d,
    to_1d,
)
from symreg.ops._helpers import dim as dim_size
from symreg.registry import op

_TS = ("torchscript",)


# --- shared with symreg.ops.scatter and symreg.ops.scans ------------------------------


def wrap_index(g: Builder, index: Any, size: Any) -> Any:
    """``index`` as int64 with negative values wrapped by ``size``, an int64 0-d tensor (the
    result has ``index``'s shape) or 1-element one (a 0-d ``index`` then gives shape [1])."""
    index = cast(g, index, torch.int64)
    return g.op("Where", g.op("Less", index, ints(g, 0)), g.op("Add", index, size), index)


def append_zero(g: Builder, x: Any, axis: int) -> Any:
    """``x`` with one zero slice appended along ``axis`` (non-negative): a ``Gather`` target
    for positions that take nothing (``ConstantOfShape`` + ``Concat``, any dtype, opset 9+)."""
    rank = rank_of(g, x)
    parts = [shape_part(g, x, 0, axis), ints(g, [1]), shape_part(g, x, axis + 1, rank)]
    return g.op("Concat", x, _zeros(g, g.op("Concat", *parts, axis=0), g.dtype(x)), axis=axis)


def minimum(g: Builder, a: Any, b: Any) -> Any:
    """Elementwise min of int64 tensors at any opset (``Min`` takes integers only from opset 12)."""
    return g.op("Where", g.op("Less", a, b), a, b)


def maximum(g: Builder, a: Any, b: Any) -> Any:
    """Elementwise max of int64 tensors at any opset (``Max`` takes integers only from opset 12)."""
    return g.op("Where", g.op("Less", a, b), b, a)


def promoted(g: Builder, values: list) -> list:
    """The tensors of a ``Tensor[]`` argument cast to the dtype torch promotes them to
    (``torch.cat``'s promotion; unchanged where a dtype is unknown)."""
    kinds = [g.dtype(v) for v in values]
    if any(k is None for k in kinds):
        return list(values)
    target = kinds[0]
    for k in kinds[1:]:
        target = torch.promote_types(target, k)
    return [v if k == target else cast(g, v, target) for v, k in zip(values, kinds, strict=True)]


# --- private helpers --------------------------------------------------------------------


def _zeros(g: Builder, shape: Any, dtype: torch.dtype) -> Any:
    return g.op("ConstantOfShape", shape, value=np.zeros(1, dtype=dtypes.numpy_dtype(dtype)))


def _diagonal_last(g: Builder, y: Any, offset: int, rank: int) -> Any:
    """The ``offset`` diagonal of the last two dims of ``y`` (rank ``rank`` >= 2), as its last dim."""
    n, m = dim_size(g, y, rank - 2), dim_size(g, y, rank - 1)
    row0, col0 = max(-offset, 0), max(offset, 0)
    length = minimum(g, g.op("Sub", n, ints(g, [row0])), g.op("Sub", m, ints(g, [col0])))
    r = arange(g, maximum(g, length, ints(g, [0])))
    flat_index = g.op("Add", g.op("Mul", g.op("Add", r, ints(g, [row0])), m), g.op("Add", r, ints(g, [col0])))
    flat = reshape(g, y, g.op("Concat", shape_part(g, y, 0, rank - 2), g.op("Mul", n, m), axis=0))
    return g.op("Gather", flat, flat_index, axis=rank - 2)


def _embed_last(g: Builder, x: Any, offset: int, rank: int) -> Any:
    """``x`` (rank ``rank`` >= 1) on the ``offset`` diagonal of two new last dims of size n + |offset|."""
    n = dim_size(g, x, rank - 1)
    steps = arange(g, g.op("Add", n, ints(g, [abs(offset)])))
    i, j = g.op("Reshape", steps, ints(g, [-1, 1])), g.op("Reshape", steps, ints(g, [1, -1]))
    on = g.op("Equal", g.op("Sub", j, i), ints(g, [offset]))
    # off the diagonal, index n: the zero appended to x's last dim
    index = g.op("Where", on, i if offset >= 0 else j, n)
    return g.op("Gather", append_zero(g, x, rank - 1), index, axis=rank - 1)


def _nonzero(g: Builder, x: Any) -> Any:
    """Indices of the nonzero elements, [count, rank] int64; 0-d input gives [count, 0]."""
    rank = rank_of(g, x)  # before the Cast: the dynamo exporter knows no rank of new values
    if g.dtype(x) == torch.float64:
        x = cast(g, x, torch.bool)  # ORT has no float64 NonZero; NaN is true
    if rank == 0:
        found = g.op("Transpose", g.op("NonZero", to_1d(g, x)), perm=[1, 0])
        return slice_(g, found, [1], [0], [0])
    return g.op("Transpose", g.op("NonZero", x), perm=[1, 0])


def _with_dim(g: Builder, shape: Any, axis: int, rank: int, size: Any) -> Any:
    """1-d ``shape`` (length ``rank``) with entry ``axis`` replaced by the 1-element ``size``."""
    parts = [g.op("Gather", shape, ints(g, list(range(axis))), axis=0), size]
    parts.append(g.op("Gather", shape, ints(g, list(range(axis + 1, rank))), axis=0))
    return g.op("Concat", *parts, axis=0)


def _triangle(g: Builder, x: Any, diagonal: int, upper: bool) -> Any:
    if g.opset >= 14:
        return g.op("Trilu", x, ints(g, diagonal), upper=int(upper))
    rank = rank_of(g, x)
    rows, cols = arange(g, dim_size(g, x, rank - 2)), arange(g, dim_size(g, x, rank - 1))
    above = g.op("Sub", g.op("Reshape", cols, ints(g, [1, -1])), g.op("Reshape", rows, ints(g, [-1, 1])))
    if upper:
        keep = g.op("Greater", above, ints(g, [diagonal - 1]))
    else:
        keep = g.op("Less", above, ints(g, [diagonal + 1]))
    if g.dtype(x) == torch.bool:
        return g.op("And", keep, x)  # ORT has no bool Where
    return g.op("Where", keep, x, constant_like(g, [0], x))


# --- rules ------------------------------------------------------------------------------


@op("aten::argwhere", opset=9, exporters=_TS)
def aten_argwhere(g: Builder, x):
    """``nonzero``: ``Transpose(NonZero(x))``; 0-d input gives [count, 0]. Opset 9+."""
    return _nonzero(g, x)


@op("aten::block_diag", opset=9, exporters=_TS)
def aten_block_diag(g: Builder, tensors):
    """The tensors (0-d, 1-d as one row, 2-d) on the diagonal of a zero matrix, in the
    promoted dtype. Opset 9+: each block is padded with zero columns left and right
    (``ConstantOfShape`` of shapes computed in the graph), then the rows are concatenated."""
    blocks = [t if rank_of(g, t) == 2 else g.op("Reshape", t, ints(g, [1, -1])) for t in promoted(g, tensors)]
    dtype = g.dtype(blocks[0])
    rows = [dim_size(g, b, 0) for b in blocks]
    cols = [dim_size(g, b, 1) for b in blocks]
    total = cols[0]
    for c in cols[1:]:
        total = g.op("Add", total, c)
    out, before = [], ints(g, [0])
    for b, r, c in zip(blocks, rows, cols, strict=True):
        after = g.op("Sub", g.op("Sub", total, before), c)
        left = _zeros(g, g.op("Concat", r, before, axis=0), dtype)
        right = _zeros(g, g.op("Concat", r, after, axis=0), dtype)
        out.append(g.op("Concat", left, b, right, axis=1))
        before = g.op("Add", before, c)
    return out[0] if len(out) == 1 else g.op("Concat", *out, axis=0)


@op("aten::cartesian_prod", opset=9, exporters=_TS)
def aten_cartesian_prod(g: Builder, tensors):
    """Every combination of the 1-d tensors' elements, [prod(n_i), k], in the promoted dtype
    (one tensor: itself). Opset 9+: each tensor reshaped along its own axis, ``Expand``ed to
    the full grid, flattened, and the columns concatenated."""
    tensors = promoted(g, tensors)
    if len(tensors) == 1:
        return tensors[0]
    k = len(tensors)
    grid = g.op("Concat", *[dim_size(g, t, 0) for t in tensors], axis=0)
    columns = []
    for i, t in enumerate(tensors):
        along = g.op("Reshape", t, ints(g, [1] * i + [-1] + [1] * (k - i - 1)))
        columns.append(g.op("Reshape", g.op("Expand", along, grid), ints(g, [-1, 1])))
    return g.op("Concat", *columns, axis=1)


@op("aten::combinations", opset=9, exporters=_TS)
def aten_combinations(g: Builder, x, r: int = 2, with_replacement: bool = False):
    """The ``r``-element combinations of a 1-d ``x``'s elements, ``[count, r]`` in ``itertools``
    order (torch's): one ``Gather`` at the index tuples. A static length gives them as a
    constant; a dynamic one as ``NonZero`` of the ``n ** r`` mask ``i1 < i2 < ...`` (``<=`` with
    replacement). Opset 9+; torch's TorchScript exporter has no rule.
    """
    shape = g.shape(x)
    if r == 0:
        return g.op("Gather", x, ints(g, np.zeros(0, dtype=np.int64)), axis=0)  # torch: an empty 1-d tensor
    if shape is not None and shape[0] is not None:
        pick = itertools.combinations_with_replacement if with_replacement else itertools.combinations
        return g.op("Gather", x, ints(g, np.asarray(list(pick(range(shape[0]), r))).reshape(-1, r)), axis=0)
    steps = arange(g, dim_size(g, x, 0))
    axes = [g.op("Reshape", steps, ints(g, [-1 if d == k else 1 for d in range(r)])) for k in range(r)]
    mask = None
    for a, b in itertools.pairwise(axes):
        ordered = g.op("Not", g.op("Greater", a, b)) if with_replacement else g.op("Less", a, b)
        mask = ordered if mask is None else g.op("And", mask, ordered)
    if mask is None:  # r == 1
        return g.op("Reshape", x, ints(g, [-1, 1]))
    return g.op("Gather", x, g.op("Transpose", g.op("NonZero", mask), perm=[1, 0]), axis=0)


@op("aten::diag", opset=9, exporters=_TS)
def aten_diag(g: Builder, x, diagonal: int = 0):
    """1-d: a matrix with ``x`` on diagonal ``diagonal``; 2-d: that diagonal. Opset 9+.

    Built by ``Gather`` with indices from ``Range`` (``NonZero`` counting below opset 11);
    off-diagonal entries gather a zero appended to ``x``, so empty inputs work too.
    """
    if rank_of(g, x) == 1:
        return _embed_last(g, x, diagonal, 1)
    return _diagonal_last(g, x, diagonal, 2)


@op("aten::diag_embed", opset=9, exporters=_TS)
def aten_diag_embed(g: Builder, x, offset: int = 0, dim1: int = -2, dim2: int = -1):
    """``x``'s last dim on diagonal ``offset`` of dims ``dim1``/``dim2`` of the result. Opset 9+.

    ``Gather`` of ``x`` padded with a zero builds the two new last dims, a ``Transpose``
    moves them to ``dim1`` and ``dim2``.
    """
    rank = rank_of(g, x)
    y = _embed_last(g, x, offset, rank)
    d1, d2 = normalize_dim(dim1, rank + 1), normalize_dim(dim2, rank + 1)
    batch = iter(range(rank - 1))
    perm = [rank - 1 if p == d1 else rank if p == d2 else next(batch) for p in range(rank + 1)]
    return y if perm == list(range(rank + 1)) else g.op("Transpose", y, perm=perm)


@op("aten::diagflat", opset=9, exporters=_TS)
def aten_diagflat(g: Builder, x, offset: int = 0):
    """``diag`` of ``x`` flattened. Opset 9+."""
    return _embed_last(g, g.op("Reshape", x, ints(g, [-1])), offset, 1)


@op(("aten::diagonal", "aten::diagonal_copy"), opset=9)
def aten_diagonal(g: Builder, x, offset: int = 0, dim1: int = 0, dim2: int = 1):
    """Diagonal ``offset`` of dims ``dim1``/``dim2``, as the last dim. Opset 9+.

    ``Transpose`` moves the two dims last, ``Reshape`` merges them, ``Gather`` picks
    ``(r + max(-offset, 0)) * m + r + max(offset, 0)`` for r in ``Range(length)``.
    Both exporters: torch's dynamo lowering (``diag`` of a matrix too) multiplies by an
    ``EyeLike`` mask and sums, so NaN or inf off the diagonal spoil the result.
    """
    rank = rank_of(g, x)
    d1, d2 = normalize_dim(dim1, rank), normalize_dim(dim2, rank)
    perm = [d for d in range(rank) if d not in (d1, d2)] + [d1, d2]
    y = x if perm == list(range(rank)) else g.op("Transpose", x, perm=perm)
    return _diagonal_last(g, y, offset, rank)


@op("aten::index_select", opset=9, exporters=_TS)
def aten_index_select(g: Builder, x, dim: int, index):
    """``Gather`` along ``dim``; negative indices wrapped; opset 9+.

    Overrides torch's rule, which ORT rejects on a 0-d input (``Gather`` needs rank >= 1):
    here 0-d is gathered as a 1-element vector and reshaped back.
    """
    was_0d = rank_of(g, x) == 0
    axis = 0 if was_0d else normalize_dim(dim, rank_of(g, x))
    x = to_1d(g, x) if was_0d else x
    index = wrap_index(g, g.op("Reshape", index, ints(g, [-1])), dim_size(g, x, axis))
    y = g.op("Gather", x, index, axis=axis)
    return to_0d(g, y) if was_0d else y


@op("aten::masked_select", opset=9)
def aten_masked_select(g: Builder, x, mask):
    """The elements of ``x`` where ``mask`` (both broadcast) is true, flattened. Opset 9+:
    ``Expand`` both to the common shape, ``Compress`` the flattened ``x`` by the mask.

    Overrides torch's TorchScript rule, whose ``GatherND`` ORT rejects when ``mask`` has more
    dims than ``x`` (it does not broadcast ``x``); the dynamo exporter has no rule.
    """
    x = g.op("Expand", x, g.op("Shape", mask))
    mask = g.op("Expand", mask, g.op("Shape", x))
    flat = ints(g, [-1])
    return g.op("Compress", g.op("Reshape", x, flat), g.op("Reshape", mask, flat), axis=0)


@op("aten::meshgrid", opset=9, exporters=_TS)
def aten_meshgrid(g: Builder, tensors, indexing: Optional[str] = None):
    """Each 1-d input reshaped to its own axis and ``Expand``-ed to the grid's shape (opset 9+).

    ``indexing="xy"`` swaps the first two axes of the grid. torch's rule fails on 0-d inputs
    and on one-tensor lists.
    """
    n = len(tensors)
    flat = [g.op("Reshape", t, ints(g, [-1])) for t in tensors]
    order = list(range(n))
    if indexing == "xy" and n >= 2:
        order[0], order[1] = 1, 0
    sizes = [g.op("Shape", f) for f in flat]
    shape = sizes[order[0]] if n == 1 else g.op("Concat", *[sizes[i] for i in order], axis=0)
    grids = []
    for i, f in enumerate(flat):
        view = [1] * n
        view[order.index(i)] = -1
        grids.append(g.op("Expand", g.op("Reshape", f, ints(g, view)), shape))
    return grids


@op("aten::nonzero", opset=9)
def aten_nonzero(g: Builder, x):
    """``Transpose(NonZero(x))``, [count, rank] int64. Opset 9+.

    Overrides both exporters' rules, which give a 0-d input the shape [count, 1]
    (ONNX's ``NonZero`` treats a scalar as a vector); torch gives [count, 0].
    """
    return _nonzero(g, x)


@op("aten::nonzero_numpy", opset=9, exporters=_TS)
def aten_nonzero_numpy(g: Builder, x):
    """``nonzero(as_tuple=True)``: one int64 vector of indices per dim (a 0-d input counts as
    1-d, as in torch), each a ``Gather`` of a column of ``Transpose(NonZero(x))``. Opset 9+.

    Overrides torch's rule, whose graph fails ONNX shape inference on a 0-d input.
    """
    rank = rank_of(g, x)
    found = _nonzero(g, to_1d(g, x) if rank == 0 else x)
    return [g.op("Gather", found, ints(g, j), axis=1) for j in range(max(rank, 1))]


@op("aten::nonzero_static", opset=9)
def aten_nonzero_static(g: Builder, x, size, fill_value: int = -1):
    """``nonzero`` cut or padded with ``fill_value`` rows to exactly ``size`` rows. Opset 9+:
    ``Concat`` of the indices with ``size`` filler rows, then ``Slice`` of the first ``size``.

    ``size`` may be computed (torch.export's decompositions of ``combinations`` and ``diag``
    pass a dynamic dim): the rows then come from the graph (opset 10+: ``Slice`` of computed bounds).
    """
    found = _nonzero(g, x)
    rank = rank_of(g, x)
    fill = np.asarray([fill_value], dtype=np.int64)
    count = g.constant_value(size)
    if isinstance(count, int):
        filler = g.op("ConstantOfShape", ints(g, [count, rank]), value=fill)
        return slice_(g, g.op("Concat", found, filler, axis=0), [0], [0], [count])
    count = g.op("Reshape", size, ints(g, [1]))
    filler = g.op("ConstantOfShape", g.op("Concat", count, ints(g, [rank]), axis=0), value=fill)
    return slice_(g, g.op("Concat", found, filler, axis=0), [0], [0], [count])


@op("aten::take_along_dim", opset=11)
def aten_take_along_dim(g: Builder, x, indices, dim: Optional[int] = None):
    """``GatherElements`` (opset 11+) along ``dim`` after broadcasting ``x`` and ``indices``
    in every other dim; ``dim=None`` gathers from ``x`` flattened. Below 11 ONNX has no
    ``GatherElements``.

    Both exporters: torch.export's decomposition wraps negative indices with the traced size
    of ``dim`` (``remainder(index, 5)``), wrong once that dim changes; ``GatherElements``
    takes negative indices itself.
    """
    if dim is None:
        flat = ints(g, [-1])
        return g.op("GatherElements", g.op("Reshape", x, flat), g.op("Reshape", indices, flat), axis=0)
    rank = rank_of(g, x)
    axis = normalize_dim(dim, rank)
    one = ints(g, [1])
    sx, si = _with_dim(g, g.op("Shape", x), axis, rank, one), _with_dim(g, g.op("Shape", indices), axis, rank, one)
    common = g.op("Where", g.op("Equal", sx, one), si, sx)
    x = g.op("Expand", x, _with_dim(g, common, axis, rank, dim_size(g, x, axis)))
    indices = g.op("Expand", indices, _with_dim(g, common, axis, rank, dim_size(g, indices, axis)))
    return g.op("GatherElements", x, indices, axis=axis)


@op("aten::tril", opset=9, exporters=_TS)
def aten_tril(g: Builder, x, diagonal: int = 0):
    """Lower triangle. Opset 14+: ``Trilu``; opset 9-13: ``Where`` of a mask
    ``col - row <= diagonal`` built from ``Range`` (``NonZero`` counting below 11)."""
    return _triangle(g, x, diagonal, upper=False)


@op("aten::triu", opset=9, exporters=_TS)
def aten_triu(g: Builder, x, diagonal: int = 0):
    """Upper triangle. Opset 14+: ``Trilu``; opset 9-13: ``Where`` of a mask
    ``col - row >= diagonal`` built from ``Range`` (``NonZero`` counting below 11)."""
    return _triangle(g, x, diagonal, upper=True)
