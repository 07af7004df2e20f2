"""Elementwise math ops: hyperbolic and error functions, exp/log variants, rounding, tests, activations.

The TorchScript exporter of torch 2.14 has no rule for ``aten::sinh``, ``cosh``,
``asinh``, ``acosh``, ``atanh``, ``erfinv``, ``frac``, ``erfc``, ``expm1``, ``exp2``,
``trunc``, ``sinc``, ``xlogy``, ``logaddexp``, ``isclose``, ``logspace`` and others at any
opset; the dynamo exporter has none for ``erfinv``. Most rules here are TorchScript only:
the dynamo exporter's own lowerings of those ops work. ``addcdiv``, ``angle``, ``celu``,
``deg2rad``, ``rad2deg``, ``erfc``, ``expm1``, ``log10``, ``signbit``, ``sinc``, ``softplus``
and ``trunc`` serve dynamo too: torchlib's lowerings of them compute float64 with float32
constants, reject integer inputs, or lose accuracy (erfc as 1 - erf, expm1 as exp - 1). Some replace torch's TorchScript
rules that were wrong (``floor_divide``, ``log10``, ``nan_to_num``, ``softplus``, ``prelu``,
``arange``); each rule's docstring says what was wrong. Shared pieces (promotion, 0-d
handling, opset-9 comparisons, expm1/log1p) are in :mod:`symreg.ops._math_elementwise`,
erfc's approximation in :mod:`symreg.ops._math_erfc`. ONNX has the five hyperbolic ops since opset 9, but
ONNX Runtime's CPU provider lacks float64 kernels for them, so float64 inputs get an
exact composition of standard ops instead (:mod:`symreg.ops._hyperbolic_f64`).
ONNX has no erfinv: it becomes ``symreg::Erfinv``, run by symreg's C++ kernel.
Rules are in alphabetical order of their op.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Optional

import numpy as np
import torch

from symreg import dtypes
from symreg._torch_compat import constant_value, is_graph_value
from symreg.builder import Builder
from symreg.ops import _hyperbolic_f64, _math_erfc
from symreg.ops._helpers import cast, cast_back, promote_to_float
from symreg.ops._math_elementwise import (
    c,
    eq,
    expm1,
    float_dtype,
    is_neginf,
    is_posinf,
    log1p,
    rank1,
    result_dtype,
    to,
)
from symreg.registry import op
from symreg.schemas import same_as_input, schema


def _float_unary(fn: Callable) -> Callable:
    """A rule computing ``fn(g, x)`` in float32/float64 as torch promotes a unary float op."""

    def rule(g: Builder, x):
        # Rank read before the Cast: the dynamo exporter knows neither the rank of a Cast's
        # output nor the dtype of a Reshape's.
        zero_d = g.rank(x) == 0
        x, back = promote_to_float(g, x)
        if not zero_d:
            return cast_back(g, fn(g, x), back)
        y = fn(g, g.op("Reshape", x, g.constant([1])))
        return cast_back(g, g.op("Reshape", y, g.constant(np.zeros(0, dtype=np.int64))), back)

    return rule


def _binary_float(g: Builder, fn: Callable, a, b):
    """``fn(g, a, b)`` on both inputs cast to their float result dtype (float16 computed in float32)."""
    dtype = float_dtype(result_dtype(g, a, b))
    compute = torch.float32 if dtype in (torch.float16, torch.bfloat16) else dtype
    y = rank1(g, fn, to(g, a, compute), to(g, b, compute))
    return to(g, y, dtype)


def _hyperbolic(onnx_op: str, float64: Callable) -> Callable:
    def rule(g: Builder, x):
        x, back = promote_to_float(g, x)
        if g.dtype(x) == torch.float64:
            return _float64(g, x, float64)
        return cast_back(g, g.op(onnx_op, x), back)

    rule.__doc__ = f"``{onnx_op}``; float64 via an exact composition of standard ops."
    return rule


def _float64(g: Builder, x, lowering: Callable):
    if g.rank(x) != 0:
        return lowering(g, x)
    # The TorchScript exporter's scalar type analysis computes arithmetic on 0-d float64
    # values in float32 (torch's own x * x does the same); a rank-1 view keeps float64.
    y = lowering(g, g.op("Reshape", x, g.constant([1])))
    return g.op("Reshape", y, g.constant(np.zeros(0, dtype=np.int64)))


aten_acosh = op("aten::acosh", opset=9)(_hyperbolic("Acosh", _hyperbolic_f64.acosh))

@op("aten::addcdiv", opset=9)
def aten_addcdiv(g: Builder, x, tensor1, tensor2, value: float = 1.0):
    """x + value * tensor1 / tensor2 in the three inputs' result dtype (torch's order of operations)."""
    dtype = result_dtype(g, x, tensor1, tensor2)

    def fn(g, x, t1, t2):
        return g.op("Add", x, g.op("Div", g.op("Mul", t1, c(g, value, t1)), t2))

    return rank1(g, fn, to(g, x, dtype), to(g, tensor1, dtype), to(g, tensor2, dtype))


def _angle(g: Builder, x):
    pi = g.op("Where", g.op("Less", x, c(g, 0.0, x)), c(g, np.pi, x), c(g, 0.0, x))
    return g.op("Where", g.op("IsNaN", x), x, pi)


aten_angle = op("aten::angle", opset=9)(_float_unary(_angle))
aten_angle.__doc__ = "angle of a real number: pi where x < 0, else 0; NaN stays NaN. Integers give float32."

_ABSENT = object()
# c10::ScalarType numbering, which TorchScript graphs use for dtype arguments.
_SCALAR_TYPES = dict(
    enumerate(
        [torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64, torch.float16, torch.float32, torch.float64]
    )
)
_SCALAR_TYPES.update({11: torch.bool, 15: torch.bfloat16})


@op("aten::arange", opset=11, exporters=("torchscript",))
def aten_arange(g: Builder, a0, a1, a2, a3, a4, a5=_ABSENT, a6=_ABSENT):
    """``Range`` (opset 11) with torch's length ceil((end - start) / step); see :func:`_arange`.

    One rule for the three overloads: traced nodes carry no overload name, so the argument
    count tells them apart: (end, dtype, layout, device, pin_memory), (start, end, dtype,
    ...) and (start, end, step, dtype, ...).
    """
    if a5 is _ABSENT:
        start, end, step, dtype = None, a0, None, a1
    elif a6 is _ABSENT:
        start, end, step, dtype = a0, a1, None, a2
    else:
        start, end, step, dtype = a0, a1, a2, a3
    if dtype is not None and is_graph_value(dtype):
        dtype = constant_value(dtype)
    return _arange(g, start, end, step, dtype)


def _arange(g: Builder, start, end, step, dtype: int | None):
    """start + i * step for i < ceil((end - start) / step), the length computed in float64 as torch does.

    torch's own rule casts float bounds to an integer ``dtype`` before counting, so
    ``arange(0.0, 4.5, dtype=int64)`` came out one element short. As in eager torch, an integer
    dtype truncates start and step to integers before computing the values; float dtypes
    compute them in float64 and round once.
    """
    bounds = [v for v in (start, end, step) if v is not None]
    if dtype is not None:
        out = _SCALAR_TYPES[dtype]
    elif any((g.dtype(v) or torch.float32).is_floating_point for v in bounds):
        out = torch.get_default_dtype()
    else:
        out = torch.int64
    f64 = [to(g, g.op("Reshape", v, g.constant(np.zeros(0, dtype=np.int64))), torch.float64) for v in bounds]
    start64 = f64[0] if start is not None else g.constant(np.float64(0.0))
    end64 = f64[1] if start is not None else f64[0]
    step64 = f64[2] if step is not None else g.constant(np.float64(1.0))
    count = g.op("Ceil", g.op("Div", g.op("Sub", end64, start64), step64))
    count = g.op("Max", count, g.constant(np.float64(0.0)))
    index = g.op("Range", g.constant(np.int64(0)), cast(g, count, torch.int64), g.constant(np.int64(1)))
    compute = torch.int64 if not out.is_floating_point and out != torch.bool else torch.float64
    first, delta = to(g, start64, compute), to(g, step64, compute)
    values = g.op("Add", first, g.op("Mul", to(g, index, compute), delta))
    return to(g, values, out)

aten_asinh = op("aten::asinh", opset=9)(_hyperbolic("Asinh", _hyperbolic_f64.asinh))
aten_atanh = op("aten::atanh", opset=9)(_hyperbolic("Atanh", _hyperbolic_f64.atanh))

@op("aten::celu", opset=9)
def aten_celu(g: Builder, x, alpha: float = 1.0):
    """x where x > 0, else alpha * expm1(x / alpha), with an accurate expm1.

    ONNX has ``Celu`` from opset 12 but only for float32, so one composition serves every
    opset and float64 too.
    """
    x, back = promote_to_float(g, x)

    def fn(g, x):
        negative = g.op("Mul", expm1(g, g.op("Mul", x, c(g, 1.0 / alpha, x))), c(g, alpha, x))
        return g.op("Where", g.op("Greater", x, c(g, 0.0, x)), x, negative)

    return cast_back(g, rank1(g, fn, x), back)

aten_cosh = op("aten::cosh", opset=9)(_hyperbolic("Cosh", _hyperbolic_f64.cosh))

def _scale(factor: float) -> Callable:
    return _float_unary(lambda g, x: g.op("Mul", x, c(g, factor, x)))


aten_deg2rad = op("aten::deg2rad", opset=9)(_scale(np.pi / 180.0))
aten_deg2rad.__doc__ = "x * (pi / 180) in x's float type (integers give float32)."

@op(("aten::erfc", "aten::special_erfc"), opset=9)
def aten_erfc(g: Builder, x):
    """W. J. Cody's rational approximations of erfc (ONNX's ``Erf`` loses erfc's relative
    accuracy for x > 0 and has no float64 kernel in ORT); see :mod:`symreg.ops._math_erfc`."""
    return _float_unary(_math_erfc.erfc)(g, x)


ERFINV = schema(
    "symreg::Erfinv",
    inputs=["X: T"],
    outputs=["Y: T"],
    types={"T": ["float", "double"]},
    infer=same_as_input(0),
    doc="Inverse error function, elementwise: Y = erfinv(X); ±inf at ±1, NaN outside [-1, 1].",
)


@op(("aten::erfinv", "aten::special_erfinv"), opset=9)
def aten_erfinv(g: Builder, x):
    """``symreg::Erfinv`` (ONNX has no erfinv), run by symreg's C++ kernel."""
    x, back = promote_to_float(g, x)
    return cast_back(g, g.op("symreg::Erfinv", x), back)


aten_exp2 = op(("aten::exp2", "aten::special_exp2"), opset=9, exporters=("torchscript",))(
    _float_unary(lambda g, x: g.op("Pow", c(g, 2.0, x), x))
)
aten_exp2.__doc__ = "Pow(2, x) in x's float type (integers give float32)."

aten_expm1 = op(("aten::expm1", "aten::special_expm1"), opset=9)(_float_unary(expm1))
aten_expm1.__doc__ = "exp(x) - 1 accurate near 0 (Kahan's (u - 1) * x / log(u), u = exp(x)); ONNX has no Expm1."

@op("aten::float_power", opset=9, exporters=("torchscript",))
def aten_float_power(g: Builder, x, exponent):
    """Pow of both inputs cast to float64, as torch computes float_power (every overload)."""
    return rank1(g, lambda g, a, b: g.op("Pow", a, b), to(g, x, torch.float64), to(g, exponent, torch.float64))


@op(("aten::floor_divide", "aten::floor_divide.Scalar"), opset=9, exporters=("torchscript",))
def aten_floor_divide(g: Builder, x, other):
    """Floor division in the result dtype, rounding as torch does (overrides torch's rule).

    torch's rule returned Div(x, other) for floats with a float input and truncated
    integer quotients toward zero (-7 // 2 gave -3); torch floors (-4). Integers: the
    truncated quotient, one less where the remainder is nonzero and its sign differs from the
    divisor's. Floats: torch's ``div_floor_floating``: (x - fmod(x, y)) / y, corrected by one,
    then floored and rounded to the nearest integer quotient; fmod is ``Mod(fmod=1)`` from
    opset 10 and x - y * trunc(x / y) at opset 9 (no ``Mod``; it can differ in the last bit).
    Division by zero gives x / y as in torch.
    """
    dtype = result_dtype(g, x, other)
    x, other = to(g, x, dtype), to(g, other, dtype)
    if dtype is not None and not dtype.is_floating_point:
        return rank1(g, _floor_divide_int, x, other)
    compute = torch.float32 if dtype in (torch.float16, torch.bfloat16) else dtype
    return to(g, rank1(g, _floor_divide_float, to(g, x, compute), to(g, other, compute)), dtype)


def _floor_divide_int(g: Builder, a, b):
    zero = g.op("Sub", b, b)
    q = g.op("Div", a, b)
    r = g.op("Sub", a, g.op("Mul", q, b))
    signs_differ = g.op("Xor", g.op("Less", r, zero), g.op("Less", b, zero))
    adjust = g.op("And", g.op("Not", g.op("Equal", r, zero)), signs_differ)
    one = g.constant(np.ones(1, dtype=dtypes.numpy_dtype(g.dtype(a) or torch.int64)))
    return g.op("Where", adjust, g.op("Sub", q, one), q)


def _floor_divide_float(g: Builder, a, b):
    quotient = g.op("Div", a, b)
    zero = c(g, 0.0, a)
    if g.opset >= 10:
        mod = g.op("Mod", a, b, fmod=1)
    else:
        mod = g.op("Sub", a, g.op("Mul", b, _trunc(g, quotient)))
        mod = g.op("Where", g.op("Or", is_posinf(g, b), is_neginf(g, b)), a, mod)  # fmod(a, ±inf) = a
    div = g.op("Div", g.op("Sub", a, mod), b)
    wrong_sign = g.op("Xor", g.op("Less", b, zero), g.op("Less", mod, zero))
    fix = g.op("And", g.op("Not", eq(g, mod, zero)), wrong_sign)
    div = g.op("Where", fix, g.op("Sub", div, c(g, 1.0, a)), div)
    floor = g.op("Floor", div)
    round_up = g.op("Greater", g.op("Sub", div, floor), c(g, 0.5, a))
    floor = g.op("Where", round_up, g.op("Add", floor, c(g, 1.0, a)), floor)
    return g.op("Where", eq(g, b, zero), quotient, floor)


@op("aten::frac", opset=9, exporters=("torchscript",))
def aten_frac(g: Builder, x):
    """x - trunc(x), with trunc(x) = Sign(x) * Floor(|x|) (ONNX has no Trunc).

    Exact: trunc(x) is exact in any float type and so is x - trunc(x), so results equal
    torch's bit for bit (frac(±inf) is NaN, as in torch). TorchScript only: the dynamo
    exporter's own frac lowering already works.
    """
    x, back = promote_to_float(g, x)
    if g.dtype(x) == torch.float64:
        return _float64(g, x, _frac)
    return cast_back(g, _frac(g, x), back)


def _frac(g: Builder, x):
    trunc = g.op("Mul", g.op("Sign", x), g.op("Floor", g.op("Abs", x)))
    return g.op("Sub", x, trunc)


@op("aten::heaviside", opset=9, exporters=("torchscript",))
def aten_heaviside(g: Builder, x, values):
    """values where x == 0, 1 where x > 0, else 0 (NaN gives 0, as in torch)."""
    dtype = result_dtype(g, x, values)
    x, values = to(g, x, dtype), to(g, values, dtype)

    def fn(g, x, values):
        zero = g.op("Sub", values, values) if not (dtype or torch.float32).is_floating_point else c(g, 0.0, values)
        if dtype == torch.bool:
            return g.op("Where", g.op("Not", x), values, x)
        step = to(g, g.op("Greater", x, zero), dtype)
        is_zero = g.op("Equal", x, zero) if not dtype.is_floating_point else eq(g, x, zero)
        return g.op("Where", is_zero, values, step)

    return rank1(g, fn, x, values)


@op("aten::isclose", opset=9, exporters=("torchscript",))
def aten_isclose(g: Builder, x, other, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False):
    """torch's definition: x == other, or |x - other| finite and <= atol + |rtol * other|;
    NaNs equal with ``equal_nan``. Integer differences are compared in float32."""
    dtype = result_dtype(g, x, other)

    def fn(g, a, b):
        if dtype.is_floating_point:
            close = eq(g, a, b)
            if equal_nan:
                close = g.op("Or", close, g.op("And", g.op("IsNaN", a), g.op("IsNaN", b)))
        else:
            close = g.op("Equal", a, b)
        if rtol == 0 and atol == 0:
            return close
        fdtype = float_dtype(dtype)
        actual = to(g, g.op("Abs", g.op("Sub", a, b)), fdtype)
        bf = to(g, b, fdtype)
        allowed = g.op("Add", c(g, atol, bf), g.op("Abs", g.op("Mul", c(g, rtol, bf), bf)))
        finite = g.op("Not", g.op("Or", g.op("IsNaN", actual), is_posinf(g, actual)))
        within = g.op("And", finite, g.op("Not", g.op("Greater", actual, allowed)))
        return g.op("Or", close, within)

    return rank1(g, fn, to(g, x, dtype), to(g, other, dtype))


def _never(g: Builder, x, test: Callable):
    if (g.dtype(x) or torch.float32).is_floating_point:
        return rank1(g, test, x)
    if g.dtype(x) == torch.bool:
        return g.op("And", x, g.op("Not", x))
    return g.op("Not", g.op("Equal", x, x))


@op("aten::isneginf", opset=9, exporters=("torchscript",))
def aten_isneginf(g: Builder, x):
    """x < -finfo.max (opset 9 has no IsInf); integers and bool are never infinite."""
    return _never(g, x, is_neginf)


@op("aten::isposinf", opset=9, exporters=("torchscript",))
def aten_isposinf(g: Builder, x):
    """x > finfo.max (opset 9 has no IsInf); integers and bool are never infinite."""
    return _never(g, x, is_posinf)


@op("aten::isreal", opset=9, exporters=("torchscript",))
def aten_isreal(g: Builder, x):
    """All true: a real tensor has no imaginary part (ORT holds no complex tensors)."""
    return g.op("Not", _never(g, x, lambda g, x: g.op("And", g.op("IsNaN", x), g.op("Not", g.op("IsNaN", x)))))

@op(("aten::ldexp", "aten::ldexp.Tensor"), opset=9, exporters=("torchscript",))
def aten_ldexp(g: Builder, x, other):
    """x * 2 ** other in the inputs' float result dtype (torch: mul(x, pow(2.0, other)))."""
    return _binary_float(g, lambda g, a, b: g.op("Mul", a, g.op("Pow", c(g, 2.0, b), b)), x, other)

aten_log10 = op("aten::log10", opset=9)(
    _float_unary(lambda g, x: g.op("Div", g.op("Log", x), c(g, np.log(10.0), x)))
)
aten_log10.__doc__ = """Log(x) / ln 10 (overrides torch's rule).

torch's rule divides by a 1-element 1-d constant, so a 0-d input gave a (1,) result; here
0-d inputs are computed on a rank-1 view and reshaped back. Integers give float32.
"""


def _logaddexp(log_base: float | None):
    def fn(g: Builder, a, b):
        # max(a, b) + log1p(exp(-|a - b|)); equal infinities return a (their difference is NaN).
        m = g.op("Max", a, b)
        d = g.op("Neg", g.op("Abs", g.op("Sub", a, b)))
        if log_base is None:
            tail = log1p(g, g.op("Exp", d))
        else:
            tail = g.op("Div", log1p(g, g.op("Pow", c(g, 2.0, d), d)), c(g, log_base, d))
        y = g.op("Add", m, tail)
        same_inf = g.op("And", eq(g, a, b), g.op("Or", is_posinf(g, a), is_neginf(g, a)))
        y = g.op("Where", same_inf, a, y)
        return g.op("Where", g.op("Or", g.op("IsNaN", a), g.op("IsNaN", b)), g.op("Add", a, b), y)

    return fn


@op("aten::logaddexp", opset=9, exporters=("torchscript",))
def aten_logaddexp(g: Builder, x, other):
    """log(exp(x) + exp(other)) = max + log1p(exp(-|x - other|)), no overflow, accurate log1p."""
    return _binary_float(g, _logaddexp(None), x, other)


@op("aten::logaddexp2", opset=9, exporters=("torchscript",))
def aten_logaddexp2(g: Builder, x, other):
    """log2(2^x + 2^other) = max + log1p(2^-|x - other|) / ln 2, no overflow."""
    return _binary_float(g, _logaddexp(np.log(2.0)), x, other)

@op("aten::logspace", opset=9, exporters=("torchscript",))
def aten_logspace(
    g: Builder, start, end, steps: int, base: float = 10.0, dtype=None, layout=None, device=None, pin_memory=None
):
    """base ** exponent, the exponents computed as torch's CPU kernel does (every overload).

    start and end are first rounded to the output dtype, end - start computed in it; the exponents in float64,
    from start for the first half and back from end for the second (start + step * i, then
    end - step * (steps - 1 - i)), with step = (end - start) / (steps - 1); Pow in float64,
    then one cast to the output dtype. ``steps`` is a constant, so the index vector is too.
    """
    dtype = constant_value(dtype) if dtype is not None and is_graph_value(dtype) else dtype
    out = _SCALAR_TYPES[dtype] if dtype is not None else torch.get_default_dtype()
    # Rank-1 views: TorchScript computes arithmetic on 0-d float64 values in float32.
    raw_start = g.op("Reshape", start, g.constant([1]))
    start, end = (to(g, g.op("Reshape", v, g.constant([1])), out) for v in (start, end))
    if steps == 1:
        exponents = to(g, raw_start, torch.float64)  # torch: pow(base, start) from the unrounded start
    else:
        start64, end64 = (to(g, v, torch.float64) for v in (start, end))
        index = np.arange(steps, dtype=np.float64)
        span = to(g, g.op("Sub", end, start), torch.float64)  # end - start in the output dtype, as torch
        step = g.op("Div", span, g.constant(np.array([steps - 1], dtype=np.float64)))
        head = g.op("Add", start64, g.op("Mul", step, g.constant(index[: steps // 2])))
        tail = g.op("Sub", end64, g.op("Mul", step, g.constant(steps - 1 - index[steps // 2 :])))
        exponents = g.op("Concat", head, tail, axis=0)
    y = g.op("Pow", g.constant(np.array([base], dtype=np.float64)), exponents)
    return to(g, y, out)


@op("aten::nan_to_num", opset=9, exporters=("torchscript",))
def aten_nan_to_num(
    g: Builder, x, nan: Optional[float] = None, posinf: Optional[float] = None, neginf: Optional[float] = None
):
    """Where-replacement of NaN, +inf and -inf (overrides torch's rule).

    torch's rule gave a 0-d input a (1,) result; here 0-d is computed on a rank-1 view.
    Infinities are found as |x| > finfo.max, which works at opset 9 (no IsInf). The defaults
    are the input dtype's largest finite values; integers and bool pass through.
    """
    dtype = g.dtype(x)
    if dtype is not None and not dtype.is_floating_point:
        return g.op("Identity", x)
    info = torch.finfo(dtype or torch.float32)
    x, back = promote_to_float(g, x)

    def fn(g, x):
        y = g.op("Where", g.op("IsNaN", x), c(g, 0.0 if nan is None else nan, x), x)
        y = g.op("Where", is_posinf(g, x), c(g, info.max if posinf is None else posinf, x), y)
        return g.op("Where", is_neginf(g, x), c(g, -info.max if neginf is None else neginf, x), y)

    return cast_back(g, rank1(g, fn, x), back)


@op(("aten::positive", "aten::real"), opset=9, exporters=("torchscript",))
def aten_positive(g: Builder, x):
    """Identity: +x of a real tensor, and its real part."""
    return g.op("Identity", x)


@op("aten::prelu", opset=9, exporters=("torchscript",))
def aten_prelu(g: Builder, x, weight):
    """x where x > 0, else weight * x, weight along dim 1 (dim 0 of a 1-d x) (overrides torch's rule).

    torch's rule unsqueezes the weight to the input's rank with axes that ORT rejects when
    the weight is 0-d (OpInfo's samples). Here the weight is reshaped to [C, 1, ...] (rank - 1
    dims) for inputs of rank >= 2, used as is for 1-d inputs and flattened for 0-d ones.
    """
    rank = g.rank(x)
    if rank is not None and rank >= 2:
        weight = g.op("Reshape", weight, g.constant([-1] + [1] * (rank - 2)))
    elif rank == 0:
        weight = g.op("Reshape", weight, g.constant([-1]))

    def fn(g, x, w):
        zero = c(g, 0.0, x)
        return g.op("Where", g.op("Greater", x, zero), x, g.op("Mul", x, w))

    if rank == 0:
        y = fn(g, g.op("Reshape", x, g.constant([1])), weight)
        return g.op("Reshape", y, g.constant(np.zeros(0, dtype=np.int64)))
    return fn(g, x, weight)


aten_rad2deg = op("aten::rad2deg", opset=9)(_scale(180.0 / np.pi))
aten_rad2deg.__doc__ = "x * (180 / pi) in x's float type (integers give float32)."

@op("aten::sgn", opset=9, exporters=("torchscript",))
def aten_sgn(g: Builder, x):
    """Sign, with torch's 0 for NaN (ONNX's Sign gives NaN); bool passes through."""
    dtype = g.dtype(x)
    if dtype == torch.bool:
        return g.op("Identity", x)
    if dtype is not None and not dtype.is_floating_point:
        return g.op("Sign", x)
    x, back = promote_to_float(g, x)
    fn = lambda g, x: g.op("Where", g.op("IsNaN", x), c(g, 0.0, x), g.op("Sign", x))  # noqa: E731
    return cast_back(g, rank1(g, fn, x), back)


@op("aten::signbit", opset=9)
def aten_signbit(g: Builder, x):
    """x < 0, or 1 / x < 0 for -0.0 (ONNX has no bit access; a NaN's sign bit reads as clear)."""
    dtype = g.dtype(x)
    if dtype == torch.bool:
        return g.op("And", x, g.op("Not", x))
    if dtype is not None and not dtype.is_floating_point:
        return g.op("Less", x, g.op("Sub", x, x))

    def fn(g, x):
        zero = c(g, 0.0, x)
        return g.op("Or", g.op("Less", x, zero), g.op("Less", g.op("Div", c(g, 1.0, x), x), zero))

    x, _ = promote_to_float(g, x)
    return rank1(g, fn, x)


def _sinc(g: Builder, x):
    product = g.op("Mul", x, c(g, np.pi, x))
    ratio = g.op("Div", g.op("Sin", product), product)
    return g.op("Where", eq(g, x, c(g, 0.0, x)), c(g, 1.0, x), ratio)


aten_sinc = op(("aten::sinc", "aten::special_sinc"), opset=9)(_float_unary(_sinc))
aten_sinc.__doc__ = "sin(pi x) / (pi x), 1 at x == 0, in x's float type (integers give float32)."


aten_sinh = op("aten::sinh", opset=9)(_hyperbolic("Sinh", _hyperbolic_f64.sinh))

@op("aten::softplus", opset=9)
def aten_softplus(g: Builder, x, beta: float = 1.0, threshold: float = 20.0):
    """x where beta * x > threshold, else log1p(exp(beta * x)) / beta (overrides torch's rule).

    torch's rule was Softplus(beta * x) / beta: it ignored ``threshold`` (eager returns x
    above it), lost all relative accuracy below x = -17 (log(1 + tiny) rounds to 0) and
    fails in ORT for float64 (no double Softplus kernel). log1p here is accurate near 0. Also
    for dynamo, whose float64 softplus was off by up to 7e-6 relative.
    """
    x, back = promote_to_float(g, x)

    def fn(g, x):
        scaled = g.op("Mul", x, c(g, beta, x))
        soft = g.op("Div", log1p(g, g.op("Exp", scaled)), c(g, beta, x))
        return g.op("Where", g.op("Greater", scaled, c(g, threshold, x)), x, soft)

    return cast_back(g, rank1(g, fn, x), back)


@op("aten::threshold", opset=9, exporters=("torchscript",))
def aten_threshold(g: Builder, x, threshold: float, value: float):
    """value where x <= threshold, else x (NaN stays NaN); torch's rule only took threshold 0."""
    dtype = g.dtype(x) or torch.float32

    def const(v):
        if dtype.is_floating_point:
            return c(g, v, x)
        return g.constant(np.asarray([v]).astype(dtypes.numpy_dtype(dtype)))

    def fn(g, x):
        keep = g.op("Greater", x, const(threshold))
        if dtype.is_floating_point:
            keep = g.op("Or", keep, g.op("IsNaN", x))
        return g.op("Where", keep, x, const(value))

    return rank1(g, fn, x)


def _trunc(g: Builder, x):
    return g.op("Mul", g.op("Sign", x), g.op("Floor", g.op("Abs", x)))


@op(("aten::trunc", "aten::fix"), opset=9)
def aten_trunc(g: Builder, x):
    """Sign(x) * Floor(|x|) (ONNX has no Trunc); exact, ±inf and NaN kept; integers pass through."""
    dtype = g.dtype(x)
    if dtype is not None and not dtype.is_floating_point:
        return g.op("Identity", x)
    x, back = promote_to_float(g, x)
    return cast_back(g, rank1(g, _trunc, x), back)


@op("aten::xlogy", opset=9, exporters=("torchscript",))
def aten_xlogy(g: Builder, x, other):
    """x * log(other), 0 where x == 0, NaN where other is NaN (every overload)."""

    def fn(g, a, b):
        zero = c(g, 0.0, a)
        y = g.op("Where", eq(g, a, zero), zero, g.op("Mul", a, g.op("Log", b)))
        return g.op("Where", g.op("IsNaN", b), b, y)

    return _binary_float(g, fn, x, other)
