"""Shape ops: permutes, splits, stacks, flips, rotations, tile and repeat, reshapes.

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

The public functions (``split``, ``swap_dims``, ``squeeze_size_one``, ``to_int64``) serve
the ``*_copy`` rules of :mod:`symreg.ops.copies` too. Rules are in alphabetical order of their op.
"""

from __future__ import annotations

import itertools
from typing import Any, Optional

import numpy as np
import torch

from symreg.builder import Builder
from symreg.errors import ExportError
from symreg.ops._helpers import (
    arange,
    cast,
    ints,
    normalize_dim,
    rank_of,
    reduce,
    reshape,
    shape_part,
    slice_,
    squeeze,
    unsqueeze,
)
from symreg.ops._helpers import dim as dim_size
from symreg.ops.indexing import maximum
from symreg.registry import op

_INT64_MAX = np.iinfo(np.int64).max
_INT64_MIN = np.iinfo(np.int64).min
_TS = ("torchscript",)


# --- shared with symreg.ops.copies ----------------------------------------------------


def split(g: Builder, x: Any, sizes: list[int], axis: int) -> list:
    """``x`` split along ``axis`` (non-negative) into pieces of the constant ``sizes``
    (``Split``: sizes an attribute before opset 13, an input from 13)."""
    if len(sizes) == 1:
        return [g.op("Identity", x)]
    if g.opset >= 13:
        return list(g.op("Split", x, ints(g, list(sizes)), axis=axis, outputs=len(sizes)))
    return list(g.op("Split", x, axis=axis, split=list(sizes), outputs=len(sizes)))


def swap_dims(g: Builder, x: Any, dim0: int, dim1: int) -> Any:
    """``x.transpose(dim0, dim1)``: a ``Transpose`` (``Identity`` for rank < 2 or equal dims)."""
    rank = rank_of(g, x)
    if rank < 2:
        return g.op("Identity", x)
    perm = list(range(rank))
    a, b = normalize_dim(dim0, rank), normalize_dim(dim1, rank)
    perm[a], perm[b] = perm[b], perm[a]
    return _transpose(g, x, perm)


def squeeze_size_one(g: Builder, x: Any, dims: list[int] | None) -> Any:
    """``torch.squeeze``: the given dims removed where their size is 1 (statically known sizes
    other than 1 are kept); ``dims=None``: every dim whose size is 1 at run time (``Squeeze``
    without axes).

    A dim of unknown size is squeezed: ``Squeeze`` then fails at run time if it is not 1.
    """
    rank = rank_of(g, x)
    if dims is None:
        return g.op("Squeeze", x) if rank > 0 else g.op("Identity", x)
    shape = g.shape(x)
    axes = sorted({normalize_dim(d, rank) for d in dims} if rank > 0 else set())
    axes = [a for a in axes if shape is None or shape[a] in (None, 1)]
    return squeeze(g, x, axes) if axes else g.op("Identity", x)


def to_int64(g: Builder, x: Any) -> Any:
    """A size argument as int64: the TorchScript exporter types an empty constant list as float."""
    return x if g.dtype(x) == torch.int64 else cast(g, x, torch.int64)


# --- private helpers --------------------------------------------------------------------


def _transpose(g: Builder, x: Any, perm: list[int]) -> Any:
    if list(perm) == list(range(len(perm))):
        return g.op("Identity", x)
    return g.op("Transpose", x, perm=list(perm))


def _flip(g: Builder, x: Any, dims: list[int]) -> Any:
    """Reversed along ``dims``: ``Slice`` with step -1 (opset 10)."""
    rank = rank_of(g, x)
    if rank == 0 or not dims:
        return g.op("Identity", x)
    axes = [normalize_dim(d, rank) for d in dims]
    return slice_(g, x, axes, [-1] * len(axes), [_INT64_MIN] * len(axes), [-1] * len(axes))


def _split_equal(g: Builder, x: Any, n: int, axis: int) -> list:
    """``x`` split along ``axis`` into ``n`` equal pieces (its size there divisible by ``n``), dynamic sizes."""
    if n == 1:
        return [g.op("Identity", x)]
    if g.opset < 13:
        return list(g.op("Split", x, axis=axis, outputs=n))
    sizes = g.op("Expand", g.op("Div", dim_size(g, x, axis), ints(g, [n])), ints(g, [n]))
    return list(g.op("Split", x, sizes, axis=axis, outputs=n))


def _split_at(g: Builder, x: Any, sections: list[int], axis: int) -> list:
    """``torch.tensor_split``-style pieces: ``n`` equal ones (the ``.int`` overload) or cut at indices."""
    if not g.overload.endswith(".array"):  # the .int overload (traced with no overload name)
        (n,) = sections
        shape = g.shape(x)
        if shape is not None and shape[axis] is not None:
            return split(g, x, [shape[axis] // n] * n, axis)
        return _split_equal(g, x, n, axis)
    return _cut(g, x, axis, [0, *sections, _INT64_MAX])


def _cut(g: Builder, x: Any, axis: int, bounds: list) -> list:
    """The pieces ``x[bounds[i]:bounds[i + 1]]`` along ``axis`` (ints, or 1-element tensors from opset 10)."""
    return [slice_(g, x, [axis], [a], [b]) for a, b in itertools.pairwise(bounds)]


def _tile(g: Builder, x: Any, repeats: Any) -> Any:
    """``Tile`` of ``x`` and ``repeats`` both padded with leading ones to the longer length.

    ``x`` gets its leading 1s from ``Expand`` to all-ones: a ``Reshape`` would read a 0 dim as "copy".
    ``repeats`` may be computed by the model (its length then comes from the graph).
    """
    repeats = to_int64(g, repeats)
    rank = rank_of(g, x)
    if rank == 0 and g.shape(repeats) == (0,):
        return g.op("Identity", x)
    count = g.shape(repeats)[0] if g.shape(repeats) is not None else None
    if count is not None:
        if count > rank:
            x = g.op("Expand", x, ints(g, [1] * count))
        elif count < rank:
            repeats = g.op("Concat", ints(g, [1] * (rank - count)), repeats, axis=0)
        return g.op("Tile", x, repeats)
    # length known only in the graph: pad both with ConstantOfShape(max(difference, 0)) ones
    count = g.op("Shape", repeats)
    rank_t = ints(g, [rank])
    ones = np.ones(1, dtype=np.int64)
    x_pad = maximum(g, g.op("Sub", count, rank_t), ints(g, [0]))
    r_pad = g.op("ConstantOfShape", maximum(g, g.op("Sub", rank_t, count), ints(g, [0])), value=ones)
    x = g.op("Expand", x, g.op("ConstantOfShape", g.op("Add", x_pad, rank_t), value=ones))
    return g.op("Tile", x, g.op("Concat", r_pad, repeats, axis=0))


def _interleave_index(g: Builder, counts: Any) -> Any:
    """``[0] * counts[0] + [1] * counts[1] + ...``: for position p, how many cumulative counts are <= p."""
    if g.opset < 11:
        raise ExportError(f"{g.overload}: a tensor of repeats needs opset 11 (CumSum, Range); export at 11+")
    counts = g.op("Reshape", to_int64(g, counts), ints(g, [-1]))
    ends = g.op("CumSum", counts, ints(g, 0))
    total = reduce(g, "ReduceSum", counts, [0], keepdims=True)
    positions = unsqueeze(g, arange(g, total), [1])
    passed = g.op("Not", g.op("Greater", unsqueeze(g, ends, [0]), positions))
    return reduce(g, "ReduceSum", cast(g, passed, torch.int64), [1], keepdims=False)


def _tensor_split_sequence(g: Builder, x: Any, sections: Any, axis: int) -> Any:
    """``n`` pieces, ``n`` a 0-d tensor the model computes: ``SplitToSequence`` at sizes
    ``size // n + (i < size % n)`` (opset 11+); the exporter unpacks as many as the trace had."""
    if g.opset < 11:
        raise ExportError(
            f"{g.overload}: a computed number of sections needs opset 11 (SplitToSequence); export at 11+"
        )
    n = g.op("Reshape", to_int64(g, sections), ints(g, [1]))
    size = dim_size(g, x, axis)
    q, r = g.op("Div", size, n), g.op("Mod", size, n)
    sizes = g.op("Add", q, cast(g, g.op("Less", arange(g, n), r), torch.int64))
    return g.op("SplitToSequence", x, sizes, axis=axis)


# --- rules ----------------------------------------------------------------------------


@op("aten::_chunk_cat", opset=11)
def aten_chunk_cat(g: Builder, tensors, dim: int, num_chunks: int):
    """Each tensor zero-padded along ``dim`` to a multiple of ``num_chunks``, reshaped to
    ``[*leading, num_chunks, -1]`` and concatenated on the last axis (opset 11+: dynamic ``Pad``).

    Both exporters: torch's dynamo lowering bakes the traced sizes in, wrong for other shapes.
    """
    axis = normalize_dim(dim, rank_of(g, tensors[0]))
    n = ints(g, [num_chunks])
    pieces = []
    for t in tensors:
        rank = rank_of(g, t)
        size = dim_size(g, t, axis)
        chunk = g.op("Div", g.op("Add", size, ints(g, [num_chunks - 1])), n)
        extra = g.op("Sub", g.op("Mul", chunk, n), size)
        zeros = ints(g, [0] * rank)
        after = g.op("ScatterElements", zeros, ints(g, [axis]), extra, axis=0)
        padded = g.op("Pad", t, g.op("Concat", zeros, after, axis=0))
        # [*leading, n, chunk * prod(rest)]: the trailing size comes from the padded tensor's
        # own dims, so empty tensors reshape without a -1.
        rest = g.op("Concat", chunk, shape_part(g, padded, axis + 1, rank), axis=0)
        trailing = reduce(g, "ReduceProd", rest, [0], keepdims=True)
        pieces.append(reshape(g, padded, g.op("Concat", shape_part(g, padded, 0, axis), n, trailing, axis=0)))
    return pieces[0] if len(pieces) == 1 else g.op("Concat", *pieces, axis=-1)


@op("aten::column_stack", opset=9, exporters=_TS)
def aten_column_stack(g: Builder, tensors):
    """0-d and 1-d tensors as ``[n, 1]`` columns, then ``Concat`` on axis 1 (opset 9+)."""
    columns = [g.op("Reshape", t, ints(g, [-1, 1])) if rank_of(g, t) <= 1 else t for t in tensors]
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
        rank = rank_of(g, t)
        if rank == 0:
            t = g.op("Reshape", t, ints(g, [1, 1, 1]))
        elif rank < 3:
            t = unsqueeze(g, t, [0, 2] if rank == 1 else [2])
        parts.append(t)
    return parts[0] if len(parts) == 1 else g.op("Concat", *parts, axis=2)


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
    return _split_at(g, x, sections, 1 if rank_of(g, x) > 1 else 0)


@op(("aten::mH", "aten::mT"), opset=9, exporters=_TS)
def aten_mT(g: Builder, x):  # noqa: N802 - the op's name
    """The last two dims swapped (``Transpose``; opset 9+). ``mH`` too: real tensors have no conjugate."""
    return swap_dims(g, x, -2, -1)


@op("aten::matrix_H", opset=9, exporters=_TS)
def aten_matrix_H(g: Builder, x):  # noqa: N802 - the op's name
    """A 2-d tensor transposed (real tensors, so no conjugate; opset 9+)."""
    return swap_dims(g, x, 0, 1)


@op("aten::movedim", opset=9, exporters=_TS)
def aten_movedim(g: Builder, x, source: list[int], destination: list[int]):
    """``Transpose`` with the permutation torch.movedim builds, dims normalised (opset 9+).

    Overrides torch's rule, which writes negative dims into ``perm`` (invalid ONNX).
    """
    rank = rank_of(g, x)
    src = [normalize_dim(d, rank) for d in source]
    dst = [normalize_dim(d, rank) for d in destination]
    perm = [-1] * rank
    for s, d in zip(src, dst, strict=True):
        perm[d] = s
    rest = iter(d for d in range(rank) if d not in src)
    return _transpose(g, x, [p if p >= 0 else next(rest) for p in perm])


@op(("aten::permute", "aten::permute_copy"), opset=9, exporters=_TS)
def aten_permute(g: Builder, x, dims: list[int]):
    """``Transpose`` with ``dims`` normalised to non-negative (opset 9+).

    Overrides torch's rule of ``aten::permute``, which writes negative dims into ``perm``.
    """
    rank = rank_of(g, x)
    return _transpose(g, x, [normalize_dim(d, rank) for d in dims])


@op("aten::ravel", opset=9, exporters=_TS)
def aten_ravel(g: Builder, x):
    """``Reshape`` to ``[-1]`` (opset 9+)."""
    return g.op("Reshape", x, ints(g, [-1]))


@op("aten::repeat", opset=9, exporters=_TS)
def aten_repeat(g: Builder, x, repeats):
    """``_tile`` (opset 9+). Overrides torch's rule, whose empty ``repeats`` (0-d input) is float."""
    return _tile(g, x, repeats)


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
        x, dim = g.op("Reshape", x, ints(g, [-1])), 0
    rank = rank_of(g, x)
    if rank == 0:
        x, rank = g.op("Reshape", x, ints(g, [1])), 1
    axis = normalize_dim(dim, rank)
    if isinstance(repeats, int) or g.rank(repeats) == 0:
        count = ints(g, [repeats]) if isinstance(repeats, int) else g.op("Reshape", to_int64(g, repeats), ints(g, [1]))
        head, size, tail = shape_part(g, x, 0, axis), dim_size(g, x, axis), shape_part(g, x, axis + 1, rank)
        expanded = g.op("Expand", unsqueeze(g, x, [axis + 1]), g.op("Concat", head, size, count, tail, axis=0))
        return reshape(g, expanded, g.op("Concat", head, g.op("Mul", size, count), tail, axis=0))
    counts = g.op("Expand", g.op("Reshape", to_int64(g, repeats), ints(g, [-1])), dim_size(g, x, axis))
    return g.op("Gather", x, _interleave_index(g, counts), axis=axis)


@op("aten::rot90", opset=10, exporters=_TS)
def aten_rot90(g: Builder, x, k: int = 1, dims: list[int] = (0, 1)):  # noqa: B006 - never mutated
    """``k`` quarter turns in the plane ``dims``: flips (``Slice`` step -1) and a ``Transpose`` (opset 10+)."""
    d0, d1 = dims
    k %= 4
    if k == 0:
        return g.op("Identity", x)
    if k == 2:
        return _flip(g, x, [d0, d1])
    return swap_dims(g, _flip(g, x, [d1] if k == 1 else [d0]), d0, d1)


@op("aten::squeeze.dims", opset=9)
def aten_squeeze_dims(g: Builder, x, dim: list[int]):
    """``squeeze_size_one`` (opset 9+), both exporters: torch's TorchScript rule takes one dim only
    and its dynamo exporter has no lowering of the ``prims.view_of`` a no-op squeeze becomes."""
    return squeeze_size_one(g, x, dim)


@op("aten::sum_to_size", opset=9, exporters=_TS)
def aten_sum_to_size(g: Builder, x, size: list[int]):
    """``ReduceSum`` over the leading dims ``size`` lacks and the dims where it is 1 (opset 9+)."""
    lead = rank_of(g, x) - len(size)
    axes = list(range(lead)) + [lead + i for i, s in enumerate(size) if s == 1]
    if not axes:
        return g.op("Identity", x)
    return squeeze(g, reduce(g, "ReduceSum", x, axes, keepdims=True), list(range(lead)))


@op("aten::tensor_split", opset=10, exporters=_TS)
def aten_tensor_split(g: Builder, x, sections, dim: int = 0):
    """Pieces cut at indices (one ``Slice`` each, bounds read from a tensor of indices when
    the model computes them), or ``n`` pieces whose first ``size % n`` are one longer, their
    bounds computed from ``Shape`` (opset 10+: dynamic ``Slice``; torch's rule starts at 13).

    The count of pieces must be a constant: a traced ``tensor_split(x, n)`` passes ``n`` as a
    constant 0-d tensor (a list of indices: a constant 1-d one); a computed 0-d tensor goes
    through ``SplitToSequence`` (opset 11+).
    """
    axis = normalize_dim(dim, rank_of(g, x))
    value = g.constant_value(sections)
    if value is not None and g.rank(sections) != 0:  # indices (one index arrives as an int)
        return _cut(g, x, axis, [0, *(value if isinstance(value, list) else [value]), _INT64_MAX])
    if value is None and g.rank(sections) == 0:
        return _tensor_split_sequence(g, x, sections, axis)
    if value is None:
        if g.rank(sections) != 1 or g.shape(sections)[0] is None:
            raise ExportError(
                f"{g.overload}: the number of pieces comes from a computed tensor; pass the sections as an int "
                "or the indices as a 1-d tensor of static length"
            )
        cuts = to_int64(g, sections)
        at = [slice_(g, cuts, [0], [i], [i + 1]) for i in range(g.shape(sections)[0])]
        return _cut(g, x, axis, [0, *at, _INT64_MAX])
    n = int(value)
    size = dim_size(g, x, axis)
    count = ints(g, [n])
    q, r = g.op("Div", size, count), g.op("Mod", size, count)
    index = ints(g, list(range(n + 1)))
    starts = g.op("Add", g.op("Mul", index, q), g.op("Where", g.op("Less", index, r), index, r))
    return _cut(g, x, axis, [slice_(g, starts, [0], [i], [i + 1]) for i in range(n + 1)])


@op("aten::tile", opset=9, exporters=_TS)
def aten_tile(g: Builder, x, dims):
    """``_tile`` (opset 9+). Overrides torch's rule (opset 13+), whose ``Reshape`` ORT rejects when a dim is 0."""
    return _tile(g, x, dims)


@op("aten::unflatten", opset=9, exporters=_TS)
def aten_unflatten(g: Builder, x, dim: int, sizes):
    """``Reshape`` to the input's shape with dim ``dim`` replaced by ``sizes`` (opset 9+).

    torch's rule starts at opset 13; ``sizes`` may be computed by the model.
    """
    rank = rank_of(g, x)
    axis = normalize_dim(dim, rank)
    shape = g.op("Concat", shape_part(g, x, 0, axis), to_int64(g, sizes), shape_part(g, x, axis + 1, rank), axis=0)
    return g.op("Reshape", x, shape)


@op(("aten::unfold", "aten::unfold_copy"), opset=9, exporters=_TS)
def aten_unfold(g: Builder, x, dimension: int, size: int, step: int):
    """Sliding windows: ``Gather`` at ``start * step + offset`` indices along ``dimension``,
    the window axis moved last (opset 9+; the starts count with ``Range``, ``NonZero`` below 11)."""
    rank = rank_of(g, x)
    if rank == 0:  # torch: a 0-d input is one window of size 1, shape [1]
        return g.op("Reshape", x, ints(g, [1]))
    axis = normalize_dim(dimension, rank)
    count = g.op("Add", g.op("Div", g.op("Sub", dim_size(g, x, axis), ints(g, [size])), ints(g, [step])), ints(g, [1]))
    starts = g.op("Mul", arange(g, count), ints(g, [step]))
    index = g.op("Add", unsqueeze(g, starts, [1]), ints(g, [list(range(size))]))
    windows = g.op("Gather", x, index, axis=axis)  # [..., count, size, ...]
    return _transpose(g, windows, [d for d in range(rank + 1) if d != axis + 1] + [axis + 1])


@op("aten::vsplit", opset=9, exporters=_TS)
def aten_vsplit(g: Builder, x, sections: list[int]):
    """``_split_at`` along dim 0 (opset 9+)."""
    return _split_at(g, x, sections, 0)
