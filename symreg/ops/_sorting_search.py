"""Binary search and histograms of symreg/ops/sorting.py (``searchsorted``, ``histogram``, ``histogramdd``) as
standard ops.

``searchsorted`` runs torch's own binary search (aten/src/ATen/native/Bucketization.cpp, ``cus_lower_bound``
and ``cus_upper_bound``) on every value at once, one unrolled step per bit of the sequence's length: the same
probes, so the same answer where the sequence is not sorted or holds NaN (torch's answer then depends on the
probes), and NaN values land past the end. ``std::upper_bound``, which torch's histogram kernel uses, probes
the same way.

The histograms follow aten/src/ATen/native/Histogram.cpp and cpu/HistogramKernel.cpp: edges from
``linspace`` over the range (the data's extremes by default, widened by 0.5 each way where they are equal,
0 and 1 for no data), each element's bin by ``upper_bound`` over the edges (the last bin closed, elements
outside the edges or NaN dropped), counts or weights summed per bin, ``density`` divided by the total and
the bin widths.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from symreg.builder import Builder
from symreg.ops._helpers import arange, cast, dim, ints, pad, rank_of, reduce, slice_, unsqueeze

#: Steps of the binary search when the sequence's length is not static: enough for 2**32 - 1 elements.
DYNAMIC_STEPS = 32


def _goes_right(g: Builder, probe: Any, value: Any, right: bool, floating: bool) -> Any:
    """torch's test for moving the search past ``probe``: !(probe >= value) (lower bound) or
    !(probe > value) (upper bound); true where either is NaN."""
    if right:
        return g.op("Not", g.op("Greater", probe, value))
    if g.opset >= 12:
        return g.op("Not", g.op("GreaterOrEqual", probe, value))
    below = g.op("Less", probe, value)
    if not floating:
        return below
    return g.op("Or", below, g.op("IsNaN", g.op("Add", probe, value)))


def binary_search(
    g: Builder, sequence: Any, values: Any, right: bool, rank: int, one_d: bool, length: int | None = None
) -> Any:
    """torch's ``searchsorted`` positions (int64, ``values``' shape) of ``values`` in ``sequence`` (same dtype).

    ``sequence`` is 1-d (``one_d``: every value searches all of it) or of ``values``' rank ``rank`` with the same
    leading dims (each row searched by that row's values); ``length``: its last dim where static."""
    steps = DYNAMIC_STEPS if length is None else int(length).bit_length()
    # one element more, so that an idle lane's probe (at the end) stays in bounds, even for no elements
    padded = pad(g, sequence, 1, [0], [1]) if one_d else pad(g, sequence, rank, [0] * rank, [0] * (rank - 1) + [1])
    dtype = g.dtype(values)
    floating = dtype is None or dtype.is_floating_point
    start = _zeros_like_int(g, values)
    end = g.op("Add", start, g.op("Reshape", dim(g, sequence, -1), ints(g, [])))
    two = ints(g, 2)
    for _ in range(steps):
        active = g.op("Less", start, end)
        mid = g.op("Add", start, g.op("Div", g.op("Sub", end, start), two))
        probe = g.op("Gather", padded, mid, axis=0) if one_d else g.op("GatherElements", padded, mid, axis=rank - 1)
        further = g.op("And", active, _goes_right(g, probe, values, right, floating))
        start, end = (
            g.op("Where", further, g.op("Add", mid, ints(g, 1)), start),
            g.op("Where", g.op("And", active, g.op("Not", further)), mid, end),
        )
    return start


def _zeros_like_int(g: Builder, x: Any) -> Any:
    """int64 zeros of ``x``'s shape."""
    return g.op("ConstantOfShape", g.op("Shape", x), value=np.zeros(1, dtype=np.int64))


def searchsorted(
    g: Builder,
    sequence: Any,
    values: Any,
    right: bool,
    sorter: Any,
    out_int32: bool,
    dtype: torch.dtype | None,
    rank: int | None = None,
) -> Any:
    """torch's ``searchsorted``: ``sequence`` and ``values`` compared in ``dtype`` (torch's result type; None:
    as they are), ``sequence`` read in ``sorter``'s order (None: as it is); int64, or int32 for ``out_int32``.
    ``rank``: ``values``' rank, where the exporter does not know it (a constant made by the rule)."""
    rank = rank_of(g, values, "the values") if rank is None else rank
    one_d = rank_of(g, sequence, "sorted_sequence") == 1
    shape = g.shape(sequence)
    length = None if shape is None or shape[-1] is None else shape[-1]
    if dtype is not None:
        sequence = sequence if g.dtype(sequence) == dtype else cast(g, sequence, dtype)
        values = values if g.dtype(values) == dtype else cast(g, values, dtype)
    if sorter is not None:
        axis = 0 if one_d else rank - 1
        sequence = g.op("Gather" if one_d else "GatherElements", sequence, sorter, axis=axis)
    found = binary_search(g, sequence, values, right, rank, one_d, length)
    return cast(g, found, torch.int32) if out_int32 else found


def _fma(g: Builder, a: Any, k: np.ndarray, c: Any, dtype: torch.dtype) -> Any:
    """``c + a * k`` rounded once, as torch's linspace kernel computes it (its AVX2 and AVX-512 builds contract
    the multiply-add): ``a``, ``c`` 1-element values of ``dtype``, ``k`` small non-negative integers (< 2**26).
    float32 in float64 (the product is exact there); float64 by Veltkamp's split of ``a`` (exact partial
    products) and a two-sum, correct but for a rare double rounding."""
    if dtype == torch.float32:
        wide = g.op("Add", cast(g, c, torch.float64), g.op("Mul", cast(g, a, torch.float64), _f64(g, k)))
        return cast(g, wide, torch.float32)
    split = g.op("Mul", a, _f64(g, [134217729.0]))  # 2**27 + 1
    high = g.op("Sub", split, g.op("Sub", split, a))
    low = g.op("Sub", a, high)
    big, small = g.op("Mul", high, _f64(g, k)), g.op("Mul", low, _f64(g, k))
    total = g.op("Add", c, big)
    virtual = g.op("Sub", total, c)
    error = g.op("Add", g.op("Sub", c, g.op("Sub", total, virtual)), g.op("Sub", big, virtual))
    return g.op("Add", total, g.op("Add", error, small))


def _f64(g: Builder, values: Any) -> Any:
    return g.constant(np.asarray(values, dtype=np.float64), dtype=torch.float64)


def linspace(g: Builder, low: Any, high: Any, steps: int, dtype: torch.dtype) -> Any:
    """torch's ``linspace(low, high, steps)`` (steps >= 2) of 1-element ``low``/``high`` in ``dtype`` (float32 or
    float64): step = (high - low) / (steps - 1); the first half low + step * i, the rest high - step * (steps-1-i)
    (aten/src/ATen/native/cpu/RangeFactoriesKernel.cpp)."""
    step = g.op("Div", g.op("Sub", high, low), g.constant(np.asarray([steps - 1], dtype=np.float64), dtype=dtype))
    half = steps // 2
    first = _fma(g, step, np.arange(half, dtype=np.float64), low, dtype)
    second = _fma(g, g.op("Neg", step), np.arange(steps - half - 1, -1, -1, dtype=np.float64), high, dtype)
    return g.op("Concat", first, second, axis=0) if half else second


def outer_edges(g: Builder, x: Any, low: float | None, high: float | None, dtype: torch.dtype) -> tuple[Any, Any]:
    """torch's ``select_outer_bin_edges`` of a 1-d ``x``: (low, high) given, else the data's min and max (0 and 1
    for no data), widened by 0.5 each way in float64 where equal, then rounded to ``dtype``; 1-element values."""
    if low is not None and high is not None:
        if low == high:
            low, high = low - 0.5, high + 0.5
        return _f64(g, [low]) if dtype == torch.float64 else cast(g, _f64(g, [low]), dtype), (
            _f64(g, [high]) if dtype == torch.float64 else cast(g, _f64(g, [high]), dtype)
        )

    def extreme(op_type: str, default: float) -> Any:
        # x's first element, or ``default`` for no data, joins x: the extreme of x, or default
        first = slice_(g, g.op("Concat", x, cast(g, _f64(g, [default]), dtype), axis=0), [0], [0], [1])
        return reduce(g, op_type, g.op("Concat", x, first, axis=0), [0], keepdims=True)

    lo, hi = cast(g, extreme("ReduceMin", 0.0), torch.float64), cast(g, extreme("ReduceMax", 1.0), torch.float64)
    same = g.op("Equal", lo, hi)
    half = _f64(g, [0.5])
    lo = g.op("Where", same, g.op("Sub", lo, half), lo)
    hi = g.op("Where", same, g.op("Add", hi, half), hi)
    return cast(g, lo, dtype), cast(g, hi, dtype)


def histogram(g: Builder, x: Any, edges: Any, bins: Any, weight: Any, density: bool, dtype: torch.dtype) -> Any:
    """torch's histogram counts of a 1-d ``x`` over the 1-d ``edges`` (``bins`` + 1 of them; ``bins`` an int, or
    a 1-element int64 value where it is not static), weighted by a 1-d ``weight`` (None: ones), in ``dtype``.

    Each element's bin by :func:`bin_of`; counted by :func:`bin_sums` (n * bins pairs); ``density`` divides by
    the total, then by each bin's width, as torch does."""
    pos, inside, n_bins = bin_of(g, x, edges, bins)
    hist = bin_sums(g, pos, inside, n_bins, weight, dtype)
    if density:
        hist = g.op("Div", hist, reduce(g, "ReduceSum", hist, [0], keepdims=True))
        hist = g.op("Div", hist, widths(g, edges))
    return hist


def bin_of(g: Builder, x: Any, edges: Any, bins: Any) -> tuple[Any, Any, Any]:
    """(bin, inside, bins) of each element of a 1-d ``x`` over the 1-d ``edges`` (``bins`` + 1 of them, ``bins``
    an int or a 1-element int64 value): the bin is ``upper_bound(edges, x) - 1`` (:func:`binary_search`), the
    last bin closed; ``inside`` false below the first edge, above the last and for NaN (those count nowhere);
    ``bins`` as a 1-element int64 value."""
    static = isinstance(bins, int)
    pos = g.op("Sub", binary_search(g, edges, x, True, 1, True, bins + 1 if static else None), ints(g, 1))
    n_bins = ints(g, [bins]) if static else bins
    last = g.op("Sub", n_bins, ints(g, [1]))
    pos = g.op("Where", g.op("Equal", pos, n_bins), last, pos)
    first_edge, last_edge = slice_(g, edges, [0], [0], [1]), g.op("Gather", edges, n_bins, axis=0)
    inside = g.op("And", g.op("Not", g.op("Less", x, first_edge)), g.op("Not", g.op("Greater", x, last_edge)))
    return pos, g.op("And", inside, g.op("Not", g.op("IsNaN", x))), n_bins


def bin_sums(g: Builder, pos: Any, inside: Any, n_bins: Any, weight: Any, dtype: torch.dtype) -> Any:
    """Per bin (``n_bins``, a 1-element int64 value), the count of 1-d ``pos`` in it where ``inside``, or the sum
    of ``weight`` there (None: ones), in ``dtype``: each position compared with every bin (n * bins pairs)."""
    same = g.op("Equal", unsqueeze(g, pos, [1]), unsqueeze(g, arange(g, n_bins), [0]))
    hits = cast(g, g.op("And", same, unsqueeze(g, inside, [1])), dtype)
    if weight is not None:
        hits = g.op("Mul", hits, unsqueeze(g, weight, [1]))
    return reduce(g, "ReduceSum", hits, [0], keepdims=False)


def widths(g: Builder, edges: Any) -> Any:
    """The bin widths of 1-d ``edges``: ``edges.diff()``."""
    return g.op("Sub", slice_(g, edges, [0], [1], [_BIG]), slice_(g, edges, [0], [0], [-1]))


_BIG = np.iinfo(np.int64).max
