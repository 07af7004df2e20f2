"""Indexing: triangular masks, diagonals, scatter into slices, nonzero, combinations and block matrices.

Shapes are computed in the graph (``Shape``/``Gather``), so every rule works with dynamic
dims. Below opset 11 ONNX has no ``Range``; ``_arange`` counts with ``NonZero`` of a
``ConstantOfShape`` of ones instead, so the rules serve opset 9 too.
Rules are in alphabetical order of their op.
"""

from __future__ import annotations

import numpy as np
import torch

from symreg import dtypes
from symreg.builder import Builder
from symreg.registry import op

# --- private helpers (shared-code candidates) -------------------------------------------


def _ints(g: Builder, values) -> object:
    return g.constant(np.asarray(values, dtype=np.int64))


def _dims_of(g: Builder, x, axes) -> object:
    """``shape(x)[axes]`` as a 1-d int64 tensor (``axes`` non-negative)."""
    return g.op("Gather", g.op("Shape", x), _ints(g, list(axes)), axis=0)


def _scalar(g: Builder, v) -> object:
    return g.op("Reshape", v, _ints(g, np.zeros(0, dtype=np.int64)))


def _arange(g: Builder, n) -> object:
    """0, 1, ..., n - 1 (int64, 1-d) for a 1-element int64 tensor ``n`` >= 0."""
    if g.opset >= 11:
        return g.op("Range", _ints(g, 0), _scalar(g, n), _ints(g, 1))
    ones = g.op("ConstantOfShape", n, value=np.ones(1, dtype=np.int64))
    return g.op("Reshape", g.op("NonZero", ones), _ints(g, [-1]))


def _min(g: Builder, a, b) -> object:
    """Elementwise min of int64 tensors (``Min`` takes integers only from opset 12)."""
    return g.op("Where", g.op("Less", a, b), a, b)


def _max(g: Builder, a, b) -> object:
    return g.op("Where", g.op("Less", a, b), b, a)


def _zeros(g: Builder, shape, dtype: torch.dtype) -> object:
    value = np.zeros(1, dtype=dtypes.numpy_dtype(dtype))
    return g.op("ConstantOfShape", shape, value=value)


def _zero_like(g: Builder, x) -> object:
    """A 1-element zero (False for bool) in ``x``'s dtype, broadcasting like a scalar."""
    return g.constant(np.zeros(1, dtype=dtypes.numpy_dtype(g.dtype(x))))


def _axis(axis: int, rank: int) -> int:
    return axis + rank if axis < 0 else axis


def _diagonal_last(g: Builder, y, offset: int, rank: int) -> object:
    """The ``offset`` diagonal of the last two dims of ``y`` (rank ``rank`` >= 2), as its last dim."""
    shape = g.op("Shape", y)
    batch = g.op("Gather", shape, _ints(g, list(range(rank - 2))), axis=0)
    n = g.op("Gather", shape, _ints(g, [rank - 2]), axis=0)
    m = g.op("Gather", shape, _ints(g, [rank - 1]), axis=0)
    row0, col0 = max(-offset, 0), max(offset, 0)
    length = _min(g, g.op("Sub", n, _ints(g, [row0])), g.op("Sub", m, _ints(g, [col0])))
    length = _max(g, length, _ints(g, [0]))
    r = _arange(g, length)
    flat_index = g.op("Add", g.op("Mul", g.op("Add", r, _ints(g, [row0])), m), g.op("Add", r, _ints(g, [col0])))
    flat = g.op("Reshape", y, g.op("Concat", batch, g.op("Mul", n, m), axis=0))
    return g.op("Gather", flat, flat_index, axis=rank - 2)


def _embed_last(g: Builder, x, offset: int, rank: int) -> object:
    """``x`` (rank ``rank`` >= 1) on the ``offset`` diagonal of two new last dims of size n + |offset|."""
    shape = g.op("Shape", x)
    n = g.op("Gather", shape, _ints(g, [rank - 1]), axis=0)
    size = g.op("Add", n, _ints(g, [abs(offset)]))
    i = g.op("Reshape", _arange(g, size), _ints(g, [-1, 1]))
    j = g.op("Reshape", _arange(g, size), _ints(g, [1, -1]))
    on = g.op("Equal", g.op("Sub", j, i), _ints(g, [offset]))
    source = i if offset >= 0 else j
    # off the diagonal, index n: the zero appended to x's last dim
    index = g.op("Where", on, source, n)
    return g.op("Gather", _pad_zero(g, x, rank - 1, rank), index, axis=rank - 1)


def _positive_index(g: Builder, index, size) -> object:
    """int64 ``index`` with negative values wrapped by ``size`` (a 1-element int64 tensor)."""
    index = g.op("Cast", index, to=dtypes.onnx_type(torch.int64))
    return g.op("Where", g.op("Less", index, _ints(g, [0])), g.op("Add", index, size), index)


def _along(g: Builder, v, dim: int, rank: int) -> object:
    """1-d ``v`` reshaped to broadcast along ``dim`` of a rank-``rank`` tensor: [-1, 1, ..., 1]."""
    return g.op("Reshape", v, _ints(g, [-1] + [1] * (rank - dim - 1)))


def _scatter_elements(g: Builder, data, index, updates, axis: int, reduction: str | None = None) -> object:
    """``ScatterElements`` (opset 11+), ``Scatter`` below; ``index`` non-negative."""
    if g.opset < 11:
        return g.op("Scatter", data, index, updates, axis=axis)
    if reduction is None:
        return g.op("ScatterElements", data, index, updates, axis=axis)
    return g.op("ScatterElements", data, index, updates, axis=axis, reduction=reduction)


def _as_vector(g: Builder, x) -> tuple[object, bool]:
    """``x`` as rank >= 1 (0-d becomes [1]); the flag says to reshape the result back to 0-d."""
    if g.rank(x) == 0:
        return g.op("Reshape", x, _ints(g, [1])), True
    return x, False


def _back(g: Builder, y, was_0d: bool) -> object:
    return g.op("Reshape", y, _ints(g, np.zeros(0, dtype=np.int64))) if was_0d else y


def _reduce_sum(g: Builder, x, axis: int) -> object:
    if g.opset >= 13:
        return g.op("ReduceSum", x, _ints(g, [axis]), keepdims=0)
    return g.op("ReduceSum", x, axes=[axis], keepdims=0)


def _unsqueeze(g: Builder, x, axis: int) -> object:
    if g.opset >= 13:
        return g.op("Unsqueeze", x, _ints(g, [axis]))
    return g.op("Unsqueeze", x, axes=[axis])


def _select(g: Builder, cond, a, b) -> object:
    """``Where(cond, a, b)``; for bool ``a``/``b`` with And/Or/Not (ORT has no bool Where at opset 9)."""
    if g.dtype(b) == torch.bool:
        return g.op("Or", g.op("And", cond, a), g.op("And", g.op("Not", cond), b))
    return g.op("Where", cond, a, b)


def _pad_zero(g: Builder, x, axis: int, rank: int) -> object:
    """``x`` with one zero slice appended along ``axis``, a target for indices that pick nothing."""
    shape = g.op("Shape", x)
    parts = [_ints(g, [1])]
    if axis > 0:
        parts.insert(0, g.op("Gather", shape, _ints(g, list(range(axis))), axis=0))
    if axis < rank - 1:
        parts.append(g.op("Gather", shape, _ints(g, list(range(axis + 1, rank))), axis=0))
    zeros_shape = parts[0] if len(parts) == 1 else g.op("Concat", *parts, axis=0)
    return g.op("Concat", x, _zeros(g, zeros_shape, g.dtype(x)), axis=axis)


def _promoted(g: Builder, values) -> list:
    """``values`` cast to the dtype torch promotes them to (tensors of Tensor[] arguments)."""
    kinds = [g.dtype(v) for v in values]
    if any(k is None for k in kinds):
        return list(values)
    target = kinds[0]
    for k in kinds[1:]:
        target = torch.promote_types(target, k)
    return [v if k == target else g.op("Cast", v, to=dtypes.onnx_type(target)) for v, k in zip(values, kinds)]


def _nonzero(g: Builder, x) -> object:
    """Indices of the nonzero elements, [count, rank] int64; 0-d input gives [count, 0]."""
    rank = g.rank(x)
    if g.dtype(x) == torch.float64:
        x = g.op("Cast", x, to=dtypes.onnx_type(torch.bool))  # ORT has no float64 NonZero; NaN is true
    if rank == 0:
        found = g.op("Transpose", g.op("NonZero", g.op("Reshape", x, _ints(g, [1]))), perm=[1, 0])
        if g.opset >= 10:
            return g.op("Slice", found, _ints(g, [0]), _ints(g, [0]), _ints(g, [1]))
        return g.op("Slice", found, starts=[0], ends=[0], axes=[1])
    return g.op("Transpose", g.op("NonZero", x), perm=[1, 0])


def _with_dim(g: Builder, shape, dim: int, rank: int, size) -> object:
    """1-d ``shape`` (length ``rank``) with entry ``dim`` replaced by the 1-element ``size``."""
    parts = [size]
    if dim > 0:
        parts.insert(0, g.op("Gather", shape, _ints(g, list(range(dim))), axis=0))
    if dim < rank - 1:
        parts.append(g.op("Gather", shape, _ints(g, list(range(dim + 1, rank))), axis=0))
    return parts[0] if len(parts) == 1 else g.op("Concat", *parts, axis=0)


def _triangle(g: Builder, x, diagonal: int, upper: bool) -> object:
    if g.opset >= 14:
        return g.op("Trilu", x, _ints(g, diagonal), upper=int(upper))
    rank = g.rank(x)
    n, m = _dims_of(g, x, [rank - 2]), _dims_of(g, x, [rank - 1])
    above = g.op("Sub", g.op("Reshape", _arange(g, m), _ints(g, [1, -1])), g.op("Reshape", _arange(g, n), _ints(g, [-1, 1])))
    if upper:
        keep = g.op("Greater", above, _ints(g, [diagonal - 1]))
    else:
        keep = g.op("Less", above, _ints(g, [diagonal + 1]))
    if g.dtype(x) == torch.bool:
        return g.op("And", keep, x)  # ORT has no bool Where
    return g.op("Where", keep, x, _zero_like(g, x))


# --- rules ------------------------------------------------------------------------------


@op("aten::argwhere", opset=9, exporters=("torchscript",))
def aten_argwhere(g: Builder, x):
    """``nonzero``: ``Transpose(NonZero(x))``; 0-d input gives [count, 0]. Opset 9+."""
    return _nonzero(g, x)


@op("aten::block_diag", opset=9, exporters=("torchscript",))
def aten_block_diag(g: Builder, tensors):
    """The tensors (0-d, 1-d as one row, 2-d) on the diagonal of a zero matrix, in the
    promoted dtype. Opset 9+: each block is padded with zero columns left and right
    (``ConstantOfShape`` of shapes computed in the graph), then the rows are concatenated."""
    blocks = []
    for t in _promoted(g, tensors):
        rank = g.rank(t)
        blocks.append(t if rank == 2 else g.op("Reshape", t, _ints(g, [1, -1])))
    dtype = g.dtype(blocks[0])
    rows = [_dims_of(g, b, [0]) for b in blocks]
    cols = [_dims_of(g, b, [1]) for b in blocks]
    zero = _ints(g, [0])
    total = zero
    for c in cols:
        total = g.op("Add", total, c)
    out, before = [], zero
    for b, r, c in zip(blocks, rows, cols):
        after = g.op("Sub", g.op("Sub", total, before), c)
        left = _zeros(g, g.op("Concat", r, before, axis=0), dtype)
        right = _zeros(g, g.op("Concat", r, after, axis=0), dtype)
        out.append(g.op("Concat", left, b, right, axis=1))
        before = g.op("Add", before, c)
    return out[0] if len(out) == 1 else g.op("Concat", *out, axis=0)


@op("aten::cartesian_prod", opset=9, exporters=("torchscript",))
def aten_cartesian_prod(g: Builder, tensors):
    """Every combination of the 1-d tensors' elements, [prod(n_i), k], in the promoted dtype
    (one tensor: itself). Opset 9+: each tensor reshaped along its own axis, ``Expand``ed to
    the full grid, flattened, and the columns concatenated."""
    tensors = _promoted(g, tensors)
    if len(tensors) == 1:
        return tensors[0]
    k = len(tensors)
    grid = g.op("Concat", *[_dims_of(g, t, [0]) for t in tensors], axis=0)
    columns = []
    for i, t in enumerate(tensors):
        along = g.op("Reshape", t, _ints(g, [1] * i + [-1] + [1] * (k - i - 1)))
        columns.append(g.op("Reshape", g.op("Expand", along, grid), _ints(g, [-1, 1])))
    return g.op("Concat", *columns, axis=1)


@op("aten::diag", opset=9, exporters=("torchscript",))
def aten_diag(g: Builder, x, diagonal: int = 0):
    """1-d: a matrix with ``x`` on diagonal ``diagonal``; 2-d: that diagonal. Opset 9+.

    Built by ``Gather`` with indices from ``Range`` (``NonZero`` counting below opset 11);
    off-diagonal entries gather a zero appended to ``x``, so empty inputs work too.
    """
    if g.rank(x) == 1:
        return _embed_last(g, x, diagonal, 1)
    return _diagonal_last(g, x, diagonal, 2)


@op("aten::diag_embed", opset=9, exporters=("torchscript",))
def aten_diag_embed(g: Builder, x, offset: int = 0, dim1: int = -2, dim2: int = -1):
    """``x``'s last dim on diagonal ``offset`` of dims ``dim1``/``dim2`` of the result. Opset 9+.

    ``Gather`` of ``x`` padded with a zero builds the two new last dims, a ``Transpose``
    moves them to ``dim1`` and ``dim2``.
    """
    rank = g.rank(x)
    y = _embed_last(g, x, offset, rank)
    d1, d2 = _axis(dim1, rank + 1), _axis(dim2, rank + 1)
    batch = iter(range(rank - 1))
    perm = [rank - 1 if p == d1 else rank if p == d2 else next(batch) for p in range(rank + 1)]
    return y if perm == list(range(rank + 1)) else g.op("Transpose", y, perm=perm)


@op("aten::diagflat", opset=9, exporters=("torchscript",))
def aten_diagflat(g: Builder, x, offset: int = 0):
    """``diag`` of ``x`` flattened. Opset 9+."""
    return _embed_last(g, g.op("Reshape", x, _ints(g, [-1])), offset, 1)


@op(("aten::diagonal", "aten::diagonal_copy"), opset=9, exporters=("torchscript",))
def aten_diagonal(g: Builder, x, offset: int = 0, dim1: int = 0, dim2: int = 1):
    """Diagonal ``offset`` of dims ``dim1``/``dim2``, as the last dim. Opset 9+.

    ``Transpose`` moves the two dims last, ``Reshape`` merges them, ``Gather`` picks
    ``(r + max(-offset, 0)) * m + r + max(offset, 0)`` for r in ``Range(length)``.
    """
    rank = g.rank(x)
    d1, d2 = _axis(dim1, rank), _axis(dim2, rank)
    perm = [d for d in range(rank) if d not in (d1, d2)] + [d1, d2]
    y = x if perm == list(range(rank)) else g.op("Transpose", x, perm=perm)
    return _diagonal_last(g, y, offset, rank)


@op("aten::diagonal_scatter", opset=9, exporters=("torchscript",))
def aten_diagonal_scatter(g: Builder, x, src, offset: int = 0, dim1: int = 0, dim2: int = 1):
    """``x`` with diagonal ``offset`` of dims ``dim1``/``dim2`` replaced by ``src``. Opset 9+.

    ``Transpose`` moves the two dims last; a mask ``col - row == offset`` (from ``Range``,
    ``NonZero`` counting below 11) picks ``Gather(src, row - max(-offset, 0))`` on the
    diagonal and ``x`` elsewhere; ``Transpose`` moves the dims back.
    """
    rank = g.rank(x)
    d1, d2 = _axis(dim1, rank), _axis(dim2, rank)
    perm = [d for d in range(rank) if d not in (d1, d2)] + [d1, d2]
    identity = perm == list(range(rank))
    y = x if identity else g.op("Transpose", x, perm=perm)
    n, m = _dims_of(g, y, [rank - 2]), _dims_of(g, y, [rank - 1])
    i = g.op("Reshape", _arange(g, n), _ints(g, [-1, 1]))
    j = g.op("Reshape", _arange(g, m), _ints(g, [1, -1]))
    on = g.op("Equal", g.op("Sub", j, i), _ints(g, [offset]))
    # off the diagonal, index len(src): the zero appended to src's last dim
    index = g.op("Where", on, g.op("Sub", i, _ints(g, [max(-offset, 0)])), _dims_of(g, src, [rank - 2]))
    taken = g.op("Gather", _pad_zero(g, src, rank - 2, rank - 1), index, axis=rank - 2)
    out = _select(g, on, taken, y)
    return out if identity else g.op("Transpose", out, perm=[perm.index(k) for k in range(rank)])


@op("aten::index_add", opset=9, exporters=("torchscript",))
def aten_index_add(g: Builder, x, dim: int, index, source, alpha: float = 1):
    """``x`` plus ``alpha * source`` summed into the slices ``index`` names along ``dim``.

    Opset 16+: ``ScatterElements(reduction="add")``. Opset 9-15 (no reduction, and
    duplicate indices must add up): a one-hot ``Where`` of ``Equal(arange, index)``
    spreads ``source`` over the ``n`` slices and ``ReduceSum`` adds the duplicates.
    """
    x, was_0d = _as_vector(g, x)
    source, _ = _as_vector(g, source)
    rank = g.rank(x)
    d = _axis(dim, rank)
    n = _dims_of(g, x, [d])
    idx = _positive_index(g, g.op("Reshape", index, _ints(g, [-1])), n)
    if alpha != 1:
        source = g.op("Mul", source, g.constant(np.asarray([alpha]).astype(dtypes.numpy_dtype(g.dtype(source)))))
    if g.opset >= 16:
        idx = g.op("Expand", _along(g, idx, d, rank), g.op("Shape", source))
        return _back(g, g.op("ScatterElements", x, idx, source, axis=d, reduction="add"), was_0d)
    hit = g.op("Equal", g.op("Reshape", _arange(g, n), _ints(g, [-1, 1])), g.op("Reshape", idx, _ints(g, [1, -1])))
    for axis in range(2, rank - d + 1):
        hit = _unsqueeze(g, hit, axis)
    spread = g.op("Where", hit, _unsqueeze(g, source, d), _zero_like(g, source))
    return _back(g, g.op("Add", x, _reduce_sum(g, spread, d + 1)), was_0d)


@op("aten::index_copy", opset=9, exporters=("torchscript",))
def aten_index_copy(g: Builder, x, dim: int, index, source):
    """``x`` with its slices ``index`` along ``dim`` replaced by ``source``'s. Opset 9+:
    ``ScatterElements`` (``Scatter`` below 11) with ``index`` expanded to ``source``'s shape.

    Overrides torch's rule, which ORT rejects on 0-d inputs; here 0-d is a 1-element vector.
    """
    x, was_0d = _as_vector(g, x)
    source, _ = _as_vector(g, source)
    rank = g.rank(x)
    d = _axis(dim, rank)
    idx = _positive_index(g, g.op("Reshape", index, _ints(g, [-1])), _dims_of(g, x, [d]))
    idx = g.op("Expand", _along(g, idx, d, rank), g.op("Shape", source))
    return _back(g, _scatter_elements(g, x, idx, source, d), was_0d)


@op("aten::index_fill", opset=9, exporters=("torchscript",))
def aten_index_fill(g: Builder, x, dim: int, index, value):
    """``x`` with its slices ``index`` along ``dim`` set to ``value``. Opset 9+: a mask
    scattered (``ScatterElements``, ``Scatter`` below 11) into zeros, then ``Where``.

    Overrides torch's rule, which ORT rejects on 0-d inputs; here 0-d is a 1-element vector.
    """
    x, was_0d = _as_vector(g, x)
    rank = g.rank(x)
    d = _axis(dim, rank)
    n = _dims_of(g, x, [d])
    idx = _positive_index(g, g.op("Reshape", index, _ints(g, [-1])), n)
    ones = g.op("Expand", _ints(g, [1]), g.op("Shape", idx))
    hit = _scatter_elements(g, _zeros(g, n, torch.int64), idx, ones, 0)
    hit = _along(g, g.op("Cast", hit, to=dtypes.onnx_type(torch.bool)), d, rank)
    value = g.op("Cast", value, to=dtypes.onnx_type(g.dtype(x)))
    return _back(g, _select(g, hit, value, x), was_0d)


@op("aten::index_select", opset=9, exporters=("torchscript",))
def aten_index_select(g: Builder, x, dim: int, index):
    """``Gather`` along ``dim``; negative indices wrapped; opset 9+.

    Overrides torch's rule, which ORT rejects on a 0-d input (``Gather`` needs rank >= 1):
    here 0-d is gathered as a 1-element vector and reshaped back.
    """
    x, was_0d = _as_vector(g, x)
    rank = g.rank(x)
    d = _axis(dim, rank)
    idx = _positive_index(g, g.op("Reshape", index, _ints(g, [-1])), _dims_of(g, x, [d]))
    return _back(g, g.op("Gather", x, idx, axis=d), was_0d)


@op("aten::masked_select", opset=9)
def aten_masked_select(g: Builder, x, mask):
    """The elements of ``x`` where ``mask`` (both broadcast) is true, flattened. Opset 9+:
    ``Expand`` both to the common shape, ``Compress`` the flattened ``x`` by the mask.

    Overrides torch's TorchScript rule, whose ``GatherND`` ORT rejects when ``mask`` has more
    dims than ``x`` (it does not broadcast ``x``); the dynamo exporter has no rule.
    """
    x = g.op("Expand", x, g.op("Shape", mask))
    mask = g.op("Expand", mask, g.op("Shape", x))
    flat = _ints(g, [-1])
    return g.op("Compress", g.op("Reshape", x, flat), g.op("Reshape", mask, flat), axis=0)


@op("aten::nonzero", opset=9)
def aten_nonzero(g: Builder, x):
    """``Transpose(NonZero(x))``, [count, rank] int64. Opset 9+.

    Overrides both exporters' rules, which give a 0-d input the shape [count, 1]
    (ONNX's ``NonZero`` treats a scalar as a vector); torch gives [count, 0].
    """
    return _nonzero(g, x)


@op("aten::nonzero_numpy", opset=9, exporters=("torchscript",))
def aten_nonzero_numpy(g: Builder, x):
    """``nonzero(as_tuple=True)``: one int64 vector of indices per dim (a 0-d input counts as
    1-d, as in torch), each a ``Gather`` of a column of ``Transpose(NonZero(x))``. Opset 9+.

    Overrides torch's rule, whose graph fails ONNX shape inference on a 0-d input.
    """
    if g.rank(x) == 0:
        x = g.op("Reshape", x, _ints(g, [1]))
    found = _nonzero(g, x)
    return [g.op("Gather", found, g.constant(np.int64(j)), axis=1) for j in range(g.rank(x))]


@op("aten::nonzero_static", opset=9)
def aten_nonzero_static(g: Builder, x, size: int, fill_value: int = -1):
    """``nonzero`` cut or padded with ``fill_value`` rows to exactly ``size`` rows. Opset 9+:
    ``Concat`` of the indices with ``size`` filler rows, then ``Slice`` of the first ``size``."""
    found = _nonzero(g, x)
    rank = g.rank(x)
    filler = g.op("ConstantOfShape", _ints(g, [size, rank]), value=np.asarray([fill_value], dtype=np.int64))
    both = g.op("Concat", found, filler, axis=0)
    if g.opset >= 10:
        return g.op("Slice", both, _ints(g, [0]), _ints(g, [size]), _ints(g, [0]))
    return g.op("Slice", both, starts=[0], ends=[size], axes=[0])


@op("aten::select_scatter", opset=9, exporters=("torchscript",))
def aten_select_scatter(g: Builder, x, src, dim: int, index: int):
    """``x`` with ``x.select(dim, index)`` replaced by ``src``: ``Where`` of
    ``arange == index`` along ``dim``, ``src`` unsqueezed there. Opset 9+."""
    rank = g.rank(x)
    d = _axis(dim, rank)
    n = _dims_of(g, x, [d])
    at = _ints(g, [index]) if index >= 0 else g.op("Add", n, _ints(g, [index]))
    hit = _along(g, g.op("Equal", _arange(g, n), at), d, rank)
    return _select(g, hit, _unsqueeze(g, src, d), x)


@op("aten::slice_scatter", opset=9, exporters=("torchscript",))
def aten_slice_scatter(
    g: Builder, x, src, dim: int = 0, start: int | None = None, end: int | None = None, step: int = 1
):
    """``x`` with ``x[start:end:step]`` along ``dim`` replaced by ``src``. Opset 9+.

    Python's slice bounds are clamped in the graph; position p takes ``src[(p - start) / step]``
    (``Gather`` from ``src`` padded with a zero slice) where it is in the slice, else ``x[p]``.
    """
    rank = g.rank(x)
    d = _axis(dim, rank)
    n = _dims_of(g, x, [d])
    zero = _ints(g, [0])

    def bound(v: int | None, default):
        if v is None:
            return default
        if v < 0:
            return _max(g, g.op("Add", n, _ints(g, [v])), zero)
        return _min(g, _ints(g, [v]), n)

    first, stop = bound(start, zero), bound(end, n)
    p = _arange(g, n)
    offset = g.op("Sub", p, first)
    hit = g.op("And", g.op("Not", g.op("Less", p, first)), g.op("Less", p, stop))
    which = offset
    if step != 1:
        which = g.op("Div", offset, _ints(g, [step]))
        on_step = g.op("Equal", g.op("Mul", which, _ints(g, [step])), offset)
        hit = g.op("And", hit, on_step)
    which = g.op("Where", hit, which, _dims_of(g, src, [d]))  # off the slice: the zero pad
    taken = g.op("Gather", _pad_zero(g, src, d, rank), which, axis=d)
    return _select(g, _along(g, hit, d, rank), taken, x)


@op("aten::take_along_dim", opset=11, exporters=("torchscript",))
def aten_take_along_dim(g: Builder, x, indices, dim: int | None = None):
    """``GatherElements`` (opset 11+) along ``dim`` after broadcasting ``x`` and ``indices``
    in every other dim; ``dim=None`` gathers from ``x`` flattened. Below 11 ONNX has no
    ``GatherElements``."""
    if dim is None:
        flat = _ints(g, [-1])
        return g.op("GatherElements", g.op("Reshape", x, flat), g.op("Reshape", indices, flat), axis=0)
    rank = g.rank(x)
    d = _axis(dim, rank)
    sx, si = g.op("Shape", x), g.op("Shape", indices)
    one = _ints(g, [1])
    sx1, si1 = _with_dim(g, sx, d, rank, one), _with_dim(g, si, d, rank, one)
    common = g.op("Where", g.op("Equal", sx1, one), si1, sx1)
    x = g.op("Expand", x, _with_dim(g, common, d, rank, _dims_of(g, x, [d])))
    indices = g.op("Expand", indices, _with_dim(g, common, d, rank, _dims_of(g, indices, [d])))
    return g.op("GatherElements", x, indices, axis=d)


@op("aten::tril", opset=9, exporters=("torchscript",))
def aten_tril(g: Builder, x, diagonal: int = 0):
    """Lower triangle. Opset 14+: ``Trilu``; opset 9-13: ``Where`` of a mask
    ``col - row <= diagonal`` built from ``Range`` (``NonZero`` counting below 11)."""
    return _triangle(g, x, diagonal, upper=False)


@op("aten::triu", opset=9, exporters=("torchscript",))
def aten_triu(g: Builder, x, diagonal: int = 0):
    """Upper triangle. Opset 14+: ``Trilu``; opset 9-13: ``Where`` of a mask
    ``col - row >= diagonal`` built from ``Range`` (``NonZero`` counting below 11)."""
    return _triangle(g, x, diagonal, upper=True)
