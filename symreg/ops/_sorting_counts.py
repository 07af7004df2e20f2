"""Counting rules of symreg/ops/sorting.py (``histc``, ``mode``, ``unique_consecutive``) as standard ops.

``histc`` follows torch's CPU kernel (aten/src/ATen/native/cpu/HistogramKernel.cpp, linear
interpolation without local search): bin ``trunc((x - left) * bins / (right - left))`` in the
input's dtype, the last bin closed, elements outside [left, right] and NaN ignored; counted by
comparing each element's bin with every bin (n * bins pairs). ``unique_consecutive`` marks where
an element (a slice, with ``dim``) differs from the one before (``!=``: NaN never repeats, -0.0
repeats 0.0) and keeps those (``Compress``: a data-dependent length). ``mode`` counts each element's
equals over n² pairs per slice.
"""

from __future__ import annotations

from typing import Any, Optional

import numpy as np
import torch

from symreg.builder import Builder
from symreg.errors import ExportError
from symreg.ops._helpers import arange, cast, dim, ints, normalize_dim, rank_of, reduce, slice_, squeeze, unsqueeze
from symreg.ops._scans_pairs import equal


def _flat(g: Builder, x: Any) -> Any:
    return g.op("Reshape", x, ints(g, [-1]))


def histc(g: Builder, x: Any, bins: int, low: float, high: float) -> Any:
    """torch's ``histc`` of every element of a float ``x``: ``bins`` counts in ``x``'s dtype."""
    dtype = g.dtype(x)
    if dtype is None:
        raise ExportError(f"{g.overload}: the input's dtype is unknown; export with an input of known dtype")
    if bins <= 0:
        raise ValueError(f"{g.overload}: bins must be > 0, not {bins}")
    flat = _flat(g, x)
    if low == high:  # the data's extremes (of an empty input: low and high, then widened)
        first = slice_(g, g.op("Concat", flat, g.constant(np.asarray([low]), dtype=dtype), axis=0), [0], [0], [1])
        padded = g.op("Concat", flat, first, axis=0)
        left = reduce(g, "ReduceMin", padded, [0], keepdims=True)
        right = reduce(g, "ReduceMax", padded, [0], keepdims=True)
        # torch widens a point range by 1 in double, then rounds it to the input's dtype
        same = equal(g, left, right, dtype)
        one = g.constant(np.asarray([1.0]), dtype=torch.float64)
        left = g.op("Where", same, cast(g, g.op("Sub", cast(g, left, torch.float64), one), dtype), left)
        right = g.op("Where", same, cast(g, g.op("Add", cast(g, right, torch.float64), one), dtype), right)
    else:
        left = g.constant(np.asarray([low], dtype=np.float64), dtype=dtype)
        right = g.constant(np.asarray([high], dtype=np.float64), dtype=dtype)
    outside = g.op("Or", g.op("Or", g.op("Less", flat, left), g.op("Greater", flat, right)), g.op("IsNaN", flat))
    inside = g.op("Where", outside, left, flat)
    scaled = g.op("Mul", g.op("Sub", inside, left), g.constant(np.asarray([float(bins)]), dtype=dtype))
    pos = cast(g, g.op("Div", scaled, g.op("Sub", right, left)), torch.int64)
    pos = g.op("Where", g.op("Equal", pos, ints(g, [bins])), ints(g, [bins - 1]), pos)
    pos = g.op("Where", outside, ints(g, [-1]), pos)
    hits = g.op("Equal", unsqueeze(g, pos, [1]), ints(g, [list(range(bins))]))
    return reduce(g, "ReduceSum", cast(g, hits, dtype), [0], keepdims=False)


def _shifted(g: Builder, x: Any, axis: int) -> Any:
    """``x`` moved one step along ``axis``: element i holds element i - 1 (element 0 holds itself)."""
    first = slice_(g, x, [axis], [0], [1])
    return g.op("Concat", first, slice_(g, x, [axis], [0], [-1]), axis=axis)


def _running_count(g: Builder, flags: Any) -> Any:
    """The number of set ``flags`` (int64, 1-d) up to each position: ``CumSum`` from opset 11, a masked
    ``ReduceSum`` over every prefix before (n² pairs)."""
    if g.opset >= 11:
        return g.op("CumSum", flags, ints(g, 0))
    positions = arange(g, dim(g, flags, 0))
    mask = g.op("Not", g.op("Greater", unsqueeze(g, positions, [1]), unsqueeze(g, positions, [0])))
    pairs = g.op("Mul", cast(g, mask, torch.int64), unsqueeze(g, flags, [1]))
    return reduce(g, "ReduceSum", pairs, [0], keepdims=False)


def unique_consecutive(
    g: Builder, x: Any, return_inverse: bool, return_counts: bool, dim_: Optional[int]
) -> tuple[Any, Any, Any]:
    """torch's ``unique_consecutive``: (values, inverse, counts); inverse and counts are empty int64
    tensors unless asked for, as in torch."""
    dtype, rank = g.dtype(x), rank_of(g, x)
    if dim_ is None:
        xs, axis = _flat(g, x), 0
    else:
        if rank == 0:
            raise ExportError(f"{g.overload}: dim={dim_} of a 0-d input; torch refuses it too")
        xs, axis = x, normalize_dim(dim_, rank)
    r = 1 if dim_ is None else rank
    differs = g.op("Not", equal(g, xs, _shifted(g, xs, axis), dtype))
    others = [d for d in range(r) if d != axis]
    if others:
        changed = reduce(g, "ReduceSum", cast(g, differs, torch.int64), others, keepdims=False)
        differs = g.op("Greater", changed, ints(g, [0]))
    n = dim(g, xs, axis)
    first = g.op("Equal", arange(g, n), ints(g, [0]))
    new = g.op("Or", differs, first)
    values = g.op("Compress", xs, new, axis=axis)
    empty = ints(g, np.zeros(0, dtype=np.int64))
    inverse = counts = empty
    if return_inverse:
        inverse = g.op("Sub", _running_count(g, cast(g, new, torch.int64)), ints(g, [1]))
        if dim_ is None:
            # a constant target for a 0-d input: the TorchScript exporter declares Shape(0-d) 1-d
            inverse = g.op("Reshape", inverse, ints(g, []) if rank == 0 else g.op("Shape", x))
    if return_counts:
        starts = g.op("Reshape", g.op("NonZero", new), ints(g, [-1]))
        ends = g.op("Concat", slice_(g, starts, [0], [1], [np.iinfo(np.int64).max]), n, axis=0)
        counts = g.op("Sub", ends, starts)
    return values, inverse, counts


def mode(g: Builder, x: Any, dim_: int, keepdim: bool) -> tuple[Any, Any]:
    """torch's ``mode`` along ``dim_``: (values, indices) of the most frequent value, the smallest of
    those equally frequent, at its last occurrence; counted over n² pairs (``Equal``: -0.0 counts as 0.0)."""
    dtype, rank = g.dtype(x), rank_of(g, x)
    was_0d = rank == 0
    xs, r = (g.op("Reshape", x, ints(g, [1])), 1) if was_0d else (x, rank)
    axis = normalize_dim(dim_, r)
    floating = dtype is None or dtype.is_floating_point
    key = xs if floating or dtype == torch.int64 else cast(g, xs, torch.int64)
    key_dtype = dtype if floating else torch.int64
    pairs = equal(g, unsqueeze(g, key, [axis + 1]), unsqueeze(g, key, [axis]), key_dtype)
    counts = reduce(g, "ReduceSum", cast(g, pairs, torch.int64), [axis + 1], keepdims=False)
    top = reduce(g, "ReduceMax", counts, [axis], keepdims=True)
    candidate = g.op("Equal", counts, top)
    if floating:
        fill = g.constant(np.asarray([np.inf]), dtype=dtype or torch.float32)
    else:
        fill = ints(g, [np.iinfo(np.int64).max])
    best = reduce(g, "ReduceMin", g.op("Where", candidate, key, fill), [axis], keepdims=True)
    at = g.op("And", candidate, equal(g, key, best, key_dtype))
    positions = g.op("Reshape", arange(g, dim(g, xs, axis)), ints(g, [-1] + [1] * (r - axis - 1)))
    index = reduce(g, "ReduceMax", g.op("Where", at, positions, ints(g, [-1])), [axis], keepdims=True)
    index = g.op("Where", g.op("Less", index, ints(g, [0])), ints(g, [0]), index)  # a slice of NaN only
    values = g.op("GatherElements", xs, index, axis=axis)
    if was_0d:
        return g.op("Reshape", values, ints(g, [])), g.op("Reshape", index, ints(g, []))
    if not keepdim:
        values, index = squeeze(g, values, [axis]), squeeze(g, index, [axis])
    return values, index
