"""Shape ops: views and their _copy forms, permutes, splits, flips, rotations, tile and repeat.

Most rules here fill gaps of torch's TorchScript exporter (its dynamo exporter gets these
ops right, so they are registered for TorchScript only). Sizes are computed in the graph
(``Shape``/``Gather``/``Slice``/``Concat``) wherever they depend on an input's dims, so the
models keep working when those dims change; a size given by the model as a constant list
is baked in, as eager torch would use it.

Overrides of torch's own TorchScript rules, and why:

- ``aten::permute``, ``aten::movedim``: torch writes negative dims into ``Transpose``'s
  ``perm``, which ONNX forbids; the rules normalise them.
- ``aten::repeat``, ``aten::tile``: torch gives ``Tile`` a float ``repeats`` when the list
  is empty (0-d input) and, for tile at opset 13+, a ``Reshape`` that ORT rejects when a
  dim is 0; one lowering (``_tile``) serves both, also for repeats the model computes.
- ``aten::repeat_interleave``, ``aten::unflatten``, ``aten::tensor_split``: torch has rules
  from opset 13 only; these serve opset 9 (repeat_interleave with a tensor of counts: 11;
  tensor_split: 10) and up.

Rules are in alphabetical order of their op.
"""

from __future__ import annotations

from typing import Optional

import numpy as np
import torch

from symreg._torch_compat import constant_value
from symreg.builder import Builder
from symreg.errors import ExportError
from symreg.ops._helpers import cast
from symreg.registry import op

_INT64_MAX = np.iinfo(np.int64).max
_INT64_MIN = np.iinfo(np.int64).min
_TS = ("torchscript",)


# --- opset-dependent spellings of the same node ------------------------------------------


def _with_axes(g: Builder, op_type: str, x, axes: list[int], **attrs):
    """Squeeze/Unsqueeze/ReduceSum over ``axes``: an attribute below opset 13, an input from 13."""
    if g.opset >= 13:
        return g.op(op_type, x, g.constant(np.asarray(axes, dtype=np.int64)), **attrs)
    return g.op(op_type, x, axes=list(axes), **attrs)


def _slice(g: Builder, x, axes: list[int], starts: list, ends: list, steps: list[int] | None = None):
    """``Slice`` with constant bounds: attributes at opset 9, inputs from 10 (where ``steps`` may be given).

    ``starts``/``ends`` may hold 1-element int64 graph values from opset 10 (dynamic bounds).
    """
    constant = all(isinstance(v, (int, np.integer)) for v in (*starts, *ends))
    if g.opset < 10:
        if not constant or (steps is not None and any(s != 1 for s in steps)):
            raise ExportError(f"{g.overload}: this slice needs opset 10 (dynamic bounds or steps); export at 10+")
        return g.op("Slice", x, axes=list(axes), starts=[int(s) for s in starts], ends=[int(e) for e in ends])

    def bounds(values):
        if all(isinstance(v, (int, np.integer)) for v in values):
            return g.constant(np.asarray(values, dtype=np.int64))
        parts = [v if not isinstance(v, (int, np.integer)) else g.constant(np.asarray([v], dtype=np.int64)) for v in values]
        return parts[0] if len(parts) == 1 else g.op("Concat", *parts, axis=0)

    inputs = [x, bounds(starts), bounds(ends), g.constant(np.asarray(axes, dtype=np.int64))]
    if steps is not None:
        inputs.append(g.constant(np.asarray(steps, dtype=np.int64)))
    return g.op("Slice", *inputs)


def _split(g: Builder, x, sizes: list[int], axis: int) -> list:
    """``x`` split along ``axis`` into pieces of the constant ``sizes``."""
    if len(sizes) == 1:
        return [g.op("Identity", x)]
    if g.opset >= 13:
        parts = g.op("Split", x, g.constant(np.asarray(sizes, dtype=np.int64)), axis=axis, outputs=len(sizes))
    else:
        parts = g.op("Split", x, axis=axis, split=list(sizes), outputs=len(sizes))
    return list(parts)


def _split_equal(g: Builder, x, n: int, axis: int) -> list:
    """``x`` split along ``axis`` into ``n`` equal pieces (its size there divisible by ``n``), dynamic sizes."""
    if n == 1:
        return [g.op("Identity", x)]
    if g.opset < 13:
        return list(g.op("Split", x, axis=axis, outputs=n))
    piece = g.op("Div", _dim(g, x, axis), g.constant(np.asarray([n], dtype=np.int64)))
    sizes = g.op("Expand", piece, g.constant(np.asarray([n], dtype=np.int64)))
    return list(g.op("Split", x, sizes, axis=axis, outputs=n))


def _dim(g: Builder, x, axis: int):
    """``x.shape[axis]`` as a 1-element int64 tensor (a constant where the dim is static)."""
    shape = g.shape(x)
    if shape is not None and shape[axis] is not None:
        return g.constant(np.asarray([shape[axis]], dtype=np.int64))
    return g.op("Gather", g.op("Shape", x), g.constant(np.asarray([axis], dtype=np.int64)), axis=0)


def _shape_part(g: Builder, x, start: int, end: int):
    """``x.shape[start:end]`` as a 1-d int64 tensor (``end`` <= rank)."""
    return g.op("Gather", g.op("Shape", x), g.constant(np.arange(start, end, dtype=np.int64)), axis=0)


def _rank(g: Builder, x) -> int:
    rank = g.rank(x)
    if rank is None:
        raise ExportError(f"{g.overload}: the rank of the input is unknown; export with inputs of known rank")
    return rank


def _norm(dim: int, rank: int) -> int:
    return dim + rank if dim < 0 else dim


def _int64(g: Builder, x):
    """``x`` as int64 (the TorchScript exporter types an empty constant list as float)."""
    return x if g.dtype(x) == torch.int64 else cast(g, x, torch.int64)


def _transpose(g: Builder, x, perm: list[int]):
    if list(perm) == list(range(len(perm))):
        return g.op("Identity", x)
    return g.op("Transpose", x, perm=list(perm))


def _swap(g: Builder, x, dim0: int, dim1: int):
    rank = _rank(g, x)
    if rank < 2:
        return g.op("Identity", x)
    perm = list(range(rank))
    a, b = _norm(dim0, rank), _norm(dim1, rank)
    perm[a], perm[b] = perm[b], perm[a]
    return _transpose(g, x, perm)


def _flip(g: Builder, x, dims: list[int]):
    """Reversed along ``dims``: ``Slice`` with step -1 (opset 10)."""
    rank = _rank(g, x)
    if rank == 0 or not dims:
        return g.op("Identity", x)
    axes = [_norm(d, rank) for d in dims]
    return _slice(g, x, axes, [-1] * len(axes), [_INT64_MIN] * len(axes), [-1] * len(axes))


def _reshape(g: Builder, x, shape: list[int]):
    return g.op("Reshape", x, g.constant(np.asarray(shape, dtype=np.int64)))


# --- rules ----------------------------------------------------------------------------


@op("aten::_chunk_cat", opset=11)
def aten_chunk_cat(g: Builder, tensors, dim: int, num_chunks: int):
    """Each tensor zero-padded along ``dim`` to a multiple of ``num_chunks``, reshaped to
    ``[*leading, num_chunks, -1]`` and concatenated on the last axis (opset 11+: dynamic ``Pad``).

    Both exporters: torch's dynamo lowering bakes the traced sizes in, wrong for other shapes.
    """
    rank = _rank(g, tensors[0])
    dim = _norm(dim, rank)
    n = g.constant(np.asarray([num_chunks], dtype=np.int64))
    pieces = []
    for t in tensors:
        t_rank = _rank(g, t)
        size = _dim(g, t, dim)
        chunk = g.op("Div", g.op("Add", size, g.constant(np.asarray([num_chunks - 1], dtype=np.int64))), n)
        extra = g.op("Sub", g.op("Mul", chunk, n), size)
        zeros = g.constant(np.zeros(t_rank, dtype=np.int64))
        after = g.op("ScatterElements", zeros, g.constant(np.asarray([dim], dtype=np.int64)), extra, axis=0)
        padded = g.op("Pad", t, g.op("Concat", zeros, after, axis=0))
        # [*leading, n, chunk * prod(rest)]: the trailing size comes from the padded tensor's
        # own dims, so empty tensors reshape without a -1.
        trailing = g.op(
            "ReduceProd", g.op("Concat", chunk, _shape_part(g, padded, dim + 1, t_rank), axis=0), keepdims=1
        )
        shape = g.op("Concat", _shape_part(g, padded, 0, dim), n, trailing, axis=0)
        pieces.append(g.op("Reshape", padded, shape))
    return pieces[0] if len(pieces) == 1 else g.op("Concat", *pieces, axis=-1)


@op("aten::alias_copy", opset=9, exporters=_TS)
def aten_alias_copy(g: Builder, x):
    """``Identity`` (opset 9+)."""
    return g.op("Identity", x)


@op("aten::as_strided_copy", opset=9, exporters=_TS)
def aten_as_strided_copy(g: Builder, x, size: list[int], stride: list[int], storage_offset: Optional[int] = None):
    """``Gather`` of the flattened input at the constant strided offsets (opset 9+).

    The input of an exported model is contiguous, so its storage is its flattening.
    """
    flat = _reshape(g, x, [-1])
    return g.op("Gather", flat, g.constant(_strided_indices(size, stride, storage_offset or 0)), axis=0)


def _strided_indices(size: list[int], stride: list[int], offset: int) -> np.ndarray:
    index = np.full(size, offset, dtype=np.int64)
    for axis, (n, step) in enumerate(zip(size, stride)):
        shape = [1] * len(size)
        shape[axis] = n
        index = index + (np.arange(n, dtype=np.int64) * step).reshape(shape)
    return index


@op("aten::as_strided_scatter", opset=11)
def aten_as_strided_scatter(
    g: Builder, x, src, size: list[int], stride: list[int], storage_offset: Optional[int] = None
):
    """``ScatterElements`` of ``src`` into the flattened input at the constant strided offsets, reshaped back (opset 11+).

    Both exporters: torch's dynamo exporter has no lowering of the prims op it decomposes to.
    """
    index = _strided_indices(size, stride, storage_offset or 0).reshape(-1)
    flat = _reshape(g, x, [-1])
    updates = _reshape(g, src, [-1])
    scattered = g.op("ScatterElements", flat, g.constant(index), updates, axis=0)
    return g.op("Reshape", scattered, g.op("Shape", x))


@op("aten::column_stack", opset=9, exporters=_TS)
def aten_column_stack(g: Builder, tensors):
    """0-d and 1-d tensors as ``[n, 1]`` columns, then ``Concat`` on axis 1 (opset 9+)."""
    columns = [_reshape(g, t, [-1, 1]) if _rank(g, t) <= 1 else t for t in tensors]
    return columns[0] if len(columns) == 1 else g.op("Concat", *columns, axis=1)


@op("aten::dsplit", opset=9, exporters=_TS)
def aten_dsplit(g: Builder, x, sections: list[int]):
    """``_split_at`` along dim 2 (opset 9+; equal sections of a dynamic dim: ``Split``'s even split)."""
    return _split_at(g, x, sections, 2)


@op("aten::dstack", opset=9, exporters=_TS)
def aten_dstack(g: Builder, tensors):
    """``atleast_3d`` of each tensor (``Reshape``/``Unsqueeze``), ``Concat`` on axis 2 (opset 9+)."""
    parts = []
    for t in tensors:
        rank = _rank(g, t)
        if rank == 0:
            t = _reshape(g, t, [1, 1, 1])
        elif rank == 1:
            t = _with_axes(g, "Unsqueeze", t, [0, 2])
        elif rank == 2:
            t = _with_axes(g, "Unsqueeze", t, [2])
        parts.append(t)
    return parts[0] if len(parts) == 1 else g.op("Concat", *parts, axis=2)


@op("aten::expand_copy", opset=9, exporters=_TS)
def aten_expand_copy(g: Builder, x, size, implicit: bool = False):
    """``Expand`` to ``size``, whose -1 entries keep the input's dim (``Where`` on the shape; opset 9+)."""
    size = _int64(g, size)
    rank = _rank(g, x)
    count = g.shape(size)[0] if g.shape(size) is not None else None
    if count is None:
        raise ExportError(f"{g.overload}: the length of `size` is unknown; pass it as a list of known length")
    shape = g.op("Shape", x)
    if count > rank:
        shape = g.op("Concat", g.constant(np.ones(count - rank, dtype=np.int64)), shape, axis=0)
    keep = g.op("Equal", size, g.constant(np.asarray([-1], dtype=np.int64)))
    return g.op("Expand", x, g.op("Where", keep, shape, size))


@op("aten::fliplr", opset=10, exporters=_TS)
def aten_fliplr(g: Builder, x):
    """``x`` reversed along dim 1: ``Slice`` with step -1 (opset 10+)."""
    return _flip(g, x, [1])


@op("aten::flipud", opset=10, exporters=_TS)
def aten_flipud(g: Builder, x):
    """``x`` reversed along dim 0: ``Slice`` with step -1 (opset 10+)."""
    return _flip(g, x, [0])


@op("aten::hsplit", opset=9, exporters=_TS)
def aten_hsplit(g: Builder, x, sections: list[int]):
    """``_split_at`` along dim 1 (dim 0 of a 1-d input; opset 9+)."""
    return _split_at(g, x, sections, 1 if _rank(g, x) > 1 else 0)


def _split_at(g: Builder, x, sections: list[int], axis: int) -> list:
    """``torch.tensor_split``-style pieces: ``n`` equal ones (the ``.int`` overload) or cut at indices."""
    if not g.overload.endswith(".array"):  # the .int overload (traced with no overload name)
        (n,) = sections
        shape = g.shape(x)
        if shape is not None and shape[axis] is not None:
            return _split(g, x, [shape[axis] // n] * n, axis)
        return _split_equal(g, x, n, axis)
    return _cut(g, x, axis, [0, *sections, _INT64_MAX])


def _cut(g: Builder, x, axis: int, bounds: list) -> list:
    """The pieces ``x[bounds[i]:bounds[i + 1]]`` along ``axis`` (ints, or 1-element tensors from opset 10)."""
    return [_slice(g, x, [axis], [a], [b]) for a, b in zip(bounds, bounds[1:])]


@op(("aten::mH", "aten::mT"), opset=9, exporters=_TS)
def aten_mT(g: Builder, x):  # noqa: N802 - the op's name
    """The last two dims swapped (``Transpose``; opset 9+). ``mH`` too: real tensors have no conjugate."""
    return _swap(g, x, -2, -1)


@op("aten::matrix_H", opset=9, exporters=_TS)
def aten_matrix_H(g: Builder, x):  # noqa: N802 - the op's name
    """A 2-d tensor transposed (real tensors, so no conjugate; opset 9+)."""
    return _swap(g, x, 0, 1)


@op("aten::meshgrid", opset=9, exporters=_TS)
def aten_meshgrid(g: Builder, tensors, indexing: Optional[str] = None):
    """Each 1-d input reshaped to its own axis and ``Expand``-ed to the grid's shape (opset 9+).

    ``indexing="xy"`` swaps the first two axes of the grid. torch's rule fails on 0-d inputs
    and on one-tensor lists.
    """
    n = len(tensors)
    flat = [_reshape(g, t, [-1]) for t in tensors]
    order = list(range(n))
    if indexing == "xy" and n >= 2:
        order[0], order[1] = 1, 0
    sizes = [g.op("Shape", f) for f in flat]
    shape = sizes[order[0]] if n == 1 else g.op("Concat", *[sizes[i] for i in order], axis=0)
    grids = []
    for i, f in enumerate(flat):
        view = [1] * n
        view[order.index(i)] = -1
        grids.append(g.op("Expand", _reshape(g, f, view), shape))
    return grids


@op("aten::movedim", opset=9, exporters=_TS)
def aten_movedim(g: Builder, x, source: list[int], destination: list[int]):
    """``Transpose`` with the permutation torch.movedim builds, dims normalised (opset 9+).

    Overrides torch's rule, which writes negative dims into ``perm`` (invalid ONNX).
    """
    rank = _rank(g, x)
    src = [_norm(d, rank) for d in source]
    dst = [_norm(d, rank) for d in destination]
    perm = [-1] * rank
    for s, d in zip(src, dst):
        perm[d] = s
    rest = iter(d for d in range(rank) if d not in src)
    perm = [p if p >= 0 else next(rest) for p in perm]
    return _transpose(g, x, perm)


@op("aten::narrow_copy", opset=9, exporters=_TS)
def aten_narrow_copy(g: Builder, x, dim: int, start: int, length: int):
    """``Slice`` of ``length`` from ``start`` (negative: from the end) along ``dim`` (opset 9+)."""
    rank = _rank(g, x)
    end = start + length
    if start < 0 and end >= 0:
        end = _INT64_MAX
    return _slice(g, x, [_norm(dim, rank)], [start], [end])


@op(("aten::permute", "aten::permute_copy"), opset=9, exporters=_TS)
def aten_permute(g: Builder, x, dims: list[int]):
    """``Transpose`` with ``dims`` normalised to non-negative (opset 9+).

    Overrides torch's rule of ``aten::permute``, which writes negative dims into ``perm``.
    """
    rank = _rank(g, x)
    return _transpose(g, x, [_norm(d, rank) for d in dims])


@op("aten::ravel", opset=9, exporters=_TS)
def aten_ravel(g: Builder, x):
    """``Reshape`` to ``[-1]`` (opset 9+)."""
    return _reshape(g, x, [-1])


@op("aten::repeat", opset=9, exporters=_TS)
def aten_repeat(g: Builder, x, repeats):
    """``_tile`` (opset 9+). Overrides torch's rule, whose empty ``repeats`` (0-d input) is float."""
    return _tile(g, x, repeats)


def _tile(g: Builder, x, repeats):
    """``Tile`` of ``x`` and ``repeats`` both padded with leading ones to the longer length.

    ``x`` gets its leading 1s from ``Expand`` to all-ones: a ``Reshape`` would read a 0 dim as "copy".

    ``repeats`` may be computed by the model (its length then comes from the graph).
    """
    repeats = _int64(g, repeats)
    rank = _rank(g, x)
    if rank == 0 and g.shape(repeats) == (0,):
        return g.op("Identity", x)
    one = g.constant(np.asarray([1], dtype=np.int64))
    count = g.shape(repeats)[0] if g.shape(repeats) is not None else None
    if count is not None:
        if count > rank:
            x = g.op("Expand", x, g.constant(np.ones(count, dtype=np.int64)))  # leading 1s; safe with 0 dims
        elif count < rank:
            repeats = g.op("Concat", g.constant(np.ones(rank - count, dtype=np.int64)), repeats, axis=0)
        return g.op("Tile", x, repeats)
    # length known only in the graph: pad both with ConstantOfShape(max(difference, 0)) ones
    count = g.op("Shape", repeats)
    rank_t = g.constant(np.asarray([rank], dtype=np.int64))
    ones = np.ones(1, dtype=np.int64)
    x_pad = _at_least_zero(g, g.op("Sub", count, rank_t))
    r_pad = g.op("ConstantOfShape", _at_least_zero(g, g.op("Sub", rank_t, count)), value=ones)
    x = g.op("Expand", x, g.op("ConstantOfShape", g.op("Add", x_pad, rank_t), value=ones))
    return g.op("Tile", x, g.op("Concat", r_pad, repeats, axis=0))


def _at_least_zero(g: Builder, v):
    zero = g.constant(np.asarray([0], dtype=np.int64))
    return g.op("Where", g.op("Less", v, zero), zero, v)


@op("aten::repeat_interleave", opset=9, exporters=_TS)
def aten_repeat_interleave(g: Builder, x, repeats=None, dim: Optional[int] = None, output_size: Optional[int] = None):
    """Each element repeated along ``dim`` (the flattened input when None).

    One count for all (an int, or a 0-d tensor): ``Unsqueeze``, ``Expand``, ``Reshape`` with
    the sizes from ``Shape`` (opset 9+). A 1-d tensor of counts: ``Gather`` at the source
    index of each output position, the number of cumulative counts (``CumSum``) at or below
    it (opset 11+). ``repeat_interleave(repeats)`` alone returns those indices.
    torch's rule fails below opset 13.
    """
    if repeats is None:  # repeat_interleave(repeats, *, output_size): x holds the counts
        return _interleave_index(g, x)
    if dim is None:
        x, dim = _reshape(g, x, [-1]), 0
    rank = _rank(g, x)
    if rank == 0:
        x, rank = _reshape(g, x, [1]), 1
    dim = _norm(dim, rank)
    if isinstance(repeats, int) or g.rank(repeats) == 0:
        count = g.constant(np.asarray([repeats], dtype=np.int64)) if isinstance(repeats, int) else _int64(g, repeats)
        count = _reshape(g, count, [1])
        head, size, tail = _shape_part(g, x, 0, dim), _dim(g, x, dim), _shape_part(g, x, dim + 1, rank)
        expanded = g.op("Expand", _with_axes(g, "Unsqueeze", x, [dim + 1]), g.op("Concat", head, size, count, tail, axis=0))
        return g.op("Reshape", expanded, g.op("Concat", head, g.op("Mul", size, count), tail, axis=0))
    counts = g.op("Expand", _reshape(g, _int64(g, repeats), [-1]), _dim(g, x, dim))
    return g.op("Gather", x, _interleave_index(g, counts), axis=dim)


def _interleave_index(g: Builder, counts):
    """``[0] * counts[0] + [1] * counts[1] + ...``: for position p, how many cumulative counts are <= p."""
    if g.opset < 11:
        raise ExportError(f"{g.overload}: a tensor of repeats needs opset 11 (CumSum, Range); export at 11+")
    counts = _reshape(g, _int64(g, counts), [-1])
    ends = g.op("CumSum", counts, g.constant(np.asarray(0, dtype=np.int64)))
    total = g.op("ReduceSum", counts, axes=[0], keepdims=0) if g.opset < 13 else g.op("ReduceSum", counts, keepdims=0)
    zero, one = g.constant(np.asarray(0, dtype=np.int64)), g.constant(np.asarray(1, dtype=np.int64))
    positions = _with_axes(g, "Unsqueeze", g.op("Range", zero, total, one), [1])
    passed = g.op("Not", g.op("Greater", _with_axes(g, "Unsqueeze", ends, [0]), positions))
    return _with_axes(g, "ReduceSum", cast(g, passed, torch.int64), [1], keepdims=0)


@op("aten::rot90", opset=10, exporters=_TS)
def aten_rot90(g: Builder, x, k: int = 1, dims: list[int] = (0, 1)):  # noqa: B006 - never mutated
    """``k`` quarter turns in the plane ``dims``: flips (``Slice`` step -1) and a ``Transpose`` (opset 10+)."""
    d0, d1 = dims
    k %= 4
    if k == 0:
        return g.op("Identity", x)
    if k == 2:
        return _flip(g, x, [d0, d1])
    return _swap(g, _flip(g, x, [d1] if k == 1 else [d0]), d0, d1)


@op("aten::split_with_sizes_copy", opset=9, exporters=_TS)
def aten_split_with_sizes_copy(g: Builder, x, split_sizes: list[int], dim: int = 0):
    """``Split`` into the constant ``split_sizes`` (opset 9+)."""
    return _split(g, x, split_sizes, _norm(dim, _rank(g, x)))


@op("aten::squeeze.dims", opset=9)
def aten_squeeze_dims(g: Builder, x, dim: list[int]):
    """``_squeeze`` (opset 9+), both exporters: torch's TorchScript rule takes one dim only and
    its dynamo exporter has no lowering of the ``prims.view_of`` a no-op squeeze becomes."""
    return _squeeze(g, x, dim)


@op("aten::squeeze_copy", opset=9, exporters=_TS)
def aten_squeeze_copy(g: Builder, x, dim: Optional[list[int]] = None):
    """``_squeeze`` (opset 9+)."""
    return _squeeze(g, x, dim)


def _squeeze(g: Builder, x, dims: list[int] | None):
    """``Squeeze`` of the given dims whose size is 1; without dims, of every size-1 dim at run time.

    A dim of unknown size is squeezed (``Squeeze`` then fails at run time if it is not 1).
    """
    rank = _rank(g, x)
    if dims is None:
        return g.op("Squeeze", x) if rank > 0 else g.op("Identity", x)
    shape = g.shape(x)
    axes = sorted({_norm(d, rank) for d in dims} if rank > 0 else set())
    axes = [a for a in axes if shape is None or shape[a] in (None, 1)]
    return _with_axes(g, "Squeeze", x, axes) if axes else g.op("Identity", x)


@op("aten::sum_to_size", opset=9, exporters=_TS)
def aten_sum_to_size(g: Builder, x, size: list[int]):
    """``ReduceSum`` over the leading dims ``size`` lacks and the dims where it is 1 (opset 9+)."""
    rank = _rank(g, x)
    lead = rank - len(size)
    axes = list(range(lead)) + [lead + i for i, s in enumerate(size) if s == 1]
    if not axes:
        return g.op("Identity", x)
    summed = _with_axes(g, "ReduceSum", x, axes, keepdims=1)
    return _with_axes(g, "Squeeze", summed, list(range(lead))) if lead else summed


@op("aten::t_copy", opset=9, exporters=_TS)
def aten_t_copy(g: Builder, x):
    """A 2-d tensor transposed; 0-d and 1-d unchanged (opset 9+)."""
    return _swap(g, x, 0, 1)


@op("aten::tensor_split", opset=10, exporters=_TS)
def aten_tensor_split(g: Builder, x, sections, dim: int = 0):
    """Pieces cut at indices (one ``Slice`` each, bounds read from a tensor of indices when
    the model computes them), or ``n`` pieces whose first ``size % n`` are one longer, their
    bounds computed from ``Shape`` (opset 10+: dynamic ``Slice``; torch's rule starts at 13).

    The count of pieces must be a constant: a traced ``tensor_split(x, n)`` passes ``n`` as a
    constant 0-d tensor, read here; a 0-d tensor the model computes cannot be exported.
    """
    axis = _norm(dim, _rank(g, x))
    try:
        value = _traced_constant(sections)
    except LookupError:
        value = None
    if isinstance(value, list):
        return _cut(g, x, axis, [0, *value, _INT64_MAX])
    if value is None and g.rank(sections) == 0:
        return _tensor_split_sequence(g, x, sections, axis)
    if value is None:
        if g.rank(sections) != 1 or g.shape(sections)[0] is None:
            raise ExportError(
                f"{g.overload}: the number of pieces comes from a computed tensor; pass the sections as an int "
                "or the indices as a 1-d tensor of static length"
            )
        cuts = _int64(g, sections)
        at = [_slice(g, cuts, [0], [i], [i + 1]) for i in range(g.shape(sections)[0])]
        return _cut(g, x, axis, [0, *at, _INT64_MAX])
    n = int(value)
    size = _dim(g, x, axis)
    count = g.constant(np.asarray([n], dtype=np.int64))
    q, r = g.op("Div", size, count), g.op("Mod", size, count)
    index = g.constant(np.arange(n + 1, dtype=np.int64))
    starts = g.op("Add", g.op("Mul", index, q), g.op("Where", g.op("Less", index, r), index, r))
    return _cut(g, x, axis, [_slice(g, starts, [0], [i], [i + 1]) for i in range(n + 1)])


def _tensor_split_sequence(g: Builder, x, sections, axis: int):
    """``n`` pieces, ``n`` a 0-d tensor the model computes: ``SplitToSequence`` at sizes
    ``size // n + (i < size % n)`` (opset 11+); the exporter unpacks as many as the trace had."""
    if g.opset < 11:
        raise ExportError(f"{g.overload}: a computed number of sections needs opset 11 (SplitToSequence); export at 11+")
    n = _reshape(g, _int64(g, sections), [1])
    size = _dim(g, x, axis)
    q, r = g.op("Div", size, n), g.op("Mod", size, n)
    zero, one = g.constant(np.asarray(0, dtype=np.int64)), g.constant(np.asarray(1, dtype=np.int64))
    index = g.op("Range", zero, _reshape(g, n, []), one)
    sizes = g.op("Add", q, cast(g, g.op("Less", index, r), torch.int64))
    return g.op("SplitToSequence", x, sizes, axis=axis)


def _traced_constant(value):
    """The Python value of a TorchScript graph constant (int, or list of ints); LookupError if computed.

    Belongs in the builder (``g.constant_value``); only TorchScript-only rules use it.
    """
    return constant_value(value)


@op("aten::tile", opset=9, exporters=_TS)
def aten_tile(g: Builder, x, dims):
    """``_tile`` (opset 9+). Overrides torch's rule (opset 13+), whose ``Reshape`` ORT rejects when a dim is 0."""
    return _tile(g, x, dims)


@op("aten::transpose_copy", opset=9, exporters=_TS)
def aten_transpose_copy(g: Builder, x, dim0: int, dim1: int):
    """``Transpose`` swapping ``dim0`` and ``dim1`` (opset 9+)."""
    return _swap(g, x, dim0, dim1)


@op("aten::unbind_copy", opset=9, exporters=_TS)
def aten_unbind_copy(g: Builder, x, dim: int = 0):
    """``Split`` into size-1 pieces, each ``Squeeze``-d (opset 9+); the dim's size must be static."""
    rank = _rank(g, x)
    axis = _norm(dim, rank)
    shape = g.shape(x)
    if shape is None or shape[axis] is None:
        raise ExportError(
            f"{g.overload}: dim {dim} has a dynamic size, but unbind returns one tensor per element; "
            "export with that dim static"
        )
    if shape[axis] == 0:
        return []
    return [_with_axes(g, "Squeeze", part, [axis]) for part in _split(g, x, [1] * shape[axis], axis)]


@op("aten::unflatten", opset=9, exporters=_TS)
def aten_unflatten(g: Builder, x, dim: int, sizes):
    """``Reshape`` to the input's shape with dim ``dim`` replaced by ``sizes`` (opset 9+).

    torch's rule starts at opset 13; ``sizes`` may be computed by the model.
    """
    rank = _rank(g, x)
    axis = _norm(dim, rank)
    shape = g.op(
        "Concat", _shape_part(g, x, 0, axis), _int64(g, sizes), _shape_part(g, x, axis + 1, rank), axis=0
    )
    return g.op("Reshape", x, shape)


@op(("aten::unfold", "aten::unfold_copy"), opset=11, exporters=_TS)
def aten_unfold(g: Builder, x, dimension: int, size: int, step: int):
    """Sliding windows: ``Gather`` at ``start * step + offset`` indices (``Range``) along
    ``dimension``, the window axis moved last (opset 11+: ``Range``)."""
    rank = _rank(g, x)
    if rank == 0:  # torch: a 0-d input is one window of size 1, shape [1]
        return _reshape(g, x, [1])
    axis = _norm(dimension, rank)
    length = g.op("Squeeze", _dim(g, x, axis), axes=[0]) if g.opset < 13 else _reshape(g, _dim(g, x, axis), [])
    scalar = lambda v: g.constant(np.asarray(v, dtype=np.int64))  # noqa: E731
    count = g.op("Add", g.op("Div", g.op("Sub", length, scalar(size)), scalar(step)), scalar(1))
    starts = g.op("Mul", g.op("Range", scalar(0), count, scalar(1)), scalar(step))
    index = g.op("Add", _with_axes(g, "Unsqueeze", starts, [1]), g.constant(np.arange(size, dtype=np.int64).reshape(1, -1)))
    windows = g.op("Gather", x, index, axis=axis)  # [..., count, size, ...]
    perm = [d for d in range(rank + 1) if d != axis + 1] + [axis + 1]
    return _transpose(g, windows, perm)


@op("aten::unsqueeze_copy", opset=9, exporters=_TS)
def aten_unsqueeze_copy(g: Builder, x, dim: int):
    """``Unsqueeze`` at ``dim`` (negative: counted from the end of the result; opset 9+)."""
    return _with_axes(g, "Unsqueeze", x, [_norm(dim, _rank(g, x) + 1)])


@op("aten::view_copy", opset=9, exporters=_TS)
def aten_view_copy(g: Builder, x, size):
    """``Reshape`` to ``size`` (opset 9+; ``size`` may be computed by the model)."""
    if g.overload.endswith(".dtype"):
        raise ExportError(f"{g.overload}: reinterpreting the bytes as another dtype has no ONNX equivalent")
    return g.op("Reshape", x, _int64(g, size))


@op("aten::vsplit", opset=9, exporters=_TS)
def aten_vsplit(g: Builder, x, sections: list[int]):
    """``_split_at`` along dim 0 (opset 9+)."""
    return _split_at(g, x, sections, 0)
