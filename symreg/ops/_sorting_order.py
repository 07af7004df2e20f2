"""The order statistics of symreg/ops/sorting.py (``median``, ``nanmedian``, ``kthvalue``): rank-1 views of 0-d
inputs, the element at a sorted position of each slice and torch's NaN rules for medians, over ``TopK``
(:mod:`symreg.ops._sorting_topk`).
"""

from __future__ import annotations

from typing import Any, Optional

import torch

from symreg.builder import Builder
from symreg.ops._helpers import (
    cast,
    constant_like,
    dim,
    ints,
    normalize_dim,
    rank_of,
    reduce,
    shape_part,
    squeeze,
    to_0d,
    to_1d,
)
from symreg.ops._sorting_topk import kth_smallest, topk


def as_1d(g: Builder, x: Any) -> tuple[Any, int, bool]:
    """``x`` viewed at rank >= 1 (a 0-d ``x`` as shape [1]), that rank, and whether ``x`` was 0-d.

    The rank is passed on: the dynamo exporter does not know a ``Reshape`` output's rank."""
    rank = rank_of(g, x)
    return (to_1d(g, x), 1, True) if rank == 0 else (x, rank, False)


def at(g: Builder, values: Any, indices: Any, pos: Any, axis: int, keepdim: bool, was_0d: bool) -> tuple[Any, Any]:
    """(values, indices) at position ``pos`` (int64, ``values``' shape with ``axis`` of size 1) along ``axis``,
    the axis dropped unless ``keepdim``; 0-d again for a 0-d input."""
    picked = [g.op("GatherElements", v, pos, axis=axis) for v in (values, indices)]
    return kept(g, *picked, axis, keepdim, was_0d)


def kept(g: Builder, values: Any, indices: Any, axis: int, keepdim: bool, was_0d: bool) -> tuple[Any, Any]:
    """(values, indices) with ``axis`` of size 1, that axis dropped unless ``keepdim``; 0-d for a 0-d input."""
    if was_0d:
        return to_0d(g, values), to_0d(g, indices)
    if not keepdim:
        return squeeze(g, values, [axis]), squeeze(g, indices, [axis])
    return values, indices


def kept_shape(g: Builder, x: Any, axis: int, rank: int) -> Any:
    """The shape of a rank-``rank`` ``x`` with ``axis`` of size 1 (a reduction's with kept dims), int64 1-d."""
    parts = [shape_part(g, x, 0, axis), ints(g, [1]), shape_part(g, x, axis + 1, rank)]
    return g.op("Concat", *[p for i, p in enumerate(parts) if i == 1 or (axis if i == 0 else rank - axis - 1)], axis=0)


def order_statistic(g: Builder, x: Any, dim_: Optional[int], keepdim: bool, ignore_nan: bool) -> tuple[Any, Any]:
    """The lower median along ``dim_`` (None: of every element, 0-d) with torch's NaN rules.

    ``ignore_nan`` False (``median``): NaN where the slice holds one, with the first NaN's index, which
    is at sorted position ``n - count(NaN)`` (NaN sorts last, in index order). True (``nanmedian``): the
    lower median of the non-NaN elements, at ``(n - count(NaN) - 1) // 2``; where all are NaN, the
    NaN at ``(n - 1) // 2`` (as measured in eager torch).
    ``median()`` of an empty tensor is NaN: a NaN appended after the elements (sorted last, so no
    position moves) is what position 0 picks there.
    """
    flat, dtype = dim_ is None, g.dtype(x)
    if flat:
        # a [1, n] view: TorchScript's shape inference takes a 1-d Concat with a constant for shape arithmetic
        x, rank, was_0d, keepdim = g.op("Reshape", x, ints(g, [1, -1])), 2, True, False
    else:
        x, rank, was_0d = as_1d(g, x)
    axis = 1 if flat else normalize_dim(dim_, rank)
    n = dim(g, x, axis)
    zero, one, two = ints(g, [0]), ints(g, [1]), ints(g, [2])

    def lower_middle(count):  # (count - 1) // 2, 0 for an empty slice
        return g.op("Where", g.op("Greater", count, zero), g.op("Div", g.op("Sub", count, one), two), zero)

    floating = dtype is None or dtype.is_floating_point
    if not ignore_nan:
        return _median(g, x, n, axis, dtype, flat, keepdim, was_0d, lower_middle(n))
    # nanmedian: the position depends on each slice's NaN count, so the whole slice is ordered
    pos = lower_middle(n)
    if floating:
        nans = reduce(g, "ReduceSum", cast(g, g.op("IsNaN", x), torch.int64), [axis], keepdims=True)
        numbers = g.op("Sub", n, nans)  # torch's index in a slice of NaN only is the lower middle one's
        pos = g.op("Where", g.op("Greater", numbers, zero), lower_middle(numbers), pos)
        if flat:
            x = g.op("Concat", x, constant_like(g, [[float("nan")]], x), axis=1)
    pos = g.op("Expand", pos, kept_shape(g, x, axis, rank))
    values, indices = topk(g, x, dim(g, x, axis), axis, largest=False, dtype=dtype)
    return at(g, values, indices, pos, axis, keepdim, was_0d)


def _median(
    g: Builder, x: Any, n: Any, axis: int, dtype: Any, flat: bool, keepdim: bool, was_0d: bool, middle: Any
) -> tuple[Any, Any]:
    """``median``'s half of :func:`order_statistic`: the element at sorted position ``middle`` (the same
    for every slice: ``kth_smallest`` in linear time), replaced by the first NaN in slices that hold one."""
    k = g.op("Add", middle, ints(g, [1]))
    floating = dtype is None or dtype.is_floating_point
    if floating and flat:  # median() of no element is NaN: a NaN after the elements moves no position
        x = g.op("Concat", x, constant_like(g, [[float("nan")]], x), axis=1)
    values, indices = kth_smallest(g, x, k, axis, dtype, with_nan=False)
    if floating:  # ArgMax gives the first of the largest: the first NaN, if any
        first_nan = g.op("ArgMax", cast(g, g.op("IsNaN", x), torch.uint8), axis=axis, keepdims=1)
        if flat:  # the appended NaN (at n) counts only for an empty input
            holds = g.op("Or", g.op("Less", first_nan, n), g.op("Equal", n, ints(g, [0])))
        else:
            holds = g.op("IsNaN", g.op("GatherElements", x, first_nan, axis=axis))
        indices = g.op("Where", holds, first_nan, indices)
        values = g.op("GatherElements", x, indices, axis=axis)
    return kept(g, values, indices, axis, keepdim, was_0d)
