"""Writes into a copy of a tensor: by index (``index_add``/``index_copy``/``index_fill``/
``index_put``/``index_reduce``/``put``), by element (``scatter``, ``scatter_add``,
``scatter_reduce``) and into views (``as_strided_scatter``, ``diagonal_scatter``,
``select_scatter``, ``slice_scatter``).

Writes that combine duplicate indices (``index_add``, ``scatter_add``, ``scatter_reduce``,
``index_reduce``, ``put``/``index_put`` with ``accumulate=True``) use ``ScatterElements``'
``reduction`` where the opset has it (add/mul from 16, max/min from 18). Below, a one-hot
``Where`` spreads each value over the ``n`` slots of its dim and a ``Reduce*`` combines the
duplicates: exact, but its memory is ``n`` times the index's size.

A 0-d input is written as a 1-element vector and reshaped back (ONNX's scatters need rank >= 1).
Rules are in alphabetical order of their op.
"""

from __future__ import annotations

from typing import Any, Optional

import numpy as np
import torch

from symreg import dtypes
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
    to_0d,
    to_1d,
    unsqueeze,
)
from symreg.ops._helpers import dim as dim_size
from symreg.ops.copies import strided_indices
from symreg.ops.indexing import append_zero, maximum, minimum, wrap_index
from symreg.registry import op

_TS = ("torchscript",)
_INT64_MAX = np.iinfo(np.int64).max
#: scatter_reduce's reductions: the ``ScatterElements`` reduction and the opset that has it, the ``Reduce*`` op.
_REDUCTIONS = {
    "sum": ("add", 16, "ReduceSum"),
    "prod": ("mul", 16, "ReduceProd"),
    "amax": ("max", 18, "ReduceMax"),
    "amin": ("min", 18, "ReduceMin"),
    "mean": ("add", 16, "ReduceSum"),
}


def _along(g: Builder, v: Any, axis: int, rank: int) -> Any:
    """1-d ``v`` reshaped to broadcast along ``axis`` of a rank-``rank`` tensor: [-1, 1, ..., 1]."""
    return g.op("Reshape", v, ints(g, [-1] + [1] * (rank - axis - 1)))


def _scatter_elements(g: Builder, data: Any, index: Any, updates: Any, axis: int) -> Any:
    """``ScatterElements`` (opset 11+), ``Scatter`` below; ``index`` non-negative."""
    return g.op("ScatterElements" if g.opset >= 11 else "Scatter", data, index, updates, axis=axis)


def _where(g: Builder, cond: Any, a: Any, b: Any) -> Any:
    """``Where(cond, a, b)``; for bool ``a``/``b`` with And/Or/Not (ORT has no bool Where at opset 9)."""
    if g.dtype(b) == torch.bool:
        return g.op("Or", g.op("And", cond, a), g.op("And", g.op("Not", cond), b))
    return g.op("Where", cond, a, b)


def _slice_index(g: Builder, x: Any, axis: int, index: Any) -> Any:
    """A 1-d ``index`` into ``x``'s dim ``axis``, negative values wrapped."""
    return wrap_index(g, g.op("Reshape", index, ints(g, [-1])), dim_size(g, x, axis))


def _like(g: Builder, value: Any, dtype: torch.dtype) -> Any:
    """A tensor or Python number argument in ``dtype`` (a number as a typed constant, not via float32)."""
    number = value if isinstance(value, (int, float)) else g.constant_value(value)
    if isinstance(number, (int, float)):
        return _full(g, number, dtype)
    return value if g.dtype(value) == dtype else cast(g, value, dtype)


def _full(g: Builder, value: float, dtype: torch.dtype) -> Any:
    """A 1-element ``dtype`` constant (the dynamo exporter knows no dtype of computed values, so
    rules take it from their inputs)."""
    return g.constant(np.asarray([value]), dtype=dtype)


def _int64(g: Builder, index: Any) -> Any:
    """``index`` as int64 (no ``Cast`` where the exporter knows it is)."""
    return index if g.dtype(index) == torch.int64 else cast(g, index, torch.int64)


def _frame(g: Builder, x: Any, dim: int) -> tuple[int, int, bool]:
    """The rank and axis to write ``x`` along ``dim`` at (a 0-d ``x`` as a 1-element vector), and whether it is 0-d."""
    rank = rank_of(g, x)
    return (1, 0, True) if rank == 0 else (rank, normalize_dim(dim, rank), False)


def _at_least_1d(g: Builder, *values: Any) -> list:
    """Each value, 0-d ones as 1-element vectors."""
    return [to_1d(g, v) if rank_of(g, v) == 0 else v for v in values]


def _index_copy(g: Builder, x: Any, axis: int, rank: int, index: Any, source: Any) -> Any:
    """``x`` (rank >= 1) with the slices ``index`` (1-d, non-negative) along ``axis`` replaced by ``source``'s."""
    index = g.op("Expand", _along(g, index, axis, rank), g.op("Shape", source))
    return _scatter_elements(g, x, index, source, axis)


def _index_add(g: Builder, x: Any, axis: int, rank: int, index: Any, source: Any, dtype: torch.dtype) -> Any:
    """``x`` (rank >= 1) plus ``source`` summed into the slices ``index`` (1-d, non-negative) along ``axis``:
    ``ScatterElements(reduction="add")`` from opset 16, a one-hot ``Where`` and ``ReduceSum`` below."""
    if g.opset >= 16:
        index = g.op("Expand", _along(g, index, axis, rank), g.op("Shape", source))
        return g.op("ScatterElements", x, index, source, axis=axis, reduction="add")
    n = dim_size(g, x, axis)
    hit = g.op("Equal", g.op("Reshape", arange(g, n), ints(g, [-1, 1])), g.op("Reshape", index, ints(g, [1, -1])))
    hit = unsqueeze(g, hit, list(range(2, rank - axis + 1)))
    spread = g.op("Where", hit, unsqueeze(g, source, [axis]), _full(g, 0, dtype))
    return g.op("Add", x, reduce(g, "ReduceSum", spread, [axis + 1], keepdims=False))


def _identity(g: Builder, how: str, dtype: torch.dtype) -> Any:
    """The 1-element identity of reduction ``how`` in ``dtype`` (integers: their extremes)."""
    kind = dtypes.numpy_dtype(dtype)
    lowest, highest = (-np.inf, np.inf) if kind.kind == "f" else (np.iinfo(kind).min, np.iinfo(kind).max)
    value = {"sum": 0, "mean": 0, "prod": 1, "amax": lowest, "amin": highest}[how]
    return g.constant(np.asarray([value], dtype=kind))


def _cut(g: Builder, x: Any, ends: Any) -> Any:
    """``x[:ends[0], :ends[1], ...]`` for a 1-d int64 ``ends`` (opset 10+; ``x`` unchanged below)."""
    return g.op("Slice", x, g.op("Mul", ends, ints(g, 0)), ends) if g.opset >= 10 else x


def _floor_div(g: Builder, a: Any, b: Any, dtype: torch.dtype) -> Any:
    """``a / b`` for floats; for integers rounded down (``Div`` truncates), ``b`` positive."""
    q = g.op("Div", a, b)
    if dtype.is_floating_point:
        return q
    negative_rest = g.op("Less", g.op("Sub", a, g.op("Mul", q, b)), _full(g, 0, dtype))
    return g.op("Where", negative_rest, g.op("Sub", q, _full(g, 1, dtype)), q)


def _combine(
    g: Builder, base: Any, red: Any, count: Any, nans: Any, how: str, include_self: bool, dtype: torch.dtype
) -> Any:
    """The slots of ``base`` that ``count`` (> 0) values reduced to ``red`` were written to, combined
    as scatter_reduce does; ``nans`` (> 0: a NaN was among them; None: no check) propagates NaN."""
    hit = g.op("Greater", count, _full(g, 0, dtype))
    if how == "mean":
        total = g.op("Add", red, base) if include_self else red
        count = g.op("Add", count, _full(g, 1, dtype)) if include_self else count
        red = _floor_div(g, total, g.op("Where", hit, count, _full(g, 1, dtype)), dtype)
    elif include_self and how in ("sum", "prod"):
        red = g.op("Add" if how == "sum" else "Mul", base, red)
    elif include_self:
        red = (maximum if how == "amax" else minimum)(g, base, red)
    y = g.op("Where", hit, red, base)
    if nans is None:
        return y
    nan = g.op("Greater", nans, _full(g, 0, dtype))
    nan = g.op("Or", nan, g.op("IsNaN", base)) if include_self else nan
    return g.op("Where", nan, _full(g, np.nan, dtype), y)


def _reduce_into(
    g: Builder, x: Any, axis: int, rank: int, index: Any, src: Any, how: str, include_self: bool, dtype: torch.dtype
) -> Any:
    """``x.scatter_reduce(axis, index, src, how, include_self=...)`` for rank >= 1, int64 ``index``, ``dtype`` x's.

    ``ScatterElements`` with ``reduction`` from its opset; below, one-hot over the ``n`` slots of
    ``axis``. ``src``, and ``x`` but along ``axis``, are cut to ``index``'s shape from opset 10
    (below, they must have ``index``'s extents already).
    """
    reduction, native_from, reduce_op = _REDUCTIONS[how]
    src = _cut(g, src, g.op("Shape", index))
    floats = dtype.is_floating_point and how in ("amax", "amin")  # NaN propagates, as in torch
    if g.opset >= native_from:
        zeros = g.op("Expand", _full(g, 0, dtype), g.op("Shape", x))
        start = g.op("Expand", _identity(g, how, dtype), g.op("Shape", x))
        red = g.op("ScatterElements", start, index, src, axis=axis, reduction=reduction)
        ones = g.op("Expand", _full(g, 1, dtype), g.op("Shape", index))
        count = g.op("ScatterElements", zeros, index, ones, axis=axis, reduction="add")
        nans = None
        if floats:  # ORT's max/min reductions drop NaN
            nan_src = cast(g, g.op("IsNaN", src), dtype)
            nans = g.op("ScatterElements", zeros, index, nan_src, axis=axis, reduction="add")
        return _combine(g, x, red, count, nans, how, include_self, dtype)
    n = dim_size(g, x, axis)
    slots = g.op("Reshape", arange(g, n), ints(g, [-1] + [1] * (rank - axis - 1)))
    hit = g.op("Equal", unsqueeze(g, index, [axis + 1]), slots)  # [..., m, n, ...]
    values = g.op("Where", hit, unsqueeze(g, src, [axis + 1]), _identity(g, how, dtype))
    red = reduce(g, reduce_op, values, [axis], keepdims=False)  # [..., n, ...]: index's extents elsewhere
    count = reduce(g, "ReduceSum", cast(g, hit, dtype), [axis], keepdims=False)
    nans = reduce(g, "ReduceMax", cast(g, g.op("IsNaN", values), dtype), [axis], keepdims=False) if floats else None
    ends = [dim_size(g, index, d) if d != axis else ints(g, [_INT64_MAX]) for d in range(rank)]
    y = _combine(g, _cut(g, x, g.op("Concat", *ends, axis=0)), red, count, nans, how, include_self, dtype)
    if g.opset < 10:
        return y
    return _scatter_elements(g, x, g.op("Expand", _along(g, arange(g, n), axis, rank), g.op("Shape", y)), y, axis)


@op("aten::as_strided_scatter", opset=9)
def aten_as_strided_scatter(
    g: Builder, x, src, size: list[int], stride: list[int], storage_offset: Optional[int] = None
):
    """``ScatterElements`` (``Scatter`` below opset 11) of ``src`` into the flattened input at
    the constant ``strided_indices``, reshaped back (opset 9+).

    Both exporters: torch's dynamo exporter has no lowering of the prims op it decomposes to.
    """
    index = strided_indices(size, stride, storage_offset or 0).reshape(-1)
    flat, updates = g.op("Reshape", x, ints(g, [-1])), g.op("Reshape", src, ints(g, [-1]))
    return g.op("Reshape", _scatter_elements(g, flat, ints(g, index), updates, 0), g.op("Shape", x))


@op("aten::diagonal_scatter", opset=9, exporters=_TS)
def aten_diagonal_scatter(g: Builder, x, src, offset: int = 0, dim1: int = 0, dim2: int = 1):
    """``x`` with diagonal ``offset`` of dims ``dim1``/``dim2`` replaced by ``src``. Opset 9+.

    ``Transpose`` moves the two dims last; a mask ``col - row == offset`` (from ``Range``,
    ``NonZero`` counting below 11) picks ``Gather(src, row - max(-offset, 0))`` on the
    diagonal and ``x`` elsewhere; ``Transpose`` moves the dims back.
    """
    rank = rank_of(g, x)
    d1, d2 = normalize_dim(dim1, rank), normalize_dim(dim2, rank)
    perm = [d for d in range(rank) if d not in (d1, d2)] + [d1, d2]
    identity = perm == list(range(rank))
    y = x if identity else g.op("Transpose", x, perm=perm)
    i = g.op("Reshape", arange(g, dim_size(g, y, rank - 2)), ints(g, [-1, 1]))
    j = g.op("Reshape", arange(g, dim_size(g, y, rank - 1)), ints(g, [1, -1]))
    on = g.op("Equal", g.op("Sub", j, i), ints(g, [offset]))
    # off the diagonal, index len(src): the zero appended to src's last dim
    index = g.op("Where", on, g.op("Sub", i, ints(g, [max(-offset, 0)])), dim_size(g, src, rank - 2))
    taken = g.op("Gather", append_zero(g, src, rank - 2), index, axis=rank - 2)
    out = _where(g, on, taken, y)
    return out if identity else g.op("Transpose", out, perm=[perm.index(k) for k in range(rank)])


@op("aten::index_add", opset=9, exporters=_TS)
def aten_index_add(g: Builder, x, dim: int, index, source, alpha: float = 1):
    """``x`` plus ``alpha * source`` summed into the slices ``index`` names along ``dim``.

    Opset 16+: ``ScatterElements(reduction="add")``. Opset 9-15 (no reduction, and
    duplicate indices must add up): a one-hot ``Where`` of ``Equal(arange, index)``
    spreads ``source`` over the ``n`` slices and ``ReduceSum`` adds the duplicates.
    """
    dtype, (rank, axis, was_0d) = g.dtype(x), _frame(g, x, dim)
    x, source = _at_least_1d(g, x, source)
    if alpha != 1:
        source = g.op("Mul", source, _full(g, alpha, dtype))
    y = _index_add(g, x, axis, rank, _slice_index(g, x, axis, index), source, dtype)
    return to_0d(g, y) if was_0d else y


@op("aten::index_copy", opset=9, exporters=_TS)
def aten_index_copy(g: Builder, x, dim: int, index, source):
    """``x`` with its slices ``index`` along ``dim`` replaced by ``source``'s. Opset 9+:
    ``ScatterElements`` (``Scatter`` below 11) with ``index`` expanded to ``source``'s shape.

    Overrides torch's rule, which ORT rejects on 0-d inputs; here 0-d is a 1-element vector.
    """
    rank, axis, was_0d = _frame(g, x, dim)
    x, source = _at_least_1d(g, x, source)
    y = _index_copy(g, x, axis, rank, _slice_index(g, x, axis, index), source)
    return to_0d(g, y) if was_0d else y


@op("aten::index_fill", opset=9, exporters=_TS)
def aten_index_fill(g: Builder, x, dim: int, index, value):
    """``x`` with its slices ``index`` along ``dim`` set to ``value``. Opset 9+: a mask
    scattered (``ScatterElements``, ``Scatter`` below 11) into zeros, then ``Where``.

    Overrides torch's rule, which ORT rejects on 0-d inputs; here 0-d is a 1-element vector.
    """
    dtype, (rank, axis, was_0d) = g.dtype(x), _frame(g, x, dim)
    (x,) = _at_least_1d(g, x)
    idx = _slice_index(g, x, axis, index)
    zeros = g.op("ConstantOfShape", dim_size(g, x, axis), value=np.zeros(1, dtype=np.int64))
    hit = _scatter_elements(g, zeros, idx, g.op("Expand", ints(g, [1]), g.op("Shape", idx)), 0)
    y = _where(g, _along(g, cast(g, hit, torch.bool), axis, rank), _like(g, value, dtype), x)
    return to_0d(g, y) if was_0d else y


@op("aten::index_put", opset=9, exporters=_TS)
def aten_index_put(g: Builder, x, indices, values, accumulate: bool = False):
    """``x[indices] = values`` (``+=`` with ``accumulate``: duplicates add up), torch's advanced
    indexing: integer index tensors broadcast together, bool masks (``NonZero``), ``None`` for
    whole dims, adjacent or not. Opset 9+.

    The indexed dims are moved first (``Transpose``) and flattened into one, the index tensors
    into one linear index: the write is then ``index_copy``/``index_add`` along dim 0.
    Overrides torch's rule (opset 11+), which fails on masks, ``None`` and non-adjacent
    indices, and with ``accumulate`` writes duplicate indices once.
    """
    if not isinstance(indices, (list, tuple)):
        raise ExportError(
            f"{g.overload}: the indices reach the rule as one graph value: symreg's TorchScript adapter does not "
            "unpack a Tensor?[] argument"
        )
    dtype, rank = g.dtype(x), rank_of(g, x)
    dims, index, b_rank, at = [], [], 0, 0  # x's indexed dims, their int64 indices, the indices' broadcast rank
    for i in indices:
        if i is None:
            at += 1
        elif g.dtype(i) in (torch.bool, torch.uint8):  # a mask: one index per dim it covers
            k = rank_of(g, i, "a mask index")
            found = g.op("NonZero", cast(g, i, torch.bool))  # [k, count]
            index += [g.op("Gather", found, ints(g, j), axis=0) for j in range(k)]
            dims, b_rank, at = dims + list(range(at, at + k)), max(b_rank, 1), at + k
        else:
            index.append(i)
            dims, b_rank, at = dims + [at], max(b_rank, rank_of(g, i, "an index")), at + 1
    values = _like(g, values, dtype)
    if not dims:
        return g.op("Add", x, values) if accumulate else g.op("Expand", values, g.op("Shape", x))
    sizes = [to_0d(g, dim_size(g, x, d)) for d in dims]
    linear = wrap_index(g, index[0], sizes[0])
    for i, size in zip(index[1:], sizes[1:], strict=True):
        linear = g.op("Add", g.op("Mul", linear, size), wrap_index(g, i, size))
    rest = [d for d in range(rank) if d not in dims]
    shape = g.op("Shape", x)
    rest_shape = g.op("Gather", shape, ints(g, rest), axis=0)
    # values as x[indices] lays them out: the index dims where the indexed dims are when those
    # are adjacent, else first; moved first
    lead = [d for d in rest if d < dims[0]] if dims == list(range(dims[0], dims[0] + len(dims))) else []
    parts = [
        g.op("Gather", shape, ints(g, lead), axis=0),
        g.op("Shape", linear),
        g.op("Gather", shape, ints(g, rest[len(lead) :]), axis=0),
    ]
    updates = g.op("Expand", values, g.op("Concat", *parts, axis=0))
    if lead:
        n, tail = len(lead), range(len(lead) + b_rank, b_rank + len(rest))
        updates = g.op("Transpose", updates, perm=[*range(n, n + b_rank), *range(n), *tail])
    updates = reshape(g, updates, g.op("Concat", to_1d(g, g.op("Size", linear)), rest_shape, axis=0))
    total = dim_size(g, x, dims[0])
    for d in dims[1:]:
        total = g.op("Mul", total, dim_size(g, x, d))
    perm = dims + rest
    data = x if perm == list(range(rank)) else g.op("Transpose", x, perm=perm)
    flat = reshape(g, data, g.op("Concat", total, rest_shape, axis=0))
    linear = g.op("Reshape", linear, ints(g, [-1]))
    if accumulate:
        y = _index_add(g, flat, 0, len(rest) + 1, linear, updates, dtype)
    else:
        y = _index_copy(g, flat, 0, len(rest) + 1, linear, updates)
    y = reshape(g, y, g.op("Gather", shape, ints(g, perm), axis=0))
    return y if perm == list(range(rank)) else g.op("Transpose", y, perm=[perm.index(d) for d in range(rank)])


@op("aten::index_reduce", opset=9)
def aten_index_reduce(g: Builder, x, dim: int, index, source, reduce: str, include_self: bool = True):
    """``x`` with the slices of ``source`` combined (``reduce``: prod, mean, amax, amin) into its
    slices ``index`` along ``dim``: ``scatter_reduce`` with ``index`` expanded to ``source``'s
    shape (``ScatterElements`` with its reduction from opset 16/18, one-hot below). Opset 9+;
    torch has no rule under either exporter.
    """
    dtype, (rank, axis, was_0d) = g.dtype(x), _frame(g, x, dim)
    x, source = _at_least_1d(g, x, source)
    index = g.op("Reshape", _int64(g, index), ints(g, [-1]))
    index = g.op("Expand", _along(g, index, axis, rank), g.op("Shape", source))
    y = _reduce_into(g, x, axis, rank, index, source, reduce, include_self, dtype)
    return to_0d(g, y) if was_0d else y


@op("aten::put", opset=9)
def aten_put(g: Builder, x, index, source, accumulate: bool = False):
    """``x`` flattened, ``source`` written (added, with ``accumulate``) at the flat positions
    ``index`` (negative ones from the end), reshaped back: ``index_copy``/``index_add`` along
    dim 0. Opset 9+; torch has no rule under either exporter.
    """
    dtype = g.dtype(x)
    flat = g.op("Reshape", x, ints(g, [-1]))
    index = wrap_index(g, g.op("Reshape", index, ints(g, [-1])), to_1d(g, g.op("Size", x)))
    source = g.op("Reshape", _like(g, source, dtype), ints(g, [-1]))
    y = _index_add(g, flat, 0, 1, index, source, dtype) if accumulate else _index_copy(g, flat, 0, 1, index, source)
    # 0-d: a constant target shape (the TorchScript exporter declares Reshape to a computed empty shape 1-d)
    return to_0d(g, y) if g.rank(x) == 0 else reshape(g, y, g.op("Shape", x))


@op("aten::scatter", opset=9)
def aten_scatter(g: Builder, x, dim: int, index, src, reduce: Optional[str] = None):
    """``x`` with ``src`` (a tensor cut to ``index``'s shape, or a number) written at ``index``
    along ``dim``: ``ScatterElements`` (``Scatter`` below 11); ``reduce="add"``/``"multiply"``:
    ``scatter_reduce``'s sum/prod with ``x`` included.

    Both exporters: torch's fail on 0-d inputs, on ``src`` larger than ``index`` and on
    ``reduce``. Below opset 10 ``src`` and ``x`` are not cut (no ``Slice`` of computed bounds).
    """
    dtype, (rank, axis, was_0d) = g.dtype(x), _frame(g, x, dim)
    number = g.rank(src) in (None, 0)  # the .value overloads (a 0-d src of a 0-d index too)
    src = _like(g, src, dtype)
    x, index = _at_least_1d(g, x, index)
    index = _int64(g, index)
    src = g.op("Expand", src, g.op("Shape", index)) if number else _at_least_1d(g, src)[0]
    if reduce is None:
        y = _scatter_elements(g, x, index, _cut(g, src, g.op("Shape", index)), axis)
    else:
        y = _reduce_into(g, x, axis, rank, index, src, {"add": "sum", "multiply": "prod"}[reduce], True, dtype)
    return to_0d(g, y) if was_0d else y


@op("aten::scatter_add", opset=9)
def aten_scatter_add(g: Builder, x, dim: int, index, src):
    """``scatter_reduce(..., "sum")`` (``ScatterElements(reduction="add")`` from opset 16, one-hot
    below). Both exporters: torch's fail on 0-d inputs and on ``src`` larger than ``index``."""
    return aten_scatter_reduce(g, x, dim, index, src, "sum")


@op("aten::scatter_reduce", opset=9)
def aten_scatter_reduce(g: Builder, x, dim: int, index, src, reduce: str, include_self: bool = True):
    """``src``'s elements combined into ``x`` at ``index`` along ``dim`` by ``reduce`` (sum, prod,
    mean, amax, amin), with or without ``x``'s own values (``include_self``); NaN propagates
    through amax/amin as in torch, integer means round down.

    ``ScatterElements`` with its reduction (add/mul from opset 16, max/min from 18; mean is a
    sum and a count), the slots written first reset to the reduction's identity; below, a
    one-hot over the slots of ``dim`` (opset 9+). Both exporters: torch's TorchScript rule
    needs opset 16 and refuses mean and ``include_self=False``; both fail on ``src`` larger
    than ``index``; torch's dynamo lowering of mean is wrong.
    """
    dtype, (rank, axis, was_0d) = g.dtype(x), _frame(g, x, dim)
    x, index, src = _at_least_1d(g, x, index, src)
    y = _reduce_into(g, x, axis, rank, _int64(g, index), src, reduce, include_self, dtype)
    return to_0d(g, y) if was_0d else y


@op("aten::select_scatter", opset=9, exporters=_TS)
def aten_select_scatter(g: Builder, x, src, dim: int, index: int):
    """``x`` with ``x.select(dim, index)`` replaced by ``src``: ``Where`` of
    ``arange == index`` along ``dim``, ``src`` unsqueezed there. Opset 9+."""
    rank = rank_of(g, x)
    axis = normalize_dim(dim, rank)
    n = dim_size(g, x, axis)
    at = ints(g, [index]) if index >= 0 else g.op("Add", n, ints(g, [index]))
    hit = _along(g, g.op("Equal", arange(g, n), at), axis, rank)
    return _where(g, hit, unsqueeze(g, src, [axis]), x)


@op("aten::slice_scatter", opset=9, exporters=_TS)
def aten_slice_scatter(
    g: Builder, x, src, dim: int = 0, start: Optional[int] = None, end: Optional[int] = None, step: int = 1
):
    """``x`` with ``x[start:end:step]`` along ``dim`` replaced by ``src``. Opset 9+.

    Python's slice bounds are clamped in the graph; position p takes ``src[(p - start) / step]``
    (``Gather`` from ``src`` padded with a zero slice) where it is in the slice, else ``x[p]``.
    """
    rank = rank_of(g, x)
    axis = normalize_dim(dim, rank)
    n = dim_size(g, x, axis)
    zero = ints(g, [0])

    def bound(v: Optional[int], default: Any) -> Any:
        if v is None:
            return default
        if v < 0:
            return maximum(g, g.op("Add", n, ints(g, [v])), zero)
        return minimum(g, ints(g, [v]), n)

    first, stop = bound(start, zero), bound(end, n)
    p = arange(g, n)
    offset = g.op("Sub", p, first)
    hit = g.op("And", g.op("Not", g.op("Less", p, first)), g.op("Less", p, stop))
    which = offset
    if step != 1:
        which = g.op("Div", offset, ints(g, [step]))
        hit = g.op("And", hit, g.op("Equal", g.op("Mul", which, ints(g, [step])), offset))
    which = g.op("Where", hit, which, dim_size(g, src, axis))  # off the slice: the zero pad
    taken = g.op("Gather", append_zero(g, src, axis), which, axis=axis)
    return _where(g, _along(g, hit, axis, rank), taken, x)
