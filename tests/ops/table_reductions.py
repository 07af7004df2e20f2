"""Op-table entries of symreg/ops/reductions.py, in name order."""

from __future__ import annotations

import torch
from op_entry import OpEntry, Sample
from ortcheck import EXPORTS

#: Sums of up to ~125 terms: ORT adds in another order than torch (cancellation needs an atol).
SUMS = {torch.float32: (1e-5, 1e-4), torch.float64: (1e-12, 1e-12), torch.int64: (0.0, 0.0), torch.bool: (0.0, 0.0)}
#: max, min, arg-reductions and logical reductions pick one element: exact.
EXACT = {torch.float32: (0.0, 0.0), torch.float64: (0.0, 0.0), torch.int64: (0.0, 0.0), torch.bool: (0.0, 0.0)}
FLOATS = (torch.float32, torch.float64)
#: Rules for TorchScript only; the dynamo exporter's own lowering is not this table's to test.
TORCHSCRIPT = tuple(e for e in EXPORTS if e[0] == "torchscript")
WITH_INT = (torch.float32, torch.float64, torch.int64)
WITH_INT_AND_BOOL = (torch.float32, torch.float64, torch.int64, torch.bool)


def _values(shape, dtype: torch.dtype) -> torch.Tensor:
    if dtype == torch.bool:
        return torch.randint(0, 2, shape).bool()
    if dtype.is_floating_point:
        return torch.randn(shape, dtype=dtype)
    return torch.randint(-9, 10, shape, dtype=dtype)


def dim_samples(dtype: torch.dtype) -> list[Sample]:
    """0-d with dim 0 and -1, dim=() (every dim), keepdim, negative and several dims, an empty input."""
    return [
        Sample((_values((), dtype),), {"dim": 0, "keepdim": True}),
        Sample((_values((3, 4, 5), dtype),), {"dim": (-1, 0), "keepdim": True}),
        Sample((_values((3, 4), dtype),), {"dim": (), "keepdim": False}),
        Sample((_values((), dtype),), {"dim": -1}),
        Sample((_values((2, 0, 3), dtype),), {"dim": 1}),
        Sample((_values((2, 0, 3), dtype),)),
    ]


def nonempty_dim_samples(dtype: torch.dtype) -> list[Sample]:
    """``dim_samples`` without reductions over empty axes (torch refuses them for max/min)."""
    return [s for s in dim_samples(dtype) if s.args[0].numel() or s.kwargs.get("dim") not in (1, None)][:4] + [
        Sample((_values((2, 0, 3), dtype),), {"dim": 2})
    ]


def typed_sum_samples(dtype: torch.dtype) -> list[Sample]:
    """``dim_samples`` plus a dtype= argument."""
    return [*dim_samples(dtype), Sample((_values((3, 4), dtype),), {"dim": 1, "dtype": torch.float64})]


def prod_samples(dtype: torch.dtype) -> list[Sample]:
    """0-d with dim 0 and -1, keepdim, an empty input (product 1), a dtype= argument."""
    return [
        Sample((_values((), dtype), 0, True)),
        Sample((_values((3, 4), dtype), -1)),
        Sample((_values((), dtype),)),
        Sample((_values((2, 0, 3), dtype),)),
        Sample((_values((2, 0, 3), dtype), 1)),
        Sample((_values((3, 4), dtype), 0), {"dtype": torch.float64}),
    ]


def count_samples(dtype: torch.dtype) -> list[Sample]:
    """0-d, several dims, an empty input."""
    return [
        Sample((_values((), dtype),), {"dim": 0}),
        Sample((_values((3, 4, 5), dtype),), {"dim": (0, -1)}),
        Sample((_values((2, 0, 3), dtype),)),
    ]


def dist_samples(dtype: torch.dtype) -> list[Sample]:
    """0-d inputs, broadcasting, p = 1, 0, inf, -inf and a fractional p."""
    return [
        Sample((_values((), dtype), _values((), dtype))),
        Sample((_values((3, 4), dtype), _values((4,), dtype), 1)),
        Sample((_values((3, 4), dtype), _values((3, 4), dtype), 0)),
        Sample((_values((3, 4), dtype), _values((3, 1), dtype), float("inf"))),
        Sample((_values((3, 4), dtype), _values((3, 4), dtype), float("-inf"))),
        Sample((_values((2, 3), dtype), _values((2, 3), dtype), 1.5)),
    ]


def nan_samples(dtype: torch.dtype) -> list[Sample]:
    """NaN inside, an all-NaN row, 0-d, keepdim, several dims, an empty input."""
    x = _values((3, 4), dtype)
    if dtype.is_floating_point:
        x[0, 1] = float("nan")
        x[2] = float("nan")
    return [
        Sample((x,), {"dim": 1}),
        Sample((x,)),
        Sample((_values((), dtype),), {"dim": 0, "keepdim": True}),
        Sample((_values((2, 3, 4), dtype),), {"dim": (0, -1), "keepdim": True}),
        Sample((_values((2, 0, 3), dtype),), {"dim": 1}),
        Sample((x,), {"dim": 0, "dtype": torch.float64}),
    ]


def trace_samples(dtype: torch.dtype) -> list[Sample]:
    """inf off the diagonal (must not leak), a 1x1 and an empty matrix."""
    x = _values((3, 4), dtype)
    if dtype.is_floating_point:
        x[0, 2] = float("inf")
    return [Sample((x,)), Sample((_values((1, 1), dtype),)), Sample((_values((0, 3), dtype),))]


def float_sample_of(samples):
    def float_samples(dtype: torch.dtype) -> list[Sample]:
        return [s for s in samples(dtype) if s.args[0].is_floating_point()]

    return float_samples


def variance_samples(dtype: torch.dtype) -> list[Sample]:
    """A single element (N - 1 = 0: NaN), a large correction (inf), 0-d, keepdim, an empty input."""
    return [
        Sample((_values((1, 4), dtype),), {"dim": 0}),
        Sample((_values((3, 4), dtype),), {"dim": 1, "correction": 6, "keepdim": True}),
        Sample((_values((), dtype),), {"dim": 0, "correction": 0}),
        Sample((_values((2, 3, 4), dtype),), {"dim": (0, 2), "keepdim": False}),
        Sample((_values((0, 3), dtype),), {"dim": None}),
    ]


ENTRIES: tuple[OpEntry, ...] = (
    OpEntry(("aten::all",), EXACT, opinfo="all", samples=dim_samples, fn=torch.all, dtypes=WITH_INT_AND_BOOL),
    OpEntry(("aten::amax",), EXACT, opinfo="amax", samples=nonempty_dim_samples, fn=torch.amax, dtypes=WITH_INT),
    OpEntry(("aten::amin",), EXACT, opinfo="amin", samples=nonempty_dim_samples, fn=torch.amin, dtypes=WITH_INT),
    OpEntry(("aten::aminmax",), EXACT, opinfo="aminmax", fn=torch.aminmax, dtypes=WITH_INT),
    OpEntry(("aten::any",), EXACT, opinfo="any", samples=dim_samples, fn=torch.any, dtypes=WITH_INT_AND_BOOL),
    OpEntry(("aten::argmax",), EXACT, opinfo="argmax", fn=torch.argmax, dtypes=WITH_INT),
    OpEntry(("aten::argmin",), EXACT, opinfo="argmin", fn=torch.argmin, dtypes=WITH_INT),
    OpEntry(
        ("aten::count_nonzero",),
        EXACT,
        opinfo="count_nonzero",
        samples=count_samples,
        fn=torch.count_nonzero,
        dtypes=WITH_INT_AND_BOOL,
    ),
    OpEntry(("aten::dist",), SUMS, opinfo="dist", samples=dist_samples, fn=torch.dist),
    OpEntry(("aten::logsumexp",), SUMS, opinfo="logsumexp", fn=torch.logsumexp),
    OpEntry(("aten::mean",), SUMS, opinfo="mean", samples=float_sample_of(typed_sum_samples), fn=torch.mean),
    OpEntry(("aten::nanmean",), SUMS, opinfo="nanmean", samples=nan_samples, fn=torch.nanmean),
    OpEntry(
        ("aten::nansum",), SUMS, opinfo="nansum", samples=nan_samples, fn=torch.nansum, dtypes=WITH_INT, exports=TORCHSCRIPT
    ),
    OpEntry(
        ("aten::prod",), SUMS, opinfo="prod", samples=prod_samples, fn=torch.prod, dtypes=WITH_INT_AND_BOOL, exports=TORCHSCRIPT
    ),
    OpEntry(("aten::std",), SUMS, opinfo="std", samples=variance_samples, fn=torch.std),
    # not OpInfo's samples: torch.export fails on its dim=, unbiased= sample in some models (a torch bug)
    OpEntry(("aten::std_mean",), SUMS, samples=variance_samples, fn=torch.std_mean),
    OpEntry(("aten::sum",), SUMS, opinfo="sum", samples=typed_sum_samples, fn=torch.sum, dtypes=WITH_INT_AND_BOOL),
    OpEntry(("aten::trace",), SUMS, opinfo="trace", samples=trace_samples, fn=torch.trace, dtypes=WITH_INT),
    OpEntry(("aten::var",), SUMS, opinfo="var", samples=variance_samples, fn=torch.var),
    OpEntry(("aten::var_mean",), SUMS, opinfo="var_mean", samples=variance_samples, fn=torch.var_mean),
)
