"""``histogramdd`` of symreg/ops/sorting.py as standard ops, after aten/src/ATen/native/Histogram.cpp and
cpu/HistogramKernel.cpp.

The input is read as (M, D) points, one column per dim. Given bin counts, each dim's edges are torch's
``linspace`` over that dim's range (given, or the column's extremes, widened by 0.5 where equal, 0 to 1 for no
points): :func:`~symreg.ops._sorting_search.outer_edges` and :func:`~symreg.ops._sorting_search.linspace` per
column. torch then bins a point along each dim by a linear estimate corrected by ``upper_bound`` over the
neighbouring edges, which is the full ``upper_bound`` (:func:`~symreg.ops._sorting_search.bin_of`); given edges,
by ``upper_bound``. A point outside any dim's edges or with a NaN coordinate counts nowhere. The per-dim bins
make one flat bin index (row-major), counted or weighted as ``histogram``'s
(:func:`~symreg.ops._sorting_search.bin_sums`: M * bins pairs) and reshaped to the bin counts; ``density``
divides by the total, then by each dim's bin widths in turn, as torch does.
"""

from __future__ import annotations

from typing import Any

import torch

from symreg.builder import Builder
from symreg.errors import ExportError
from symreg.ops._helpers import dim, ints, reduce
from symreg.ops._sorting_search import bin_of, bin_sums, linspace, outer_edges, widths


def columns(g: Builder, x: Any, n: int) -> list[Any]:
    """The ``n`` columns (1-d, M elements) of ``x`` read as (M, n) points (its last dim is ``n``)."""
    points = g.op("Reshape", x, ints(g, [-1, n]))
    return [g.op("Gather", points, ints(g, d), axis=1) for d in range(n)]


def bin_edges(
    g: Builder, cols: list[Any], counts: list[int], bounds: list[float] | None, dtype: torch.dtype
) -> list[Any]:
    """torch's ``_histogramdd_bin_edges``: per column, ``counts[d] + 1`` edges (1-d, ``dtype``) from ``linspace``
    over (``bounds[2d]``, ``bounds[2d + 1]``), or the column's extremes where ``bounds`` is None."""
    edges = []
    for d, (col, count) in enumerate(zip(cols, counts)):
        low, high = (None, None) if bounds is None else (float(bounds[2 * d]), float(bounds[2 * d + 1]))
        edges.append(linspace(g, *outer_edges(g, col, low, high, dtype), count + 1, dtype))
    return edges


def histogramdd(
    g: Builder,
    cols: list[Any],
    edges: list[Any],
    counts: list[int | None],
    weight: Any,
    density: bool,
    dtype: torch.dtype,
) -> Any:
    """torch's ``histogramdd`` counts (``dtype``, one dim per column) of the points ``cols`` over ``edges`` (1-d
    each, ``counts[d] + 1`` of them; None: not static), weighted by a 1-d ``weight`` (None: ones)."""
    index = inside = total = None
    sizes = []
    for col, edge, count in zip(cols, edges, counts):
        bins = count if count is not None else g.op("Sub", dim(g, edge, 0), ints(g, [1]))
        pos, within, n_bins = bin_of(g, col, edge, bins)
        index = pos if index is None else g.op("Add", g.op("Mul", index, n_bins), pos)
        inside = within if inside is None else g.op("And", inside, within)
        total = n_bins if total is None else g.op("Mul", total, n_bins)
        sizes.append(n_bins)
    hist = bin_sums(g, index, inside, total, weight, dtype)
    if density:  # the total first, as a 1-element value (torch divides by a Scalar)
        hist = g.op("Div", hist, reduce(g, "ReduceSum", hist, [0], keepdims=True))
    hist = g.op("Reshape", hist, g.op("Concat", *sizes, axis=0) if len(sizes) > 1 else sizes[0])
    if density:
        for d, edge in enumerate(edges):
            shape = [1] * d + [-1] + [1] * (len(edges) - d - 1)
            hist = g.op("Div", hist, g.op("Reshape", widths(g, edge), ints(g, shape)))
    return hist


def from_bin_cts(g: Builder, x, bins, bounds, weight, density: bool, with_edges: bool):
    """torch's ``histogramdd`` counts (and edges, when ``with_edges``) of the points ``x`` over ``bins`` counts."""
    dtype, n = input_dims(g, x, bins)
    counts, cols = bin_counts(g, bins, n), columns(g, x, n)
    edges = bin_edges(g, cols, counts, bounds, dtype)
    weight = None if weight is None else g.op("Reshape", weight, ints(g, [-1]))
    hist = histogramdd(g, cols, edges, counts, weight, density, dtype)
    return (hist, edges) if with_edges else hist


def input_dims(g: Builder, x, bins=None) -> tuple[torch.dtype, int]:
    """``x``'s dtype and the points' dims: its last dim, or where that is not static, how many ``bins`` are listed."""
    dtype, shape = g.dtype(x), g.shape(x)
    n = shape[-1] if shape else None
    if not isinstance(n, int) and isinstance(bins, (list, tuple)):
        n = len(bins)
    if dtype is None or not isinstance(n, int):
        raise ExportError(f"{g.overload}: the input's dtype or last dim is unknown; export with them static")
    return dtype, n


def bin_counts(g: Builder, bins: list[int], n: int) -> list[int]:
    """``bins`` checked: ``n`` counts > 0 (one per dim of a point)."""
    counts = list(bins)
    if len(counts) != n or any(c <= 0 for c in counts):
        raise ValueError(f"{g.overload}: bins must be {n} counts > 0 (one per dim of a point), not {counts}")
    return counts
