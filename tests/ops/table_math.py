"""Op-table entries of symreg/ops/math.py (elementwise math), in name order."""

from __future__ import annotations

import torch
from op_entry import ELEMENTWISE, FLOATS_AND_INT, OpEntry, Sample, elementwise_extras, grow_dynamic_dims

INF, NAN = float("inf"), float("nan")
#: max(a, b) + log1p(...) cancels where the result is near 0: float32 differs from eager by a few ulp of max(a, b).
LOGADDEXP = {torch.float32: (1e-5, 1e-7), torch.float64: (1e-12, 1e-15)}
FLOATS_INT = (torch.float32, torch.float64, torch.int64)
EXACT = {t: (0.0, 0.0) for t in (torch.float16, torch.float32, torch.float64, torch.int32, torch.int64)}


def elementwise_at_least_one(dtype: torch.dtype) -> list[Sample]:
    """``elementwise_extras`` for acosh's domain [1, inf)."""
    return [Sample((1 + s.args[0].abs(),)) for s in elementwise_extras(dtype)]


def _edges(dtype: torch.dtype) -> torch.Tensor:
    """NaN, ±inf, ±0 and values of both signs around the ranges the lowerings switch at."""
    if not dtype.is_floating_point:
        return torch.tensor([-7, -2, -1, 0, 1, 3, 8], dtype=dtype)
    values = [NAN, INF, -INF, -0.0, 0.0, 1e-7, -1e-7, 0.3, -0.7, 0.5, 2.5, -3.5, 4.5, -6.0, 9.0, 30.0, -30.0]
    return torch.tensor(values, dtype=dtype)


def unary_edges(dtype: torch.dtype) -> list[Sample]:
    """``elementwise_extras`` (0-d, empty, 1x1), then the edge values (NaN, ±inf, ±0, ...)."""
    return [*elementwise_extras(dtype), Sample((_edges(dtype),))]


def _pairs(dtype: torch.dtype) -> tuple[torch.Tensor, torch.Tensor]:
    if not dtype.is_floating_point:
        a, b = [7, -7, 0, 7, -8, 9, 5, -3], [2, 2, 5, -2, -3, 3, 1, -4]
    else:
        a = [0.0, 0.0, 1.0, 2.0, -1.0, 3.0, INF, -INF, NAN, 7.5, -7.5, 0.5, 100.0, -30.0, INF, 3.0]
        b = [NAN, 0.0, 0.0, 3.0, 2.0, -1.0, INF, -INF, 1.0, 2.0, 2.0, -0.3, 100.5, -30.0, -INF, 0.25]
    return torch.tensor(a, dtype=dtype), torch.tensor(b, dtype=dtype)


def binary_edges(dtype: torch.dtype) -> list[Sample]:
    """0-d pairs, an empty pair, a broadcast pair, then edge values element by element."""
    a, b = _pairs(dtype)
    return [
        Sample((a[3], b[3])),
        Sample((a[:0].reshape(2, 0), b[:0])),
        Sample((a[4:8].reshape(2, 2), b[4:6])),
        Sample((a, b)),
    ]


def _grow_nonzero_divisor(sample: Sample) -> Sample:
    """``grow_dynamic_dims`` with integer zeros made 1: integer division by zero raises in eager torch."""
    grown = grow_dynamic_dims(sample)
    return grown.with_tensors(t if t.is_floating_point() else t.masked_fill(t == 0, 1) for t in grown.tensors())


def _addcdiv(dtype: torch.dtype) -> list[Sample]:
    x, y, z = (torch.randn(3, 4, dtype=dtype) for _ in range(3))
    return [
        Sample((x[0, 0], y[0, 0], z[0, 0]), {"value": 0.5}),
        Sample((x[:0], y[:0], z[:0])),
        Sample((x, y, z[:1]), {"value": -2.0}),
    ]


def _arange(dtype: torch.dtype) -> list[Sample]:
    """torch's bug: float bounds with an integer dtype were truncated before counting (one short).

    Bounds given as "n/4" are computed from the input's (dynamic) length n, as a model computes
    them; constant bounds fold to constants in torch's own rule and were always right.
    """
    x = torch.zeros(9, dtype=dtype)
    return [
        Sample((x, None, "n/4", None), {"dtype": dtype}),
        Sample((x, "n/8", "n/2", None), {"dtype": dtype}),
        Sample((x, 0.5, "n/2", 1.5), {"dtype": dtype}),
        Sample((x, None, 4.5, None), {"dtype": dtype}),
        Sample((x, -1.0, 2.0, None), {"dtype": dtype}),
        Sample((x, 3, 10, 2), {"dtype": dtype}),
    ]


def _arange_fn(x, start, end, step, dtype):
    # x[0] * 0: the model's input; "n/k" bounds are computed from its length.
    start, end = ((x.shape[0] / int(v[2:]) if isinstance(v, str) else v) for v in (start, end))
    if start is None:
        y = torch.arange(end, dtype=dtype)
    elif step is None:
        y = torch.arange(start, end, dtype=dtype)
    else:
        y = torch.arange(start, end, step, dtype=dtype)
    return y + x[0] * 0


def _celu(dtype: torch.dtype) -> list[Sample]:
    x = torch.tensor([-1e-6, 1.0, -3.0, -20.0, 0.5, NAN, INF, -INF], dtype=dtype)
    return [Sample((x[1],)), Sample((x,), {"alpha": 0.5})]


def _logspace(dtype: torch.dtype) -> list[Sample]:
    """The tensor overload: 0-d start and end tensors, constant steps and base."""
    t = torch.tensor
    return [
        Sample((t(-1.5), t(3.3), 7, 2.0), {"dtype": dtype}),
        Sample((t(0.0), t(2.0), 5, 10.0), {"dtype": dtype}),
        Sample((t(2.0), t(-2.0), 4, 10.0), {"dtype": dtype}),
        Sample((t(1.5), t(2.0), 1, 10.0), {"dtype": dtype}),
        Sample((t(0.5), t(2.5), 0, 3.0), {"dtype": dtype}),
    ]


def _prelu(dtype: torch.dtype) -> list[Sample]:
    return [
        Sample((torch.randn(2, 3, 4, dtype=dtype), torch.rand(3, dtype=dtype))),
        Sample((torch.randn(3, 5, dtype=dtype), torch.rand(1, dtype=dtype))),
        Sample((torch.randn(5, dtype=dtype), torch.rand(1, dtype=dtype))),
        Sample((torch.randn((), dtype=dtype), torch.rand(1, dtype=dtype))),
    ]


def _scalar_other(dtype: torch.dtype) -> list[Sample]:
    """A tensor and a Python number (the .Scalar overloads)."""
    a, _ = _pairs(dtype)
    return [Sample((a, 2)), Sample((a, -3.0 if dtype.is_floating_point else -3)), Sample((a[:0], 2))]


def _softplus(dtype: torch.dtype) -> list[Sample]:
    x = torch.tensor([-20.0, -17.5, 1.0, 19.0, 21.0, 30.0, -60.0, NAN, INF, -INF], dtype=dtype)
    return [Sample((x[2],)), Sample((x,)), Sample((x,), {"beta": 2.0, "threshold": 5.0})]


def _threshold(dtype: torch.dtype) -> list[Sample]:
    x = _edges(dtype)
    return [Sample((x[3], 0.5, -1.0)), Sample((x, 1.0, -5.0)), Sample((x[:0], 0.0, 2.0))]


def _xlogy_scalar(dtype: torch.dtype) -> list[Sample]:
    a, b = _pairs(dtype)
    return [Sample((a, 2.0)), Sample((3, b))]


ENTRIES: tuple[OpEntry, ...] = (
    OpEntry(("aten::acosh",), ELEMENTWISE, opinfo="acosh", samples=elementwise_at_least_one, dtypes=FLOATS_AND_INT),
    OpEntry(("aten::addcdiv",), ELEMENTWISE, opinfo="addcdiv", samples=_addcdiv),
    OpEntry(("aten::angle",), EXACT, opinfo="angle", samples=unary_edges, dtypes=FLOATS_INT),
    OpEntry(
        ("aten::arange",),
        EXACT,
        samples=_arange,
        fn=_arange_fn,
        dtypes=(torch.int64, torch.int32, torch.float32, torch.float64),
        # Range needs opset 11; the bug is the TorchScript exporter's (torch.export cannot trace n / 4 bounds).
        exports=(("torchscript", 11), ("torchscript", 13), ("torchscript", 17)),
    ),
    OpEntry(("aten::asinh",), ELEMENTWISE, opinfo="asinh", samples=elementwise_extras, dtypes=FLOATS_AND_INT),
    OpEntry(("aten::atanh",), ELEMENTWISE, opinfo="atanh", samples=elementwise_extras, dtypes=FLOATS_AND_INT),
    OpEntry(("aten::celu",), ELEMENTWISE, opinfo="nn.functional.celu", samples=_celu, fn=torch.nn.functional.celu),
    OpEntry(("aten::cosh",), ELEMENTWISE, opinfo="cosh", samples=elementwise_extras, dtypes=FLOATS_AND_INT),
    OpEntry(("aten::deg2rad",), ELEMENTWISE, opinfo="deg2rad", samples=unary_edges, dtypes=FLOATS_AND_INT),
    OpEntry(("aten::erfc", "aten::special_erfc"), ELEMENTWISE, opinfo="erfc", samples=unary_edges, dtypes=FLOATS_AND_INT),
    OpEntry(
        ("aten::erfinv", "aten::special_erfinv"),
        ELEMENTWISE,
        opinfo="erfinv",
        samples=elementwise_extras,
        dtypes=FLOATS_AND_INT,
    ),
    OpEntry(("aten::exp2", "aten::special_exp2"), ELEMENTWISE, opinfo="exp2", samples=unary_edges, dtypes=FLOATS_AND_INT),
    OpEntry(
        ("aten::expm1", "aten::special_expm1"), ELEMENTWISE, opinfo="expm1", samples=unary_edges, dtypes=FLOATS_AND_INT
    ),
    OpEntry(("aten::float_power",), ELEMENTWISE, opinfo="float_power", samples=binary_edges, fn=torch.float_power),
    OpEntry(
        ("aten::floor_divide", "aten::floor_divide.Scalar"),
        EXACT,
        opinfo="floor_divide",
        samples=lambda dtype: [*binary_edges(dtype), *_scalar_other(dtype)],
        fn=torch.floor_divide,
        dtypes=FLOATS_INT,
        grow=_grow_nonzero_divisor,
    ),
    OpEntry(("aten::frac",), ELEMENTWISE, opinfo="frac", samples=elementwise_extras),
    OpEntry(("aten::heaviside",), EXACT, opinfo="heaviside", samples=binary_edges, dtypes=FLOATS_INT),
    OpEntry(("aten::isclose",), EXACT, opinfo="isclose", samples=binary_edges, dtypes=FLOATS_INT),
    OpEntry(("aten::isneginf",), EXACT, opinfo="isneginf", samples=unary_edges, dtypes=FLOATS_AND_INT),
    OpEntry(("aten::isposinf",), EXACT, opinfo="isposinf", samples=unary_edges, dtypes=FLOATS_AND_INT),
    OpEntry(("aten::isreal",), EXACT, opinfo="isreal", samples=unary_edges, dtypes=FLOATS_AND_INT),
    OpEntry(("aten::ldexp", "aten::ldexp.Tensor"), ELEMENTWISE, opinfo="ldexp", samples=binary_edges, fn=torch.ldexp),
    OpEntry(("aten::log10",), ELEMENTWISE, opinfo="log10", samples=unary_edges, dtypes=FLOATS_AND_INT),
    OpEntry(("aten::logaddexp",), LOGADDEXP, opinfo="logaddexp", samples=binary_edges),
    OpEntry(("aten::logaddexp2",), LOGADDEXP, opinfo="logaddexp2", samples=binary_edges),
    OpEntry(("aten::logspace",), ELEMENTWISE, samples=_logspace, fn=torch.logspace, dtypes=FLOATS_INT),
    OpEntry(("aten::nan_to_num",), EXACT, opinfo="nan_to_num", samples=unary_edges, dtypes=FLOATS_AND_INT),
    OpEntry(("aten::positive", "aten::real"), EXACT, opinfo="positive", samples=unary_edges, dtypes=FLOATS_INT),
    OpEntry(("aten::prelu",), ELEMENTWISE, opinfo="nn.functional.prelu", samples=_prelu, fn=torch.nn.functional.prelu),
    OpEntry(("aten::rad2deg",), ELEMENTWISE, opinfo="rad2deg", samples=unary_edges, dtypes=FLOATS_AND_INT),
    OpEntry(("aten::sgn",), EXACT, opinfo="sgn", samples=unary_edges, dtypes=FLOATS_AND_INT),
    OpEntry(("aten::signbit",), EXACT, opinfo="signbit", samples=unary_edges, dtypes=FLOATS_AND_INT),
    OpEntry(("aten::sinc", "aten::special_sinc"), ELEMENTWISE, opinfo="sinc", samples=unary_edges, dtypes=FLOATS_AND_INT),
    OpEntry(("aten::sinh",), ELEMENTWISE, opinfo="sinh", samples=elementwise_extras, dtypes=FLOATS_AND_INT),
    OpEntry(
        ("aten::softplus",),
        ELEMENTWISE,
        opinfo="nn.functional.softplus",
        samples=_softplus,
        fn=torch.nn.functional.softplus,
    ),
    OpEntry(
        ("aten::threshold",),
        EXACT,
        opinfo="nn.functional.threshold",
        samples=_threshold,
        fn=torch.nn.functional.threshold,
        dtypes=FLOATS_INT,
    ),
    OpEntry(("aten::trunc", "aten::fix"), EXACT, opinfo="trunc", samples=unary_edges, dtypes=FLOATS_INT),
    OpEntry(
        ("aten::xlogy",),
        ELEMENTWISE,
        opinfo="xlogy",
        samples=lambda dtype: [*binary_edges(dtype), *_xlogy_scalar(dtype)],
        fn=torch.xlogy,
    ),
)
