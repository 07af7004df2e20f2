"""Sorting and selection of op pack II (``sort``, ``argsort``, ``kthvalue``, ``median``, ``mode``, ``isin``,
...), lowered to standard ONNX ops where that is exact: ``TopK`` (its tie and NaN order match torch's;
:mod:`symreg.ops._sorting_topk`), torch's quantile arithmetic on the sorted values
(:mod:`symreg.ops._sorting_quantile`), pair counts and ``Compress`` for ``histc`` and
``unique_consecutive`` (:mod:`symreg.ops._sorting_counts`), torch's binary search unrolled for
``searchsorted`` and ``histogram`` (:mod:`symreg.ops._sorting_search`). ``mode`` runs symreg's native
kernel by default (``symreg::Mode``, :mod:`symreg.ops._scans_kernels`), its pair counts (n² per slice) being
the "decomposition" lowering. The scans (``cummax``, ``cumprod``, ...) are symreg/ops/scans.py's.

ONNX Runtime's ``TopK`` (opset 11+, ``sorted=1``) orders as torch's stable sort does, measured on
every code path of its CPU kernel (k of 0, 1, a few, half and all of n up to 5000; float32, float64,
int32, int64): NaN above +inf, ties (-0.0 and 0.0 among them) in input order, for ``largest`` 0 and 1.
So a full-length ``TopK`` is torch's ``sort(stable=True)``; torch's ``stable=False`` order of ties is
its implementation's, the same where no two elements tie. Rules are grouped (counts, isin,
selection, quantiles, searchsorted, sorting), in alphabetical order inside a group.
"""

from __future__ import annotations

from typing import Any, Optional

import numpy as np
import torch

from symreg.builder import Builder
from symreg.errors import ExportError
from symreg.ops import _scans_kernels, _sorting_counts
from symreg.ops import _sorting_histogramdd as _histogramdd
from symreg.ops import _sorting_order as _order
from symreg.ops._helpers import (
    cast,
    dim,
    ints,
    normalize_dim,
    rank_of,
    reduce,
    to_0d,
    unsqueeze,
)
from symreg.ops._math_elementwise import result_dtype
from symreg.ops._scans_pairs import equal
from symreg.ops._sorting_counts import histc, unique_consecutive
from symreg.ops._sorting_quantile import quantile
from symreg.ops._sorting_search import histogram, linspace, outer_edges, searchsorted
from symreg.ops._sorting_topk import kth_smallest, topk
from symreg.ops.indexing import promoted
from symreg.registry import op

_TS = ("torchscript",)


def sort(g: Builder, x: Any, dim_: int, descending: bool) -> tuple[Any, Any]:
    """torch's stable ``sort`` along ``dim_``: a full-length ``TopK``; a 0-d ``x`` through a rank-1 view."""
    dtype = g.dtype(x)
    x, rank, was_0d = _order.as_1d(g, x)
    axis = normalize_dim(dim_, rank)
    values, indices = topk(g, x, dim(g, x, axis), axis, descending, dtype=dtype)
    if was_0d:
        values, indices = to_0d(g, values), to_0d(g, indices)
    return values, indices


# --- histc / mode / unique_consecutive ----------------------------------------------------


@op("aten::histc", opset=9)
def aten_histc(g: Builder, x, bins: int = 100, min: float = 0.0, max: float = 0.0):
    """``bins`` counts of the elements in [min, max] (min == max: the data's extremes, widened by 1 where
    they are equal), as torch's CPU kernel bins them: ``trunc((x - min) * bins / (max - min))`` in the
    input's dtype, the last bin closed, NaN and elements outside ignored; each element's bin compared
    with every bin (``Equal``, ``ReduceSum``: n * bins pairs). Exact; opsets 9+, both exporters
    (TorchScript has no rule; torchlib's fails for min == max)."""
    return histc(g, x, bins, min, max)


@op("aten::histogram", opset=11)
def aten_histogram(g: Builder, x, bins, third=None, fourth=None, fifth=None):
    """(hist, bin_edges) of every element of a float ``x``, as torch's CPU kernel computes them: ``bins`` an
    int (``histogram.bin_ct``: its edges torch's ``linspace`` over ``range`` or the data's extremes, widened by
    0.5 where equal; then the arguments are range, weight, density) or a tensor of edges (``bins_tensor``: then
    weight, density). Each element's bin by torch's binary search over the edges, the last bin closed,
    elements outside and NaN dropped; weights summed per bin (n * bins pairs), ``density`` as torch
    (:func:`~symreg.ops._sorting_search.histogram`). Opsets 11+, both exporters (neither has a rule; traced
    nodes carry no overload, so one rule tells them apart by ``bins``). torch raises for a non-finite range
    (NaN or inf in ``x`` without ``range``); ONNX cannot, and the edges are then NaN or inf."""
    dtype = g.dtype(x)
    if dtype is None:
        raise ExportError(f"{g.overload}: the input's dtype is unknown; export with an input of known dtype")
    count = bins if isinstance(bins, int) else g.constant_value(bins)
    flat = g.op("Reshape", x, ints(g, [-1]))
    if isinstance(count, int):  # bin_ct: bins, range, weight, density
        if count <= 0:
            raise ValueError(f"{g.overload}: bins must be > 0, not {count}")
        bounds = third if isinstance(third, (list, tuple)) or third is None else g.constant_value(third)
        low, high = (None, None) if bounds is None else (float(bounds[0]), float(bounds[1]))
        low, high = outer_edges(g, flat, low, high, dtype)
        edges, weight, density = linspace(g, low, high, count + 1, dtype), fourth, fifth
    else:  # bins_tensor: bins, weight, density
        edges, weight, density, count = bins, third, fourth, g.op("Sub", dim(g, bins, 0), ints(g, [1]))
    density = bool(g.constant_value(density) if not isinstance(density, (bool, int)) else density)
    if weight is not None:
        weight = g.op("Reshape", weight, ints(g, [-1]))
    return histogram(g, flat, edges, count, weight, density, dtype), edges


@op("aten::histogramdd", opset=11, exporters=_TS)
def aten_histogramdd(g: Builder, x, bins, range=None, weight=None, density=False):
    """(hist, bin_edges) of the points of a float ``x`` (..., D), as torch's CPU kernel computes them: ``bins`` an
    int or D ints (each dim's edges as ``histogram``'s over its column, :func:`_histogramdd_bin_edges`) or D
    tensors of edges (then returned as given). TorchScript only: torch.export decomposes histogramdd into the
    rules below (:mod:`symreg.ops._sorting_histogramdd`)."""
    bins = bins if isinstance(bins, (int, list, tuple)) else g.constant_value(bins)
    dtype, n = _histogramdd.input_dims(g, x, bins)
    counts = [bins] * n if isinstance(bins, int) else list(bins)
    bounds = range if isinstance(range, (list, tuple)) or range is None else g.constant_value(range)
    density = bool(density if isinstance(density, (bool, int)) else g.constant_value(density))
    if counts and all(isinstance(c, int) for c in counts):
        return _histogramdd.from_bin_cts(g, x, counts, bounds, weight, density, with_edges=True)
    return aten__histogramdd_from_bin_tensors(g, x, counts, weight, density), counts


@op("aten::_histogramdd_bin_edges", opset=11)
def aten__histogramdd_bin_edges(
    g: Builder, x, bins: list[int], range: Optional[list[float]] = None, weight=None, density: bool = False
):
    """torch's ``linspace`` edges of each dim of the points ``x`` (..., D): ``bins[d] + 1`` of them over
    ``range[2d:2d + 2]`` or the column's extremes (widened by 0.5 where equal, 0 to 1 for no points)."""
    dtype, n = _histogramdd.input_dims(g, x, bins)
    return _histogramdd.bin_edges(g, _histogramdd.columns(g, x, n), _histogramdd.bin_counts(g, bins, n), range, dtype)


@op("aten::_histogramdd_from_bin_cts", opset=11)
def aten__histogramdd_from_bin_cts(
    g: Builder, x, bins: list[int], range: Optional[list[float]] = None, weight=None, density: bool = False
):
    """torch's ``histogramdd`` counts of the points ``x`` (..., D) over the edges of
    :func:`aten__histogramdd_bin_edges`: one binary search per dim, a flat bin index, counted by pairs."""
    return _histogramdd.from_bin_cts(g, x, bins, range, weight, density, with_edges=False)


@op("aten::_histogramdd_from_bin_tensors", opset=11)
def aten__histogramdd_from_bin_tensors(g: Builder, x, bins, weight=None, density: bool = False):
    """torch's ``histogramdd`` counts of the points ``x`` (..., D) over D 1-d tensors of edges."""
    dtype, n = _histogramdd.input_dims(g, x, bins)
    if not isinstance(bins, (list, tuple)) or len(bins) != n:
        raise ExportError(f"{g.overload}: bins must be a list of {n} tensors of edges (x has {n} dims per point)")
    counts = [None if s is None or s[0] is None else s[0] - 1 for s in (g.shape(b) for b in bins)]
    weight = None if weight is None else g.op("Reshape", weight, ints(g, [-1]))
    return _histogramdd.histogramdd(g, _histogramdd.columns(g, x, n), list(bins), counts, weight, density, dtype)


@op("aten::mode", opset=9, lowerings=_scans_kernels.LOWERINGS)
def aten_mode(g: Builder, x, dim: int = -1, keepdim: bool = False):
    """(values, indices) of the most frequent value along ``dim`` (the smallest of equally frequent ones),
    torch's index included: ``symreg::Mode`` runs torch's CPU algorithm (``std::sort`` of (value, index)
    pairs, then the runs), so where ``std::sort``'s order of equal values (slices beyond 16 elements) or of
    NaN decides torch's index, it decides the kernel's alike. The "decomposition" lowering counts
    ``Equal`` over n² pairs and takes the last occurrence: torch's index for slices of up to 16 elements;
    opsets 11+ (``GatherElements``). Opsets 9+, both exporters (neither has a rule)."""
    if _scans_kernels.lowering(g, 11) == "custom":
        return _scans_kernels.mode(g, x, dim, keepdim)
    return _sorting_counts.mode(g, x, dim, keepdim)


@op("aten::unique_consecutive", opset=9)
def aten_unique_consecutive(
    g: Builder, x, return_inverse: bool = False, return_counts: bool = False, dim: Optional[int] = None
):
    """(values, inverse, counts) of the runs of equal elements (of every element, or of slices along
    ``dim``): a run starts where ``Equal`` with the element before fails (NaN never repeats, -0.0
    repeats 0.0), ``Compress`` keeps the starts (a data-dependent length), inverse is the running
    count of starts minus 1 (``CumSum``; a prefix ``ReduceSum`` before opset 11), counts the gaps
    between the starts (``NonZero``). Exact; opsets 9+, both exporters (neither has a rule)."""
    return unique_consecutive(g, x, return_inverse, return_counts, dim)


# --- isin ----------------------------------------------------------------------------------


@op("aten::isin.Tensor_Tensor", opset=9, exporters=("dynamo",))
@op("aten::isin", opset=9, exporters=_TS)  # traced nodes carry no overload: every isin reaches this rule
def aten_isin(g: Builder, elements, test_elements, assume_unique: bool = False, invert: bool = False):
    """Whether each element equals one of ``test_elements``: ``Equal`` of ``elements[..., None]`` with the
    flattened test elements (both in torch's promoted dtype; NaN matches nothing, -0.0 matches 0.0), any
    along the new dim as an int64 ``ReduceSum`` (false for no test elements), ``Not`` when ``invert``.
    n*m pairs (:func:`~symreg.ops._scans_pairs.equal`); opsets 9+, both exporters (neither has a rule;
    torch.export's decomposition is wrong for empty test elements and fails on 1-d or empty inputs)."""
    rank = rank_of(g, elements)
    elements, test_elements = promoted(g, [elements, test_elements])
    flat = g.op("Reshape", test_elements, ints(g, [-1]))
    pairs = equal(g, unsqueeze(g, elements, [rank]), flat, g.dtype(elements))
    hits = reduce(g, "ReduceSum", cast(g, pairs, torch.int64), [rank], keepdims=False)
    found = g.op("Greater", hits, ints(g, [0]) if rank else ints(g, 0))
    return g.op("Not", found) if invert else found


# --- kthvalue / median / nanmedian ---------------------------------------------------------


@op("aten::kthvalue", opset=11)
def aten_kthvalue(g: Builder, x, k: int, dim: int = -1, keepdim: bool = False):
    """(values, indices) of the ``k``-th smallest along ``dim``: the last of a ``TopK`` of ``k``
    (``largest=0``), NaN above +inf as torch. Where the k-th value ties, torch's index is its
    selection algorithm's (not the first nor the last of the ties); the values are the same.
    Opsets 11+ (``TopK``'s ``largest``), both exporters (neither has a rule)."""
    dtype = g.dtype(x)
    x, rank, was_0d = _order.as_1d(g, x)
    axis = normalize_dim(dim, rank)
    return _order.kept(g, *kth_smallest(g, x, ints(g, [k]), axis, dtype), axis, keepdim, was_0d)


@op("aten::median", opset=11)
def aten_median(g: Builder, x):
    """The lower median of every element (0-d), NaN where there is a NaN or no element:
    :func:`~symreg.ops._sorting_order.order_statistic`; opsets 11+, both exporters (neither has a rule)."""
    return _order.order_statistic(g, x, None, False, ignore_nan=False)[0]


@op("aten::median.dim", opset=11)
def aten_median_dim(g: Builder, x, dim: int, keepdim: bool = False):
    """(values, indices) of the lower median along ``dim``, NaN and the first NaN's index in slices
    that hold one (:func:`~symreg.ops._sorting_order.order_statistic`); ties as for ``kthvalue``.
    Opsets 11+, both exporters."""
    return _order.order_statistic(g, x, dim, keepdim, ignore_nan=False)


@op("aten::nanmedian", opset=11)
def aten_nanmedian(g: Builder, x):
    """The lower median of the non-NaN elements (0-d; NaN where there are none):
    :func:`~symreg.ops._sorting_order.order_statistic`; opsets 11+, both exporters (neither has a rule)."""
    return _order.order_statistic(g, x, None, False, ignore_nan=True)[0]


@op("aten::nanmedian.dim", opset=11)
def aten_nanmedian_dim(g: Builder, x, dim: int, keepdim: bool = False):
    """(values, indices) of the lower median of the non-NaN elements along ``dim``; slices of NaN only
    give NaN and the middle NaN's index (:func:`~symreg.ops._sorting_order.order_statistic`); ties as
    for ``kthvalue``. Opsets 11+, both exporters."""
    return _order.order_statistic(g, x, dim, keepdim, ignore_nan=True)


# --- nanquantile / quantile ---------------------------------------------------------------


@op("aten::nanquantile", opset=11, exporters=_TS)
def aten_nanquantile(g: Builder, x, q, dim: Optional[int] = None, keepdim: bool = False, interpolation: str = "linear"):
    """``aten::quantile`` of the non-NaN elements: ranks ``q * (count - 1)`` (0 for a slice of NaN
    only, whose quantile is NaN). Opsets 11+, TorchScript only (the dynamo exporter's is right)."""
    return quantile(g, x, q, dim, keepdim, interpolation, ignore_nan=True)


@op("aten::quantile", opset=11, exporters=_TS)
def aten_quantile(g: Builder, x, q, dim: Optional[int] = None, keepdim: bool = False, interpolation: str = "linear"):
    """The ``q`` quantiles (a float or a 1-d tensor; its length comes first in the output) along ``dim``
    (None: of every element), as torch computes them (:mod:`~symreg.ops._sorting_quantile`): a
    full-length ``TopK``, ranks ``q * (n - 1)`` in the input's dtype (``n - 1`` where the slice holds
    a NaN), ``Round`` (half to even) for ``nearest``, the sorted values at the ranks' floor and ceil
    (``GatherElements``), blended by torch's ``lerp`` formula for ``linear`` and ``midpoint``: exact
    but for the fused multiply-add of torch's vectorised ``lerp`` (an ulp). Opsets 11+ (``TopK``'s
    ``largest``, ``Round``), TorchScript only (the dynamo exporter's lowering is right)."""
    return quantile(g, x, q, dim, keepdim, interpolation, ignore_nan=False)


# --- searchsorted --------------------------------------------------------------------------


@op("aten::searchsorted", opset=11)
def aten_searchsorted(
    g: Builder,
    sorted_sequence,
    x,
    out_int32: bool = False,
    right: bool = False,
    side: Optional[str] = None,
    sorter=None,
):
    """Where each of ``x`` (a tensor or a number) goes in ``sorted_sequence`` (1-d, or ``x``'s leading dims and
    a last dim searched per row), read in ``sorter``'s order: torch's binary search step for step
    (:func:`~symreg.ops._sorting_search.binary_search`), so ties (first or last position for ``right``/``side``)
    and NaN (values: past the end; in the sequence: wherever torch's probes lead) match it. Compared in torch's
    result type (a number counts as a wrapped number); int64, int32 for ``out_int32``. Opsets 11+
    (``GatherElements``), both exporters (neither has a rule), every overload."""
    number = x if isinstance(x, (bool, int, float)) else g.constant_value(x) if g.rank(x) == 0 else None
    if isinstance(number, (bool, int, float)):  # searchsorted.Scalar (a constant under TorchScript): wrapped
        x = number
    dtype = result_dtype(g, sorted_sequence, x)
    rank = None
    if isinstance(x, (bool, int, float)):
        x, rank = g.constant(np.asarray(x), dtype=dtype or torch.float32), 0
    return searchsorted(g, sorted_sequence, x, right or side == "right", sorter, out_int32, dtype, rank)


# --- argsort / msort / sort ----------------------------------------------------------------


@op("aten::argsort", opset=11)
def aten_argsort(g: Builder, x, dim: int = -1, descending: bool = False):
    """The indices of :func:`sort` (``TopK`` over the whole dim); opsets 11+ (``TopK``'s ``largest``
    and ``sorted``), both exporters (TorchScript has no rule; torch.export lowers ``stable=True`` to
    ``sort.stable``, which torchlib lacks)."""
    return sort(g, x, dim, descending)[1]


@op("aten::argsort.stable", opset=11)
def aten_argsort_stable(g: Builder, x, stable: Optional[bool] = False, dim: int = -1, descending: bool = False):
    """``aten::argsort`` with ``stable=``: the stable order either way (see the module docstring)."""
    return sort(g, x, dim, descending)[1]


@op("aten::msort", opset=11, exporters=_TS)
def aten_msort(g: Builder, x):
    """The values of :func:`sort` along dim 0; opsets 11+, TorchScript only (the dynamo exporter's works)."""
    return sort(g, x, 0, False)[0]


@op("aten::sort", opset=11)
def aten_sort(g: Builder, x, dim: int = -1, descending: bool = False):
    """(values, indices) of a full-length ``TopK`` along ``dim``: torch's stable order, NaN above +inf
    (first when descending); a 0-d input gives (x, 0). Opsets 11+ (``TopK``'s ``largest`` and
    ``sorted``), both exporters (TorchScript has no rule; torchlib's hands bool to ``TopK``, which
    has no bool kernel, and it has none for ``sort.stable``)."""
    return sort(g, x, dim, descending)


@op("aten::sort.stable", opset=11)
def aten_sort_stable(g: Builder, x, stable: Optional[bool] = False, dim: int = -1, descending: bool = False):
    """``aten::sort`` with ``stable=``: the stable order either way (see the module docstring)."""
    return sort(g, x, dim, descending)
