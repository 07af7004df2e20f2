"""Op-table entries of symreg/ops/sorting.py, in name order.

Sorting and selection move elements without arithmetic: values and indices equal eager torch's.
Ties are compared on indices too, so the samples with ties ask for ``stable=True`` (torch's order
of ties is its implementation's otherwise); random floats have no ties.
"""

from __future__ import annotations

import torch
from op_entry import OpEntry, Sample, grow_dynamic_dims, is_0d
from sorting_histograms import (
    dynamic_under_dynamo,
    grow_histogram,
    grow_histogramdd,
    histogram_samples,
    histogramdd_samples,
    searchsorted_samples,
)
from table_reductions import TORCHSCRIPT, call, calling, masked, opinfo_samples
from table_shape import values

INF, NAN = float("inf"), float("nan")
LOWERINGS = ("custom", "decomposition")
FLOATS_INT = (torch.float32, torch.float64, torch.int64)
EXACT = {dtype: (0.0, 0.0) for dtype in (torch.float32, torch.float64, torch.int64, torch.bool)}
SUMS = {torch.float32: (1e-6, 1e-7), torch.float64: (1e-13, 1e-15)}
#: The decompositions of cummax, cummin and mode pick values with GatherElements (opset 11); the kernels serve 9.
GATHER_OPSET_9 = "the 'decomposition' lowering picks the values with ONNX GatherElements, which exists from opset 11"
#: torch's index among equal values (beyond 16 elements) and its order of NaN are its std::sort's: the kernel
#: runs the same sort; the decomposition takes the last occurrence.
SORT_ORDER = "torch's index here is its std::sort's order of equal values (or of NaN): only the kernel reproduces it"
#: torch's vectorised lerp rounds once (a fused multiply-add), ONNX's Mul and Sub twice: an ulp of the larger end.
QUANTILES = {torch.float32: (1e-6, 1e-6), torch.float64: (1e-13, 1e-14)}
SEARCH_OPSET_9 = (
    "symreg's binary search (searchsorted, histogram) starts at opset 11: GatherElements for batched sequences"
)
TOPK_OPSET_9 = "ONNX TopK takes k as an input from opset 10 and orders ascending (largest=0) from 11"


def ties(dtype: torch.dtype) -> torch.Tensor:
    """A (3, 8) tensor with ties in each row and column: NaN, ±inf, -0.0 next to 0.0 for floats."""
    if not dtype.is_floating_point:
        rows = [[3, -1, 3, 0, 7, -1, 0, 3], [5, 5, 5, 5, 5, 5, 5, 5], [-9, 2, 2, -9, 0, 1, 1, 2]]
        return torch.tensor(rows, dtype=dtype)
    rows = [
        [1.0, NAN, 0.0, -0.0, INF, NAN, -INF, 0.0],
        [2.5, -1.0, 2.5, INF, INF, -0.0, -1.0, 2.5],
        [-0.0, 0.0, NAN, -INF, -INF, 3.0, 0.0, NAN],
    ]
    return torch.tensor(rows, dtype=dtype)


def grow_distinct(sample: Sample) -> Sample:
    """``grow_dynamic_dims`` with float and integer tensors made of distinct values (a permutation of
    0..n-1, shifted to both signs): torch's order of ties is its implementation's unless ``stable=True``,
    and 8000 random float32 numbers tie."""
    grown = grow_dynamic_dims(sample)

    def distinct(t: torch.Tensor) -> torch.Tensor:
        if t.dtype == torch.bool:
            return t
        return (torch.randperm(t.numel()) - t.numel() // 2).to(t.dtype).reshape(t.shape)

    return grown.with_tensors(distinct(t) for t in grown.tensors())


def sort_samples(dtype: torch.dtype) -> list[Sample]:
    """Ties, NaN, ±inf and ±0 along each dim both ways (stable), 0-d, empty dims, a size-1 dim, bool."""
    x = ties(dtype)
    samples = [Sample((x,), {"dim": d, "descending": desc, "stable": True}) for d in (-1, 0) for desc in (False, True)]
    samples += [
        Sample((values((), dtype),)),
        Sample((values((), dtype),), {"dim": 0, "descending": True}),
        Sample((values((2, 0), dtype),), {"dim": -1}),
        Sample((values((0, 3), dtype),), {"dim": 0, "descending": True}),
        Sample((values((4, 1), dtype),), {"dim": 1}),
    ]
    if dtype == torch.int64:
        samples.append(Sample((ties(dtype) > 0,), {"dim": -1, "stable": True, "descending": True}))
    return samples


def msort_samples(dtype: torch.dtype) -> list[Sample]:
    return [Sample((ties(dtype).T,)), Sample((values((), dtype),)), Sample((values((0, 2), dtype),))]


def float_samples(source):
    """``source``'s samples for float dtypes only: OpInfo's integer samples tie, and torch's index of a
    selected value that ties is its selection algorithm's (the entries' own samples cover integers)."""
    return lambda dtype: source(dtype) if dtype.is_floating_point else []


def _values_of(fn):
    """``fn``'s values only: where the selected value ties, torch's index is its selection algorithm's."""

    def values_only(*args, **kwargs):
        return fn(*args, **kwargs).values

    return values_only


def distinct(shape: tuple[int, ...], dtype: torch.dtype) -> torch.Tensor:
    """``shape`` distinct values of both signs (no ties: every index is determined)."""
    n = torch.Size(shape).numel()
    return ((torch.randperm(n) - n // 2).to(dtype) * (0.25 if dtype.is_floating_point else 1)).reshape(shape)


def isin_samples(dtype: torch.dtype) -> list[Sample]:
    """NaN (matches nothing), -0.0 against 0.0, ±inf, 0-d, empty either side, invert, another dtype."""
    x, t = ties(dtype), ties(dtype)[1, 2:6]
    return [
        Sample((x, t)),
        Sample((x, t), {"invert": True}),
        Sample((x[0, 3], t)),
        Sample((x, t[:0])),
        Sample((x[:, :0], t)),
        Sample((x, torch.tensor([3, -1, 0]))),
        Sample((distinct((3, 4), dtype), distinct((2, 2), dtype)), {"assume_unique": True}),
    ]


def kthvalue_samples(dtype: torch.dtype) -> list[Sample]:
    """Distinct values (indices compared), NaN and ±inf, ties (values only), 0-d, k at both ends."""
    x, t = distinct((4, 6), dtype), ties(dtype)
    selected = [
        Sample((x, 1)),
        Sample((x, 6, -1, True)),
        Sample((x, 3, 0)),
        Sample((distinct((), dtype), 1, 0, True)),
    ]
    if dtype.is_floating_point:
        nan_rows = torch.tensor([[NAN, 1.0, INF, -INF, NAN, -0.5], [2.0, NAN, -1.0, 0.5, -2.0, 3.0]], dtype=dtype)
        selected += [Sample((nan_rows, k)) for k in (2, 4)]
        t_rows = [(t, k, d) for k, d in ((2, -1), (3, 0), (5, 1))] + [(nan_rows, k, -1) for k in (5, 6)]
    else:
        t_rows = [(t, k, d) for k, d in ((2, -1), (3, 0), (5, 1))]
    # NaN ties too: torch's index of the k-th of several NaNs is its selection algorithm's
    return [*calling((torch.kthvalue, lambda _: selected))(dtype)] + [
        Sample((_values_of(torch.kthvalue), *args)) for args in t_rows
    ]


def _median_samples(fn, nan_fn):
    def samples(dtype: torch.dtype) -> list[Sample]:
        x = distinct((3, 5), dtype)
        selected = [
            Sample((fn, x)),
            Sample((fn, x, 0)),
            Sample((fn, x, -1, True)),
            Sample((fn, distinct((), dtype))),
            Sample((fn, distinct((), dtype), 0)),
            Sample((fn, distinct((4,), dtype), 0)),
        ]
        if dtype.is_floating_point:
            nan_rows = torch.tensor([[NAN, 1.0, INF, NAN, -0.5], [2.0, -INF, -1.0, 0.5, NAN], [NAN] * 5], dtype=dtype)
            selected += [
                Sample((fn, nan_rows)),
                Sample((fn, nan_rows[:2])),
                Sample((fn, nan_rows[1:2, 1:4])),
                Sample((fn, nan_rows, 1)),
                Sample((fn, nan_rows.T, 0, True)),
                Sample((fn, values((0,), dtype))),
                Sample((fn, values((2, 0), dtype))),
            ]
        t = ties(dtype)
        selected += [Sample((_values_of(nan_fn), t, d)) for d in (0, 1)]
        return selected

    return samples


def quantile_samples(dtype: torch.dtype) -> list[Sample]:
    """Every interpolation mode on ranks that fall between elements and on them (0.5 and 1.5 round to even),
    slices with a NaN, of NaN only, with ±inf and ±0, q as a float, a 0-d and a 1-d tensor, dim None with
    keepdim, batch dims, 0-d input."""
    x = torch.tensor(
        [
            [NAN, 1.0, INF, NAN, -0.5],
            [2.0, -INF, -1.0, 0.5, INF],
            [NAN] * 5,
            [0.0, -0.0, 3.0, -2.0, 0.0],
            [1.5, -3.25, 0.75, 4.0, -1.0],
        ],
        dtype=dtype,
    )
    q = torch.tensor([0.0, 0.125, 0.375, 0.5, 0.7, 1.0], dtype=dtype)
    modes = ("linear", "lower", "higher", "nearest", "midpoint")
    samples = [Sample((x, q), {"dim": 1, "interpolation": mode}) for mode in modes]
    samples += [
        Sample((x, 0.375), {"dim": 0, "keepdim": True, "interpolation": "nearest"}),
        Sample((x[3:], 0.3)),
        Sample((x[1:2], 0.6), {"keepdim": True}),
        Sample((x[:, 1:], torch.tensor(0.25, dtype=dtype), -1)),
        Sample((torch.randn(2, 3, 4, dtype=dtype), torch.tensor([0.1, 0.9], dtype=dtype), 1, True)),
        Sample((torch.tensor(2.5, dtype=dtype), torch.tensor([0.2, 0.7], dtype=dtype), 0, True)),
        Sample((torch.tensor(-1.5, dtype=dtype), 0.4), {"interpolation": "higher"}),
    ]
    return samples


def histc_samples(dtype: torch.dtype) -> list[Sample]:
    """NaN and ±inf (ignored), values on every bin edge (the last bin closed), outside the range, ±0, min == max
    (the data's extremes; a constant input widened by 1; an empty input), 0-d, batch dims, one bin."""
    x = torch.tensor([NAN, -INF, INF, 0.0, -0.0, 1.0, 3.0, 2.999, 10.0, -1.0, 0.5, 1.5, 2.0, 2.25], dtype=dtype)
    return [
        Sample((x, 4, 0, 3)),
        Sample((x, 3, -1.0, 2.0)),
        Sample((x, 1, 0.5, 1.5)),
        Sample((torch.linspace(0, 1, 11, dtype=dtype), 10, 0.0, 1.0)),
        Sample((torch.linspace(-0.7, 2.2, 30, dtype=dtype).reshape(5, 6), 7)),
        Sample((torch.full((3,), 2.5, dtype=dtype), 5)),
        Sample((values((0,), dtype), 3)),
        Sample((torch.tensor(1.5, dtype=dtype), 4, 1, 2)),
        Sample((torch.randn(2, 3, 4, dtype=dtype), 10, -1, 1)),
    ]


def mode_samples(dtype: torch.dtype) -> list[Sample]:
    """Equally frequent values (the smallest wins), -0.0 with 0.0, ±inf, each dim, keepdim, 0-d, an empty
    batch dim, bool (slices of at most 16 elements, where torch's index is the last occurrence); then NaN,
    and 3 x 600 and 3 x 20000 with ties, where torch's index is its std::sort's (see ``SORT_ORDER``)."""
    if dtype.is_floating_point:
        rows = [[2.0, 1.0, 2.0, 1.0, 3.0, 0.0], [0.0, -0.0, 5.0, -0.0, 0.0, 5.0], [INF, -INF, INF, 1.0, -INF, 2.0]]
    else:
        rows = [[2, 1, 2, 1, 3, 0], [0, 7, 5, 7, 0, 5], [-4, 9, -4, 1, 9, 2]]
    x = torch.tensor(rows, dtype=dtype)
    samples = [
        Sample((x,)),
        Sample((x, 0)),
        Sample((x, 1, True)),
        Sample((x.T, 0, True)),
        Sample((values((), dtype), 0)),
        Sample((values((0, 4), dtype), 1)),
    ]
    if dtype == torch.int64:
        samples.append(Sample((x > 1, 1)))
    else:
        samples.append(Sample((ties(dtype), 1)))
    return samples + [Sample((long_ties((3, n), dtype, seed=n), 1)) for n in (600, 20_000)]


def long_ties(shape: tuple[int, ...], dtype: torch.dtype, seed: int, choices=(-2, -1, 0, 1, 2, 3)) -> torch.Tensor:
    """A tensor of few distinct values (ties everywhere), NaN and ±inf among them for floats."""
    g = torch.Generator().manual_seed(seed)
    pool = torch.tensor(choices, dtype=torch.float64)
    x = pool[torch.randint(len(choices), shape, generator=g)]
    if dtype.is_floating_point:
        flat = x.view(-1)
        flat[torch.randint(flat.numel(), (max(1, flat.numel() // 97),), generator=g)] = NAN
        flat[torch.randint(flat.numel(), (max(1, flat.numel() // 89),), generator=g)] = INF
        flat[torch.randint(flat.numel(), (max(1, flat.numel() // 83),), generator=g)] = -INF
    return x.to(dtype)


def sorted_by_std_sort(sample: Sample) -> bool:
    """A sample where torch's mode index is its std::sort's: a slice beyond 16 elements, or NaN."""
    x = sample.tensors()[0]
    return (x.dim() > 0 and x.shape[-1] > 16) or (x.is_floating_point() and bool(x.isnan().any()))


def unique_consecutive_samples(dtype: torch.dtype) -> list[Sample]:
    """Runs of NaN (never equal), -0.0 with 0.0, ±inf; every return flag; dim None (flattened), 0 and -1 of
    2-d inputs; 0-d and empty inputs; bool."""
    if dtype.is_floating_point:
        flat = [1.0, 1.0, NAN, NAN, 0.0, -0.0, INF, INF, -INF, 2.0, 2.0, 2.0]
    else:
        flat = [1, 1, 3, 3, 0, 0, 7, -7, -7, 2, 2, 2]
    x = torch.tensor(flat, dtype=dtype)
    m = torch.tensor([flat[:4], flat[:4], flat[4:8], flat[4:8], flat[8:]], dtype=dtype)
    both = {"return_inverse": True, "return_counts": True}
    samples = [
        Sample((x,)),
        Sample((x,), both),
        Sample((x,), {"return_counts": True}),
        Sample((m,), {"return_inverse": True}),
        Sample((m,), {**both, "dim": 0}),
        Sample((m.T,), {**both, "dim": -1}),
        Sample((values((), dtype),), both),
        Sample((values((0,), dtype),), both),
        Sample((values((0, 3), dtype),), {**both, "dim": 0}),
    ]
    if dtype == torch.int64:
        samples.append(Sample((x > 1,), both))
    return samples


def grow_q_in_range(sample: Sample) -> Sample:
    """``grow_dynamic_dims`` with ``q`` (the tensors after the input) kept in [0, 1]: a 0-d ``q`` is
    drawn anew from its value to its value + 1."""
    grown = grow_dynamic_dims(sample)
    return grown.with_tensors(t if i == 0 else t.clamp(0, 1) for i, t in enumerate(grown.tensors()))


ENTRIES: tuple[OpEntry, ...] = (
    OpEntry(
        ("aten::argsort", "aten::argsort.stable"),
        EXACT,
        opinfo="argsort",
        samples=sort_samples,
        fn=torch.argsort,
        dtypes=FLOATS_INT,
        grow=grow_distinct,
    ).xfail(TOPK_OPSET_9, exporter="torchscript", opset=9),
    OpEntry(
        ("aten::histc",),
        EXACT,
        opinfo="histc",
        samples=histc_samples,
        fn=torch.histc,
        grow=grow_dynamic_dims,
    ),
    OpEntry(
        ("aten::histogram",),
        SUMS,
        opinfo="histogram",
        samples=histogram_samples,
        fn=torch.histogram,
        grow=grow_histogram,
    )
    .xfail(SEARCH_OPSET_9, exporter="torchscript", opset=9)
    .xfail(
        "torch.export cannot trace aten::histogram with dynamic shapes: torch 2.14 has no fake (meta) kernel for "
        "either overload (static shapes export; OpInfo's 0-d samples pass)",
        exporter="dynamo",
        sample=lambda s: not is_0d(s),
    ),
    OpEntry(
        ("aten::histogramdd",),
        SUMS,
        samples=histogramdd_samples,
        fn=torch.histogramdd,
        grow=grow_histogramdd,
        reaches=(
            "aten::_histogramdd_bin_edges",
            "aten::_histogramdd_from_bin_cts",
            "aten::_histogramdd_from_bin_tensors",
        ),
    )
    .xfail(SEARCH_OPSET_9, exporter="torchscript", opset=9)
    .xfail(
        "torch.export cannot trace histogramdd with dynamic shapes: torch 2.14 has no fake (meta) kernel for "
        "aten::_histogramdd_bin_edges, _histogramdd_from_bin_cts or _histogramdd_from_bin_tensors (static shapes "
        "export: the samples without dynamic dims pass)",
        exporter="dynamo",
        sample=dynamic_under_dynamo,
    ),
    OpEntry(
        ("aten::isin", "aten::isin.Tensor_Tensor"),
        EXACT,
        opinfo="isin",
        samples=isin_samples,
        fn=torch.isin,
        dtypes=FLOATS_INT,
        grow=grow_distinct,  # assume_unique=True holds for the larger inputs too
    ),
    OpEntry(
        ("aten::kthvalue",),
        EXACT,
        samples=lambda dtype: [
            *float_samples(calling((torch.kthvalue, opinfo_samples("kthvalue"))))(dtype),
            *kthvalue_samples(dtype),
        ],
        fn=call,
        dtypes=FLOATS_INT,
        grow=grow_distinct,
    ).xfail(TOPK_OPSET_9, exporter="torchscript", opset=9),
    OpEntry(
        ("aten::median", "aten::median.dim"),
        EXACT,
        samples=lambda dtype: [
            *float_samples(calling((torch.median, opinfo_samples("median"))))(dtype),
            *_median_samples(torch.median, torch.median)(dtype),
        ],
        fn=call,
        dtypes=FLOATS_INT,
        grow=grow_distinct,
    ).xfail(TOPK_OPSET_9, exporter="torchscript", opset=9),
    OpEntry(
        ("aten::mode",),
        EXACT,
        samples=lambda dtype: [
            *float_samples(calling((torch.mode, opinfo_samples("mode"))))(dtype),
            *calling((torch.mode, mode_samples))(dtype),
        ],
        fn=call,
        dtypes=FLOATS_INT,
        grow=grow_distinct,
        lowerings=LOWERINGS,
    )
    .xfail(GATHER_OPSET_9, exporter="torchscript", opset=9, lowering="decomposition")
    .skip(SORT_ORDER, lowering="decomposition", sample=sorted_by_std_sort),
    OpEntry(
        ("aten::msort",),
        EXACT,
        opinfo="msort",
        samples=msort_samples,
        fn=torch.msort,
        dtypes=FLOATS_INT,
        grow=grow_distinct,
    ).xfail(TOPK_OPSET_9, exporter="torchscript", opset=9),
    OpEntry(
        ("aten::nanmedian", "aten::nanmedian.dim"),
        EXACT,
        samples=lambda dtype: [
            *float_samples(calling((torch.nanmedian, opinfo_samples("nanmedian")), masked("median")))(dtype),
            *_median_samples(torch.nanmedian, torch.nanmedian)(dtype),
        ],
        fn=call,
        dtypes=FLOATS_INT,
        grow=grow_distinct,
    )
    .xfail(TOPK_OPSET_9, exporter="torchscript", opset=9)
    .xfail(
        "torch's TorchScript rule of aten::where casts masked.median's where(mask, x, nan) of a 0-d float64 x "
        "to float32 (its scalar type analysis) before the nanmedian rule sees it",
        exporter="torchscript",
        dtype=torch.float64,
        sample=lambda s: is_0d(s) and len(s.tensors()) == 2,
    ),
    OpEntry(
        ("aten::nanquantile",),
        QUANTILES,
        opinfo="nanquantile",
        samples=quantile_samples,
        fn=torch.nanquantile,
        exports=TORCHSCRIPT,  # torch's dynamo lowering is right, edge samples included
        grow=grow_q_in_range,
    ).xfail(TOPK_OPSET_9, exporter="torchscript", opset=9),
    OpEntry(
        ("aten::quantile",),
        QUANTILES,
        opinfo="quantile",
        samples=quantile_samples,
        fn=torch.quantile,
        exports=TORCHSCRIPT,  # torch's dynamo lowering is right, edge samples included
        grow=grow_q_in_range,
    ).xfail(TOPK_OPSET_9, exporter="torchscript", opset=9),
    OpEntry(
        ("aten::searchsorted",),
        EXACT,
        opinfo="searchsorted",
        samples=searchsorted_samples,
        fn=torch.searchsorted,
        dtypes=FLOATS_INT,
    ).xfail(SEARCH_OPSET_9, exporter="torchscript", opset=9),
    OpEntry(
        ("aten::sort", "aten::sort.stable"),
        EXACT,
        opinfo="sort",
        samples=sort_samples,
        fn=torch.sort,
        dtypes=FLOATS_INT,
        grow=grow_distinct,
    ).xfail(TOPK_OPSET_9, exporter="torchscript", opset=9),
    OpEntry(
        ("aten::unique_consecutive",),
        EXACT,
        opinfo="unique_consecutive",
        samples=unique_consecutive_samples,
        fn=torch.unique_consecutive,
        dtypes=FLOATS_INT,
    ),
)
