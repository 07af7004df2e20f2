"""Op-table entries of symreg/ops/reductions.py, in name order.

Some entries also run the ``torch.masked`` reductions that decompose into their op (masked.sum
into ``sum.dim_IntList``, masked.amax into ``amax``, ...): their samples carry the function to
call first (``call``, ``calling``). ``opinfo_samples`` reaches OpInfo variants (``max`` with
``variant_test_name`` "reduction_with_dim"), which an entry's ``opinfo=`` cannot name.
"""

from __future__ import annotations

import functools

import torch
from op_entry import OpEntry, Sample, opinfos
from ortcheck import EXPORTS

#: Sums of up to ~125 terms: ORT adds in another order than torch (cancellation needs an atol).
SUMS = {torch.float32: (1e-5, 1e-4), torch.float64: (1e-12, 1e-12), torch.int64: (0.0, 0.0), torch.bool: (0.0, 0.0)}
#: max, min, arg-reductions and logical reductions pick one element: exact.
EXACT = {torch.float32: (0.0, 0.0), torch.float64: (0.0, 0.0), torch.int64: (0.0, 0.0), torch.bool: (0.0, 0.0)}
#: Norms with fractional or negative powers: pow/log round differently in ORT and torch.
NORMS = {torch.float32: (1e-5, 1e-6), torch.float64: (1e-12, 1e-14)}
FLOATS = (torch.float32, torch.float64)
#: Rules for TorchScript only; the dynamo exporter's own lowering is not this table's to test.
TORCHSCRIPT = tuple(e for e in EXPORTS if e[0] == "torchscript")
WITH_INT = (torch.float32, torch.float64, torch.int64)
WITH_INT_AND_BOOL = (torch.float32, torch.float64, torch.int64, torch.bool)
NAN, INF = float("nan"), float("inf")


@functools.cache
def _opinfo(name: str, variant: str):
    return next(i for i in opinfos(name) if i.variant_test_name == variant)


def opinfo_samples(name: str, variant: str = ""):
    """The samples (a function of dtype) of torch's OpInfo ``name`` and ``variant``."""

    def samples(dtype: torch.dtype) -> list[Sample]:
        return [Sample((s.input, *s.args), dict(s.kwargs)) for s in _opinfo(name, variant).sample_inputs("cpu", dtype)]

    return samples


def call(fn, *args, **kwargs):
    """An entry's ``fn`` for samples that carry the function to call first."""
    return fn(*args, **kwargs)


def calling(*sources):
    """Samples of ``call`` from (function, samples) pairs: each sample with its function first."""

    def samples(dtype: torch.dtype) -> list[Sample]:
        return [Sample((fn, *s.args), s.kwargs, s.dims) for fn, of in sources for s in of(dtype)]

    return samples


def masked(name: str):
    """(the function, the samples) of torch's OpInfo ``masked.<name>``, for ``calling``."""
    return _opinfo(f"masked.{name}", "").op, opinfo_samples(f"masked.{name}")


def _values(shape, dtype: torch.dtype) -> torch.Tensor:
    if dtype == torch.bool:
        return torch.randint(0, 2, shape).bool()
    if dtype.is_floating_point:
        return torch.randn(shape, dtype=dtype)
    return torch.randint(-9, 10, shape, dtype=dtype)


def _with_nan(dtype: torch.dtype) -> torch.Tensor:
    """3x4 with a NaN after the first element of row 0, ties in row 1 (-0.0 and 0.0 too), ±inf in row 2."""
    if not dtype.is_floating_point:
        return _values((3, 4), dtype)
    return torch.tensor(
        [[1.0, NAN, 3.0, NAN], [-0.0, 2.0, 0.0, 2.0], [-INF, 5.0, INF, -1.0]],
        dtype=dtype,
    )


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


def extreme_samples(dtype: torch.dtype) -> list[Sample]:
    """NaN after the first element, ties, ±inf (each dim and every dim), then ``dim_samples`` without
    reductions over empty axes (torch refuses them for max/min) and one along a non-empty axis."""
    x = _with_nan(dtype)
    nonempty = [s for s in dim_samples(dtype) if s.args[0].numel() or s.kwargs.get("dim") not in (1, None)]
    return [
        Sample((x,), {"dim": 1}),
        Sample((x,), {"dim": (0, 1), "keepdim": True}),
        Sample((x,), {"dim": 0}),
        *nonempty,
        Sample((_values((2, 0, 3), dtype),), {"dim": 2}),
    ]


def _one_dim(samples):
    """``samples`` without a tuple of dims (aminmax takes one dim)."""
    return lambda dtype: [s for s in samples(dtype) if not isinstance(s.kwargs.get("dim"), tuple)]


def arg_samples(dtype: torch.dtype) -> list[Sample]:
    """NaN after the first element and ties along each dim, flattened (dim None) with keepdim, 0-d."""
    x = _with_nan(dtype)
    return [
        Sample((x, 1)),
        Sample((x,), {"dim": None, "keepdim": True}),
        Sample((x, 0, True)),
        Sample((x[0, 1],), {"dim": 0}),
        Sample((x,)),
    ]


def dim_index_samples(dtype: torch.dtype) -> list[Sample]:
    """max/min with a dim: NaN after the first element, ties, ±inf, 0-d, an empty non-reduced dim."""
    x = _with_nan(dtype)
    return [
        Sample((x, 1)),
        Sample((x, 0, True)),
        Sample((x[1, 1], -1)),
        Sample((_values((2, 0, 3), dtype), 2)),
    ]


def _no_dim(sample: Sample) -> bool:
    return len(sample.args) == 1 and "dim" not in sample.kwargs


def overload(samples, with_dim: bool):
    """``samples`` of the overload with a dim (``with_dim``) or of the one without."""
    return lambda dtype: [s for s in samples(dtype) if _no_dim(s) != with_dim]


def typed_sum_samples(dtype: torch.dtype) -> list[Sample]:
    """``dim_samples`` plus a dtype= argument with and without a dim."""
    x = _values((3, 4), dtype)
    return [
        *dim_samples(dtype),
        Sample((x,), {"dim": 1, "dtype": torch.float64}),
        Sample((x,), {"dtype": torch.float64}),
    ]


def prod_samples(dtype: torch.dtype) -> list[Sample]:
    """0-d with dim 0 and -1, keepdim, an empty input (product 1), a dtype= argument."""
    return [
        Sample((_values((), dtype), 0, True)),
        Sample((_values((3, 4), dtype), -1)),
        Sample((_values((), dtype),)),
        Sample((_values((2, 0, 3), dtype),)),
        Sample((_values((2, 0, 3), dtype), 1)),
        Sample((_values((3, 4), dtype), 0), {"dtype": torch.float64}),
        Sample((_values((3, 4), dtype),), {"dtype": torch.float64}),
    ]


def count_samples(dtype: torch.dtype) -> list[Sample]:
    """0-d, several dims, an empty input."""
    return [
        Sample((_values((), dtype),), {"dim": 0}),
        Sample((_values((3, 4, 5), dtype),), {"dim": (0, -1)}),
        Sample((_values((2, 0, 3), dtype),)),
    ]


def dist_samples(dtype: torch.dtype) -> list[Sample]:
    """0-d inputs, broadcasting, p = 1, 0, inf, -inf and a fractional p; NaN after the first element."""
    return [
        Sample((_values((), dtype), _values((), dtype))),
        Sample((_values((3, 4), dtype), _values((4,), dtype), 1)),
        Sample((_values((3, 4), dtype), _values((3, 4), dtype), 0)),
        Sample((_values((3, 4), dtype), _values((3, 1), dtype), float("inf"))),
        Sample((_values((3, 4), dtype), _values((3, 4), dtype), float("-inf"))),
        Sample((_values((2, 3), dtype), _values((2, 3), dtype), 1.5)),
        Sample((_with_nan(dtype), _values((4,), dtype), INF)),
        Sample((_with_nan(dtype), _values((3, 1), dtype), 0)),
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


def norm_samples(dtype: torch.dtype) -> list[Sample]:
    """NaN after the first element with ord ±inf, 0 and 2, several dims, 0-d with a dim, dtype=, empty."""
    x = _with_nan(dtype)
    return [
        Sample((x,), {"ord": INF, "dim": 1}),
        Sample((x,), {"ord": -INF, "dim": (0, 1), "keepdim": True}),
        Sample((x[0, 0],), {"ord": 0, "dim": 0}),
        Sample((x,), {"ord": 0}),
        Sample((_values((3, 4, 2), dtype),), {"ord": 3.5, "dim": (0, 2)}),
        Sample((_values((3, 4), dtype),), {"dim": -1, "dtype": torch.float64}),
        Sample((_values((2, 0, 3), dtype),), {"ord": 1, "dim": 1}),
    ]


def renorm_samples(dtype: torch.dtype) -> list[Sample]:
    """Sub-tensors above and below maxnorm along each dim, p = 1, 2, inf, a NaN sub-tensor, empty."""
    x = torch.randn(4, 3, 2, dtype=dtype) * torch.tensor([0.1, 1.0, 10.0], dtype=dtype).reshape(1, 3, 1)
    nan = x.clone()
    nan[1, 0, 0] = NAN
    return [
        Sample((x, 2, 1, 1.5)),
        Sample((x, 1, 0, 2.0)),
        Sample((x, INF, -1, 0.5)),
        Sample((nan, 2, 0, 1.0)),
        Sample((x[:, :0], 2, 1, 1.0)),
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


def _typed(sample: Sample) -> bool:
    return "dtype" in sample.kwargs


def _with(*sources):
    return lambda dtype: [s for source in sources for s in source(dtype)]


ENTRIES: tuple[OpEntry, ...] = (
    OpEntry(("aten::all",), EXACT, opinfo="all", samples=dim_samples, fn=torch.all, dtypes=WITH_INT_AND_BOOL),
    OpEntry(
        ("aten::amax",),
        EXACT,
        samples=calling((torch.amax, extreme_samples), (torch.amax, opinfo_samples("amax")), masked("amax")),
        fn=call,
        dtypes=WITH_INT,
    ),
    OpEntry(
        ("aten::amin",),
        EXACT,
        samples=calling((torch.amin, extreme_samples), (torch.amin, opinfo_samples("amin")), masked("amin")),
        fn=call,
        dtypes=WITH_INT,
    ),
    OpEntry(
        ("aten::aminmax",),
        EXACT,
        samples=_with(_one_dim(extreme_samples), opinfo_samples("aminmax")),
        fn=torch.aminmax,
        dtypes=WITH_INT,
    ),
    OpEntry(("aten::any",), EXACT, opinfo="any", samples=dim_samples, fn=torch.any, dtypes=WITH_INT_AND_BOOL),
    OpEntry(
        ("aten::argmax",),
        EXACT,
        samples=calling((torch.argmax, arg_samples), (torch.argmax, opinfo_samples("argmax")), masked("argmax")),
        fn=call,
        dtypes=WITH_INT,
    ),
    OpEntry(
        ("aten::argmin",),
        EXACT,
        samples=calling((torch.argmin, arg_samples), (torch.argmin, opinfo_samples("argmin")), masked("argmin")),
        fn=call,
        dtypes=WITH_INT,
    ),
    OpEntry(
        ("aten::count_nonzero",),
        EXACT,
        opinfo="count_nonzero",
        samples=count_samples,
        fn=torch.count_nonzero,
        dtypes=WITH_INT_AND_BOOL,
    ),
    OpEntry(("aten::dist",), SUMS, opinfo="dist", samples=dist_samples, fn=torch.dist),
    OpEntry(
        ("aten::linalg_vector_norm",),
        NORMS,
        samples=calling(
            (torch.linalg.vector_norm, norm_samples),
            (torch.linalg.vector_norm, opinfo_samples("linalg.vector_norm")),
            masked("norm"),
        ),
        fn=call,
    ),
    OpEntry(
        ("aten::logsumexp",),
        SUMS,
        samples=calling((torch.logsumexp, opinfo_samples("logsumexp")), masked("logsumexp")),
        fn=call,
        exports=TORCHSCRIPT,
    ),
    OpEntry(
        ("aten::max.dim",),
        EXACT,
        samples=_with(dim_index_samples, opinfo_samples("max", "reduction_with_dim")),
        fn=torch.max,
        dtypes=WITH_INT_AND_BOOL,
    ),
    OpEntry(
        ("aten::mean",),
        SUMS,
        samples=overload(_with(opinfo_samples("mean"), float_sample_of(typed_sum_samples)), with_dim=False),
        fn=torch.mean,
        exports=TORCHSCRIPT,
    ),
    OpEntry(
        ("aten::mean.dim",),
        SUMS,
        samples=overload(_with(float_sample_of(typed_sum_samples), opinfo_samples("mean")), with_dim=True),
        fn=torch.mean,
        exports=TORCHSCRIPT,
    ),
    OpEntry(
        ("aten::min.dim",),
        EXACT,
        samples=_with(dim_index_samples, opinfo_samples("min", "reduction_with_dim")),
        fn=torch.min,
        dtypes=WITH_INT_AND_BOOL,
    ),
    OpEntry(("aten::nanmean",), SUMS, opinfo="nanmean", samples=nan_samples, fn=torch.nanmean),
    OpEntry(
        ("aten::nansum",), SUMS, samples=_with(nan_samples, opinfo_samples("nansum")), fn=torch.nansum, dtypes=WITH_INT
    ),
    OpEntry(
        ("aten::prod",),
        SUMS,
        samples=overload(_with(prod_samples, opinfo_samples("prod")), with_dim=False),
        fn=torch.prod,
        dtypes=WITH_INT_AND_BOOL,
        exports=TORCHSCRIPT,
    ),
    OpEntry(
        ("aten::prod.dim_int",),
        SUMS,
        samples=calling(
            (torch.prod, overload(_with(prod_samples, opinfo_samples("prod")), with_dim=True)), masked("prod")
        ),
        fn=call,
        dtypes=WITH_INT_AND_BOOL,
    ),
    OpEntry(("aten::renorm",), NORMS, samples=_with(renorm_samples, opinfo_samples("renorm")), fn=torch.renorm),
    OpEntry(("aten::std",), SUMS, opinfo="std", samples=variance_samples, fn=torch.std),
    # not OpInfo's samples: torch.export fails on its dim=, unbiased= sample in some models (a torch bug)
    OpEntry(("aten::std_mean",), SUMS, samples=variance_samples, fn=torch.std_mean),
    OpEntry(
        ("aten::sum",),
        SUMS,
        samples=overload(_with(typed_sum_samples, opinfo_samples("sum")), with_dim=False),
        fn=torch.sum,
        dtypes=WITH_INT_AND_BOOL,
        exports=TORCHSCRIPT,
    ),
    OpEntry(
        ("aten::sum.dim_IntList",),
        SUMS,
        samples=calling(
            (torch.sum, overload(_with(typed_sum_samples, opinfo_samples("sum")), with_dim=True)),
            masked("sum"),
            masked("mean"),
        ),
        fn=call,
        dtypes=WITH_INT_AND_BOOL,
        exports=TORCHSCRIPT,
    ),
    OpEntry(("aten::trace",), SUMS, opinfo="trace", samples=trace_samples, fn=torch.trace, dtypes=WITH_INT),
    OpEntry(("aten::var",), SUMS, opinfo="var", samples=variance_samples, fn=torch.var),
    OpEntry(("aten::var_mean",), SUMS, opinfo="var_mean", samples=variance_samples, fn=torch.var_mean),
)
