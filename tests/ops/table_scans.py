"""Op-table entries of symreg/ops/scans.py, in name order.

Differences and prefix sums of the same numbers in the same order as torch are exact. cummax, cummin,
cumprod and logcumsumexp run under both lowerings (``LOWERINGS``): the kernels compute as torch's CPU
kernels do (exact), the decomposition over n² pairs reduces in another order (a few ulp for products and
sums) and runs every sample but the longest (3 x 20000: 1.2 G pairs). cumsum runs under both of its
lowerings (``CUMSUM_LOWERINGS``, ``CumSum`` first), both exact: each sums in double as torch does.
"""

from __future__ import annotations

import torch
from op_entry import OpEntry, Sample
from table_shape import ANY, EXACT, values
from table_sorting import FLOATS_INT, GATHER_OPSET_9, INF, LOWERINGS, NAN, long_ties, ties

#: cumsum's lowerings, its default (the standard CumSum) first.
CUMSUM_LOWERINGS = ("decomposition", "custom")
#: Products and sums over prefixes in another order than torch's sequential one (the decomposition): a few ulp.
PRODUCTS = {torch.float32: (1e-6, 0.0), torch.float64: (1e-13, 0.0), torch.int64: (0.0, 0.0)}
SUMS = {torch.float32: (1e-6, 1e-7), torch.float64: (1e-13, 1e-15)}
#: Long enough that the decomposition's pairs (n² per slice) do not fit: the kernels alone run it.
LONG = 20_000
PAIRS_TOO_MANY = "the 'decomposition' lowering would build n² = 400 M pairs per slice: the kernel lowering only"
#: Trapezoid rules: torch's order of operations, ORT's order of summation.
TRAPEZOID = {torch.float32: (1e-5, 1e-5), torch.float64: (1e-12, 1e-12)}


def cumsum_samples(dtype: torch.dtype) -> list[Sample]:
    """0-d (ORT's CumSum refuses rank 0), empty, negative dim, a dtype= argument, NaN/±inf/-0.0 along each dim;
    long dims where a float32 sum drifts from torch's double one (3 x LONG along the last dim, 600 x 3 along the
    first: strided slices), int64 sums that wrap."""
    samples = [
        Sample((values((), dtype), 0)),
        Sample((values((2, 0, 3), dtype), 1)),
        Sample((values((3, 4), dtype), -1)),
        Sample((ties(dtype), 1)),
        Sample((ties(dtype), 0)),
    ]
    if dtype != torch.bool:  # torch has no bool -> float cumsum
        samples.append(Sample((values((3, 4), dtype), 0), {"dtype": torch.float64}))
    g = torch.Generator().manual_seed(8)
    if dtype.is_floating_point:
        long = [
            torch.randn(shape, generator=g, dtype=torch.float64).mul(1e3).to(dtype) for shape in ((600, 3), (3, LONG))
        ]
        samples += [Sample((long[0], 0)), Sample((long[1], -1))]
    elif dtype == torch.int64:
        samples.append(Sample((torch.full((2, 600), 2**55, dtype=dtype), 1)))
    return samples


def _long(sample: Sample) -> bool:
    return any(t.dim() and max(t.shape) >= LONG for t in sample.tensors())


def _overflowing(sample: Sample) -> bool:
    """cumprod's long int64 samples, whose products leave the int64 range."""
    return any(t.dim() and max(t.shape) >= 600 for t in sample.tensors())


def cum_extreme_samples(dtype: torch.dtype) -> list[Sample]:
    """Ties (-0.0 and 0.0 too), NaN and ±inf along each dim, 0-d, an empty dim, bool; long dims with ties
    (3 x 600 and 3 x LONG along the last dim, 600 x 3 along the first: strided slices)."""
    samples = [Sample((ties(dtype), d)) for d in (-1, 0)]
    samples += [Sample((values((), dtype), 0)), Sample((values((2, 0), dtype), 1)), Sample((values((0, 3), dtype), 1))]
    if dtype == torch.int64:
        samples.append(Sample((ties(dtype) > 0, 1)))
    samples += [Sample((long_ties((3, 600), dtype, 1), 1)), Sample((long_ties((600, 3), dtype, 2), 0))]
    return samples + [Sample((long_ties((3, LONG), dtype, 3), -1))]


def cumprod_samples(dtype: torch.dtype) -> list[Sample]:
    """Zeros, NaN and ±inf (0 * inf is NaN), 0-d, empty, bool and a dtype= argument; long dims of factors
    ±0.5, ±1, ±2 (exact products, int64 wrapping)."""
    t = ties(dtype)
    samples = [Sample((t, 1)), Sample((t, 0)), Sample((values((), dtype), 0)), Sample((values((3, 0), dtype), 1))]
    if dtype == torch.int64:
        samples += [Sample((t > 0, 1)), Sample((t, 1), {"dtype": torch.float64})]
    if dtype.is_floating_point:
        samples.append(Sample((values((4, 5), dtype), 1), {"dtype": torch.float64}))
    factors = (-2, -1, 1, 2, 3) if dtype == torch.int64 else (-2, -1, -0.5, 0.5, 1, 2)
    samples += [
        Sample((long_ties((600, 3), dtype, 4, factors), 0)),
        Sample((long_ties((3, 600), dtype, 5, factors), 1)),
    ]
    return samples + [Sample((long_ties((3, LONG), dtype, 6, factors), 1))]


def logcumsumexp_samples(dtype: torch.dtype) -> list[Sample]:
    """-inf prefixes (log 0), +inf, NaN, large values (exp overflows unshifted), 0-d, empty; long dims."""
    x = torch.tensor([[-INF, -INF, 1.0, INF, 2.0, NAN, 1.0], [800.0, -800.0, 799.0, 0.0, -0.0, -INF, 3.0]], dtype=dtype)
    samples = [Sample((x, 1)), Sample((x, 0)), Sample((values((), dtype), 0)), Sample((values((2, 0), dtype), 1))]
    g = torch.Generator().manual_seed(7)
    long = [torch.randn(shape, generator=g, dtype=torch.float64).mul(30).to(dtype) for shape in ((3, 600), (3, LONG))]
    return samples + [Sample((long[0], 1)), Sample((long[0].T, 0)), Sample((long[1], 1))]


def diff_samples(dtype: torch.dtype) -> list[Sample]:
    """What decoder LLMs and Whisper export (int64 positions along the last dim), bool, n > 1,
    prepend/append, an axis shorter than n, empty inputs, prepend of another dtype."""
    return [
        Sample((values((2, 7), dtype),)),
        Sample((values((2, 7), dtype), 1, -1, values((2, 1), dtype))),
        Sample((values((4, 5), dtype), 2, 0, None, values((1, 5), dtype))),
        Sample((values((3, 2), dtype), 4, 1)),
        Sample((values((0, 3), dtype), 1, 0)),
        Sample((values((6,), dtype), 3, 0, values((2,), dtype), values((1,), dtype))),
        Sample((values((5,), dtype), 1, 0, values((1,), torch.float32))),
    ]


def trapezoid_samples(dtype: torch.dtype) -> list[Sample]:
    """1-d sample points along dim 0 of a 2-d y, lower-rank points, a step dx, an empty axis."""
    return [
        Sample((values((4, 3), dtype), values((4,), dtype)), {"dim": 0}),
        Sample((values((2, 4, 3), dtype), values((4, 3), dtype)), {"dim": 1}),
        Sample((values((3, 5), dtype),), {"dx": 0.5}),
        Sample((values((0, 3), dtype),), {"dim": 0}),
        Sample((values((5,), dtype),), {"dx": 2.0, "dim": 0}),
    ]


def _bool_result(sample: Sample) -> bool:
    return sample.kwargs.get("dtype") == torch.bool


def _unused_inputs(sample: Sample) -> bool:
    return sample.args[1:2] == (0,) and len(sample.tensors()) > 1


ENTRIES: tuple[OpEntry, ...] = (
    OpEntry(
        ("aten::cummax",), EXACT, opinfo="cummax", samples=cum_extreme_samples, dtypes=FLOATS_INT, lowerings=LOWERINGS
    )
    .xfail(GATHER_OPSET_9, exporter="torchscript", opset=9, lowering="decomposition")
    .skip(PAIRS_TOO_MANY, lowering="decomposition", sample=_long),
    OpEntry(
        ("aten::cummin",), EXACT, opinfo="cummin", samples=cum_extreme_samples, dtypes=FLOATS_INT, lowerings=LOWERINGS
    )
    .xfail(GATHER_OPSET_9, exporter="torchscript", opset=9, lowering="decomposition")
    .skip(PAIRS_TOO_MANY, lowering="decomposition", sample=_long),
    OpEntry(
        ("aten::cumprod",),
        PRODUCTS,
        opinfo="cumprod",
        samples=cumprod_samples,
        fn=torch.cumprod,
        dtypes=FLOATS_INT,
        lowerings=LOWERINGS,
    )
    .skip(PAIRS_TOO_MANY, lowering="decomposition", sample=_long)
    .xfail(
        "ORT's int64 ReduceProd saturates at the int64 limits where torch's product wraps (the kernel wraps)",
        lowering="decomposition",
        dtype=torch.int64,
        sample=_overflowing,
    ),
    OpEntry(("aten::cumsum",), EXACT, opinfo="cumsum", samples=cumsum_samples, dtypes=ANY, lowerings=CUMSUM_LOWERINGS)
    .xfail(
        "ONNX has no cumulative sum before opset 11 (CumSum)", exporter="torchscript", opset=9, lowering="decomposition"
    )
    .xfail("eager torch has no bool cumsum kernel (OpInfo's dtype=torch.bool sample)", sample=_bool_result),
    OpEntry(
        ("aten::cumulative_trapezoid",),
        TRAPEZOID,
        opinfo="cumulative_trapezoid",
        samples=trapezoid_samples,
        fn=torch.cumulative_trapezoid,
    ).xfail("ONNX has no cumulative sum before opset 11 (CumSum)", exporter="torchscript", opset=9),
    OpEntry(("aten::diff",), EXACT, opinfo="diff", samples=diff_samples, dtypes=ANY).xfail(
        "torch ignores prepend/append when n is 0: the exported model has no such inputs", sample=_unused_inputs
    ),
    OpEntry(
        ("aten::logcumsumexp",), SUMS, opinfo="logcumsumexp", samples=logcumsumexp_samples, lowerings=LOWERINGS
    ).skip(PAIRS_TOO_MANY, lowering="decomposition", sample=_long),
    OpEntry(("aten::trapezoid",), TRAPEZOID, opinfo="trapezoid", samples=trapezoid_samples, fn=torch.trapezoid),
    OpEntry(("aten::trapz",), TRAPEZOID, opinfo="trapz", samples=trapezoid_samples, fn=torch.trapz),
)
