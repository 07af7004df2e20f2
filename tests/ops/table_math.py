"""Op-table entries of symreg/ops/math.py (elementwise math), in name order.

``edge_values`` and the tolerances serve tests/ops/table_activations.py too.
"""

from __future__ import annotations

import torch
from op_entry import (
    ELEMENTWISE,
    FLOATS_AND_INT,
    TS_0D_FLOAT64,
    OpEntry,
    Sample,
    elementwise_extras,
    grow_dynamic_dims,
    is_0d,
)
from table_reductions import call, calling, masked, opinfo_samples

INF, NAN = float("inf"), float("nan")
#: max(a, b) + log1p(...) cancels where the result is near 0: float32 differs from eager by a few ulp of max(a, b).
LOGADDEXP = {torch.float32: (1e-5, 1e-7), torch.float64: (1e-12, 1e-15)}
FLOATS_INT = (torch.float32, torch.float64, torch.int64)
#: torch divides by a scalar spacing as a multiplication by its reciprocal: an ulp or so.
GRADIENT = {torch.float32: (1e-6, 1e-7), torch.float64: (1e-13, 1e-15)}
EXACT = {t: (0.0, 0.0) for t in (torch.float16, torch.float32, torch.float64, torch.int32, torch.int64)}


def elementwise_at_least_one(dtype: torch.dtype) -> list[Sample]:
    """``elementwise_extras`` for acosh's domain [1, inf)."""
    return [Sample((1 + s.args[0].abs(),)) for s in elementwise_extras(dtype)]


def edge_values(dtype: torch.dtype) -> torch.Tensor:
    """NaN, ±inf, ±0 and values of both signs around the ranges the lowerings switch at."""
    if not dtype.is_floating_point:
        return torch.tensor([-7, -2, -1, 0, 1, 3, 8], dtype=dtype)
    values = [NAN, INF, -INF, -0.0, 0.0, 1e-7, -1e-7, 0.3, -0.7, 0.5, 2.5, -3.5, 4.5, -6.0, 9.0, 30.0, -30.0]
    return torch.tensor(values, dtype=dtype)


def unary_edges(dtype: torch.dtype) -> list[Sample]:
    """``elementwise_extras`` (0-d, empty, 1x1), then the edge values (NaN, ±inf, ±0, ...)."""
    return [*elementwise_extras(dtype), Sample((edge_values(dtype),))]


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


#: masked.std/var, whose samples divide.Tensor runs: reduced to 0-d, they divide 0-d counts.
_MASKED_STD_VAR = (masked("std")[0], masked("var")[0])


def _divide(dtype: torch.dtype) -> list[Sample]:
    """A float by an int64 tensor (what masked.std/var divide by), int64 by int64, broadcast and 0-d."""
    x = torch.randn(3, 4, dtype=dtype)
    counts = torch.tensor([[3], [0], [7]])
    return [
        Sample((x, counts)),
        Sample((counts, counts.T + 1)),
        Sample((x[0, 0], counts[2, 0])),
        Sample((x[:0], counts[:0])),
    ]


def _gradient(dtype: torch.dtype) -> list[Sample]:
    """The fewest samples per edge order, NaN and ±inf, a negative dim, uneven coordinates."""
    x = torch.tensor([[1.0, NAN, 3.0, 5.0], [INF, 2.0, -1.0, 0.5], [0.0, -0.0, 4.0, 9.0]], dtype=dtype)
    coords = torch.tensor([0.0, 0.5, 2.0, 2.25], dtype=dtype)
    return [
        Sample((x[:2],), {"dim": 0}),
        Sample((x,), {"spacing": 0.5, "dim": -1, "edge_order": 2}),
        Sample((x,), {"spacing": [coords], "dim": 1, "edge_order": 2}),
        Sample((x[:, :3],), {"spacing": [coords[:3], coords[1:]], "dim": (1, 0), "edge_order": 1}),
    ]


def _python_spacings(sample: Sample) -> bool:
    """spacing=[2.0, 2.1]: a list of Python numbers, which the TorchScript tracer cannot record."""
    spacing = sample.kwargs.get("spacing")
    return isinstance(spacing, (list, tuple)) and not isinstance(spacing[0], torch.Tensor)


def _with(*sources):
    return lambda dtype: [s for source in sources for s in source(dtype)]


def _scalar_other(dtype: torch.dtype) -> list[Sample]:
    """A tensor and a Python number (the .Scalar overloads)."""
    a, _ = _pairs(dtype)
    return [Sample((a, 2)), Sample((a, -3.0 if dtype.is_floating_point else -3)), Sample((a[:0], 2))]


def _xlogy_scalar(dtype: torch.dtype) -> list[Sample]:
    a, b = _pairs(dtype)
    return [Sample((a, 2.0)), Sample((3, b))]


ENTRIES: tuple[OpEntry, ...] = (
    OpEntry(("aten::acosh",), ELEMENTWISE, opinfo="acosh", samples=elementwise_at_least_one, dtypes=FLOATS_AND_INT),
    OpEntry(("aten::addcdiv",), ELEMENTWISE, opinfo="addcdiv", samples=_addcdiv),
    OpEntry(("aten::angle",), EXACT, opinfo="angle", samples=unary_edges, dtypes=FLOATS_INT),
    OpEntry(("aten::asinh",), ELEMENTWISE, opinfo="asinh", samples=elementwise_extras, dtypes=FLOATS_AND_INT),
    OpEntry(("aten::atanh",), ELEMENTWISE, opinfo="atanh", samples=elementwise_extras, dtypes=FLOATS_AND_INT),
    OpEntry(("aten::cosh",), ELEMENTWISE, opinfo="cosh", samples=elementwise_extras, dtypes=FLOATS_AND_INT),
    OpEntry(("aten::deg2rad",), ELEMENTWISE, opinfo="deg2rad", samples=unary_edges, dtypes=FLOATS_AND_INT),
    OpEntry(
        ("aten::divide.Tensor",),
        ELEMENTWISE,
        samples=calling((torch.divide, _divide), (torch.divide, binary_edges), masked("std"), masked("var")),
        fn=call,
    ).xfail(  # divide traces to aten::div, torch's rule; masked.std/var over all dims divide 0-d values
        TS_0D_FLOAT64,
        exporter="torchscript",
        dtype=torch.float64,
        sample=lambda s: is_0d(s) or (s.args[0] in _MASKED_STD_VAR and call(*s.args, **s.kwargs).dim() == 0),
    ),
    OpEntry(
        ("aten::erfc", "aten::special_erfc"), ELEMENTWISE, opinfo="erfc", samples=unary_edges, dtypes=FLOATS_AND_INT
    ),
    OpEntry(
        ("aten::erfinv", "aten::special_erfinv"),
        ELEMENTWISE,
        opinfo="erfinv",
        samples=elementwise_extras,
        dtypes=FLOATS_AND_INT,
    ),
    OpEntry(
        ("aten::exp2", "aten::special_exp2"), ELEMENTWISE, opinfo="exp2", samples=unary_edges, dtypes=FLOATS_AND_INT
    ),
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
    OpEntry(
        ("aten::gradient",), GRADIENT, samples=_with(_gradient, opinfo_samples("gradient")), fn=torch.gradient
    ).xfail(
        "torch.jit's tracer cannot record a list of Python numbers (spacing=[2.0, 2.1]): it fails before any rule runs",
        exporter="torchscript",
        sample=_python_spacings,
    ),
    OpEntry(("aten::heaviside",), EXACT, opinfo="heaviside", samples=binary_edges, dtypes=FLOATS_INT),
    OpEntry(("aten::isclose",), EXACT, opinfo="isclose", samples=binary_edges, dtypes=FLOATS_INT),
    OpEntry(("aten::isneginf",), EXACT, opinfo="isneginf", samples=unary_edges, dtypes=FLOATS_AND_INT),
    OpEntry(("aten::isposinf",), EXACT, opinfo="isposinf", samples=unary_edges, dtypes=FLOATS_AND_INT),
    OpEntry(("aten::isreal",), EXACT, opinfo="isreal", samples=unary_edges, dtypes=FLOATS_AND_INT),
    OpEntry(("aten::ldexp", "aten::ldexp.Tensor"), ELEMENTWISE, opinfo="ldexp", samples=binary_edges, fn=torch.ldexp),
    OpEntry(("aten::log10",), ELEMENTWISE, opinfo="log10", samples=unary_edges, dtypes=FLOATS_AND_INT),
    OpEntry(
        ("aten::logaddexp",),
        LOGADDEXP,
        samples=calling(
            (torch.logaddexp, opinfo_samples("logaddexp")), (torch.logaddexp, binary_edges), masked("logaddexp")
        ),
        fn=call,
    ),
    OpEntry(("aten::logaddexp2",), LOGADDEXP, opinfo="logaddexp2", samples=binary_edges),
    OpEntry(("aten::nan_to_num",), EXACT, opinfo="nan_to_num", samples=unary_edges, dtypes=FLOATS_AND_INT),
    OpEntry(("aten::positive", "aten::real"), EXACT, opinfo="positive", samples=unary_edges, dtypes=FLOATS_INT),
    OpEntry(("aten::rad2deg",), ELEMENTWISE, opinfo="rad2deg", samples=unary_edges, dtypes=FLOATS_AND_INT),
    OpEntry(("aten::sgn",), EXACT, opinfo="sgn", samples=unary_edges, dtypes=FLOATS_AND_INT),
    OpEntry(("aten::signbit",), EXACT, opinfo="signbit", samples=unary_edges, dtypes=FLOATS_AND_INT),
    OpEntry(
        ("aten::sinc", "aten::special_sinc"), ELEMENTWISE, opinfo="sinc", samples=unary_edges, dtypes=FLOATS_AND_INT
    ),
    OpEntry(("aten::sinh",), ELEMENTWISE, opinfo="sinh", samples=elementwise_extras, dtypes=FLOATS_AND_INT),
    OpEntry(("aten::trunc", "aten::fix"), EXACT, opinfo="trunc", samples=unary_edges, dtypes=FLOATS_INT),
    OpEntry(
        ("aten::xlogy",),
        ELEMENTWISE,
        opinfo="xlogy",
        samples=lambda dtype: [*binary_edges(dtype), *_xlogy_scalar(dtype)],
        fn=torch.xlogy,
    ),
)
