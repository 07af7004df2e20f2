"""Elementwise math ops: hyperbolic and error functions, exp/log variants, rounding, division, tests.

The TorchScript exporter of torch 2.14 has no rule for ``aten::sinh``, ``cosh``, ``asinh``,
``acosh``, ``atanh``, ``erfinv``, ``frac``, ``erfc``, ``expm1``, ``exp2``, ``trunc``, ``sinc``,
``xlogy``, ``logaddexp``, ``isclose`` and others at any opset; the dynamo exporter has none
for ``erfinv``. Most rules here are TorchScript only: the dynamo exporter's own lowerings of
those ops work. ``addcdiv``, ``angle``, ``deg2rad``, ``rad2deg``, ``erfc``, ``expm1``,
``log10``, ``signbit``, ``sinc`` and ``trunc`` serve dynamo too: torchlib's lowerings of them
compute float64 with float32 constants, reject integer inputs, or lose accuracy (erfc as
1 - erf, expm1 as exp - 1). Some replace torch's TorchScript rules that were wrong
(``floor_divide``, ``log10``, ``nan_to_num``); each rule's docstring says what was wrong.

Shared pieces (promotion, 0-d handling, opset-9 comparisons, expm1/log1p) are in
:mod:`symreg.ops._math_elementwise`, erfc's approximation in :mod:`symreg.ops._math_erfc`.
ONNX has the five hyperbolic ops since opset 9, but ONNX Runtime's CPU provider lacks float64
kernels for them, so float64 inputs get an exact composition of standard ops instead
(:mod:`symreg.ops._hyperbolic_f64`). ONNX has no erfinv: it becomes ``symreg::Erfinv``, run
by symreg's C++ kernel. Activations are in :mod:`symreg.ops.activations`, ``arange`` and
``logspace`` in :mod:`symreg.ops.creation`. Rules are in alphabetical order of their op.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Optional

import numpy as np
import torch

from symreg.builder import Builder
from symreg.errors import ExportError
from symreg.ops import _hyperbolic_f64, _math_erfc
from symreg.ops._helpers import cast_back, normalize_dim, promote_to_float, rank_of
from symreg.ops._math_elementwise import (
    binary_float,
    c,
    eq,
    expm1,
    float_dtype,
    floor_divide_float,
    floor_divide_int,
    is_neginf,
    is_posinf,
    logaddexp,
    rank1,
    result_dtype,
    to,
    trunc,
    unary_float,
)
from symreg.ops._math_gradient import gradient_along
from symreg.registry import op
from symreg.schemas import same_as_input, schema


def _float_unary(fn: Callable) -> Callable:
    """A rule computing ``fn(g, x)`` as torch computes a unary float op (see :func:`unary_float`)."""

    def rule(g: Builder, x):
        return unary_float(g, fn, x)

    return rule


def _hyperbolic(onnx_op: str, float64: Callable) -> Callable:
    def rule(g: Builder, x):
        x, back = promote_to_float(g, x)
        if g.dtype(x) == torch.float64:
            return rank1(g, float64, x)
        return cast_back(g, g.op(onnx_op, x), back)

    rule.__doc__ = (
        f"``{onnx_op}`` (opsets 9+; the TorchScript exporter has no rule); float64, which ORT's "
        f"{onnx_op} lacks, via an exact composition of standard ops."
    )
    return rule


aten_acosh = op("aten::acosh", opset=9)(_hyperbolic("Acosh", _hyperbolic_f64.acosh))


@op("aten::addcdiv", opset=9)
def aten_addcdiv(g: Builder, x, tensor1, tensor2, value: float = 1.0):
    """x + value * tensor1 / tensor2 in the three inputs' result dtype (torch's order of operations); opsets 9+.

    The TorchScript exporter has no rule; torchlib's computes float64 with a float32 ``value``.
    """
    dtype = result_dtype(g, x, tensor1, tensor2)

    def fn(g, x, t1, t2):
        return g.op("Add", x, g.op("Div", g.op("Mul", t1, c(g, value, t1)), t2))

    return rank1(g, fn, to(g, x, dtype), to(g, tensor1, dtype), to(g, tensor2, dtype))


def _angle(g: Builder, x):
    pi = g.op("Where", g.op("Less", x, c(g, 0.0, x)), c(g, np.pi, x), c(g, 0.0, x))
    return g.op("Where", g.op("IsNaN", x), x, pi)


aten_angle = op("aten::angle", opset=9)(_float_unary(_angle))
aten_angle.__doc__ = """angle of a real number: pi where x < 0, else 0; NaN stays NaN; opsets 9+.

Integers give float32. Also for dynamo, whose angle computes float64 with float32 constants.
"""

aten_asinh = op("aten::asinh", opset=9)(_hyperbolic("Asinh", _hyperbolic_f64.asinh))
aten_atanh = op("aten::atanh", opset=9)(_hyperbolic("Atanh", _hyperbolic_f64.atanh))

aten_cosh = op("aten::cosh", opset=9)(_hyperbolic("Cosh", _hyperbolic_f64.cosh))


def _scale(factor: float) -> Callable:
    return _float_unary(lambda g, x: g.op("Mul", x, c(g, factor, x)))


aten_deg2rad = op("aten::deg2rad", opset=9)(_scale(np.pi / 180.0))
aten_deg2rad.__doc__ = """x * (pi / 180) in x's float type (integers give float32); opsets 9+.

Also for dynamo, whose deg2rad multiplies float64 by a float32 constant."""


@op("aten::divide.Tensor", opset=9, exporters=("dynamo",))
def aten_divide_tensor(g: Builder, x, other):
    """x / other in the inputs' float result dtype (integers divide in float32), float16 computed in
    float32; opsets 9+. Dynamo only: torch.export keeps ``aten.divide.Tensor`` (div's alias, which
    masked.std/var call), and the exporter's type promotion skips it, so a float divided by an
    integer count reached ``Div`` with mixed types. The TorchScript exporter records ``aten::div``.
    """
    return binary_float(g, lambda g, a, b: g.op("Div", a, b), x, other)


@op(("aten::erfc", "aten::special_erfc"), opset=9)
def aten_erfc(g: Builder, x):
    """W. J. Cody's rational approximations of erfc, opsets 9+, both exporters; see :mod:`symreg.ops._math_erfc`.

    ONNX's ``Erf`` loses erfc's relative accuracy for x > 0 (torchlib's erfc is 1 - erf) and
    has no float64 kernel in ORT.
    """
    return unary_float(g, _math_erfc.erfc, x)


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
    """``symreg::Erfinv`` (ONNX has no erfinv; neither exporter has a rule), run by symreg's C++ kernel; opsets 9+."""
    x, back = promote_to_float(g, x)
    return cast_back(g, g.op("symreg::Erfinv", x), back)


aten_exp2 = op(("aten::exp2", "aten::special_exp2"), opset=9, exporters=("torchscript",))(
    _float_unary(lambda g, x: g.op("Pow", c(g, 2.0, x), x))
)
aten_exp2.__doc__ = """Pow(2, x) in x's float type (integers give float32).

Opsets 9+, TorchScript only: it has no rule (the dynamo exporter's works).
"""

aten_expm1 = op(("aten::expm1", "aten::special_expm1"), opset=9)(_float_unary(expm1))
aten_expm1.__doc__ = """exp(x) - 1 accurate near 0 (Kahan's (u - 1) * x / log(u), u = exp(x)); opsets 9+.

ONNX has no Expm1; torchlib's exp(x) - 1 loses all relative accuracy near 0, so dynamo too."""


@op("aten::float_power", opset=9, exporters=("torchscript",))
def aten_float_power(g: Builder, x, exponent):
    """Pow of both inputs cast to float64, as torch computes float_power (every overload); opsets 9+.

    TorchScript only (it has no rule); the dynamo exporter's float_power works.
    """
    return rank1(g, lambda g, a, b: g.op("Pow", a, b), to(g, x, torch.float64), to(g, exponent, torch.float64))


@op(("aten::floor_divide", "aten::floor_divide.Scalar"), opset=9)
def aten_floor_divide(g: Builder, x, other):
    """Floor division in the result dtype, rounding as torch does; opsets 9+ (overrides torch's rule).

    torch's rule returned Div(x, other) for floats with a float input and truncated
    integer quotients toward zero (-7 // 2 gave -3); torch floors (-4). torchlib's (dynamo)
    gives ±inf where torch gives NaN (an infinite or zero operand). See
    :func:`~symreg.ops._math_elementwise.floor_divide_int` and ``floor_divide_float``.
    """
    dtype = result_dtype(g, x, other)  # ``other`` a Python number: dynamo's floor_divide.Scalar
    x, other = to(g, x, dtype), to(g, other, dtype)
    if dtype is not None and not dtype.is_floating_point:
        return rank1(g, floor_divide_int, x, other)
    compute = torch.float32 if dtype in (torch.float16, torch.bfloat16) else dtype
    return to(g, rank1(g, floor_divide_float, to(g, x, compute), to(g, other, compute)), dtype)


@op("aten::frac", opset=9, exporters=("torchscript",))
def aten_frac(g: Builder, x):
    """x - trunc(x), with trunc(x) = Sign(x) * Floor(|x|) (ONNX has no Trunc).

    Exact: trunc(x) is exact in any float type and so is x - trunc(x), so results equal
    torch's bit for bit (frac(±inf) is NaN, as in torch). TorchScript only: the dynamo
    exporter's own frac lowering already works.
    """
    return unary_float(g, lambda g, x: g.op("Sub", x, trunc(g, x)), x)


@op("aten::gradient", opset=9, exporters=("torchscript",))
def aten_gradient(g: Builder, x, spacing=None, dim: Optional[list[int]] = None, edge_order: int = 1):
    """torch.gradient along each of ``dim`` (None: every dim), one output each: central differences
    inside, one-sided ones of order ``edge_order`` at the edges (:mod:`symreg.ops._math_gradient`).

    ``spacing``: None (1), one number for every dim, or one 1-d coordinates tensor per dim (every
    overload). Opsets 9+, TorchScript only: it has no rule (torch.export decomposes gradient).
    """
    rank = rank_of(g, x)
    dims = [normalize_dim(d, rank) for d in dim] if dim is not None else list(range(rank))
    if isinstance(spacing, (list, tuple)):
        steps = list(spacing)
    else:
        value = 1.0 if spacing is None else g.constant_value(spacing)
        if not isinstance(value, (int, float)):
            raise ExportError(f"{g.overload}: spacing must be a constant number or 1-d coordinate tensors")
        steps = [float(value)] * len(dims)
    return [gradient_along(g, x, d, rank, step, edge_order) for d, step in zip(dims, steps, strict=True)]


@op("aten::heaviside", opset=9)
def aten_heaviside(g: Builder, x, values):
    """values where x == 0, 1 where x > 0, else 0 (NaN gives 0, as in torch).

    Opsets 9+. The TorchScript exporter has no rule; the dynamo exporter's gives 1 for NaN.
    """
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
    NaNs equal with ``equal_nan``. Integer differences are compared in float32. Opsets 9+,
    TorchScript (no rule there)."""
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
    """x < -finfo.max (opset 9 has no IsInf); integers and bool are never infinite.

    Opsets 9+, TorchScript only: it has no rule (the dynamo exporter's works).
    """
    return _never(g, x, is_neginf)


@op("aten::isposinf", opset=9, exporters=("torchscript",))
def aten_isposinf(g: Builder, x):
    """x > finfo.max (opset 9 has no IsInf); integers and bool are never infinite.

    Opsets 9+, TorchScript only: it has no rule (the dynamo exporter's works).
    """
    return _never(g, x, is_posinf)


@op("aten::isreal", opset=9, exporters=("torchscript",))
def aten_isreal(g: Builder, x):
    """All true: a real tensor has no imaginary part (ORT holds no complex tensors).

    Opsets 9+, TorchScript only: it has no rule (the dynamo exporter's works).
    """
    return g.op("Not", _never(g, x, lambda g, x: g.op("And", g.op("IsNaN", x), g.op("Not", g.op("IsNaN", x)))))


@op(("aten::ldexp", "aten::ldexp.Tensor"), opset=9, exporters=("torchscript",))
def aten_ldexp(g: Builder, x, other):
    """x * 2 ** other in the inputs' float result dtype (torch: mul(x, pow(2.0, other))).

    Opsets 9+, TorchScript only: it has no rule (the dynamo exporter's works).
    """
    return binary_float(g, lambda g, a, b: g.op("Mul", a, g.op("Pow", c(g, 2.0, b), b)), x, other)


aten_log10 = op("aten::log10", opset=9)(_float_unary(lambda g, x: g.op("Div", g.op("Log", x), c(g, np.log(10.0), x))))
aten_log10.__doc__ = """Log(x) / ln 10; opsets 9+ (overrides torch's rule).

torch's rule divides by a 1-element 1-d constant, so a 0-d input gave a (1,) result; here
0-d inputs are computed on a rank-1 view and reshaped back. Integers give float32 (torchlib
rejects them, so dynamo too).
"""


@op("aten::logaddexp", opset=9)
def aten_logaddexp(g: Builder, x, other):
    """log(exp(x) + exp(other)) = max + log1p(exp(-|x - other|)), no overflow, accurate log1p.

    Opsets 9+. The TorchScript exporter has no rule; the dynamo exporter's overflows to inf
    for large float32 operands.
    """
    return binary_float(g, logaddexp(None), x, other)


@op("aten::logaddexp2", opset=9, exporters=("torchscript",))
def aten_logaddexp2(g: Builder, x, other):
    """log2(2^x + 2^other) = max + log1p(2^-|x - other|) / ln 2, no overflow.

    Opsets 9+, TorchScript only: it has no rule (the dynamo exporter's works).
    """
    return binary_float(g, logaddexp(np.log(2.0)), x, other)


@op("aten::nan_to_num", opset=9, exporters=("torchscript",))
def aten_nan_to_num(
    g: Builder, x, nan: Optional[float] = None, posinf: Optional[float] = None, neginf: Optional[float] = None
):
    """Where-replacement of NaN, +inf and -inf; opsets 9+ (overrides torch's rule).

    torch's rule gave a 0-d input a (1,) result; here 0-d is computed on a rank-1 view.
    Infinities are found as |x| > finfo.max, which works at opset 9 (no IsInf). The defaults
    are the input dtype's largest finite values; integers and bool pass through.
    """
    dtype = g.dtype(x)
    if dtype is not None and not dtype.is_floating_point:
        return g.op("Identity", x)
    info = torch.finfo(dtype or torch.float32)

    def fn(g, x):
        y = g.op("Where", g.op("IsNaN", x), c(g, 0.0 if nan is None else nan, x), x)
        y = g.op("Where", is_posinf(g, x), c(g, info.max if posinf is None else posinf, x), y)
        return g.op("Where", is_neginf(g, x), c(g, -info.max if neginf is None else neginf, x), y)

    return unary_float(g, fn, x)


@op(("aten::positive", "aten::real"), opset=9, exporters=("torchscript",))
def aten_positive(g: Builder, x):
    """Identity: +x of a real tensor, and its real part.

    Opsets 9+, TorchScript only: it has no rule (the dynamo exporter's works).
    """
    return g.op("Identity", x)


aten_rad2deg = op("aten::rad2deg", opset=9)(_scale(180.0 / np.pi))
aten_rad2deg.__doc__ = """x * (180 / pi) in x's float type (integers give float32); opsets 9+.

Also for dynamo, whose rad2deg multiplies float64 by a float32 constant."""


@op("aten::sgn", opset=9)
def aten_sgn(g: Builder, x):
    """Sign, with torch's 0 for NaN (ONNX's Sign gives NaN); bool passes through.

    Opsets 9+. The TorchScript exporter has no rule; the dynamo exporter's is ONNX's Sign (NaN for NaN).
    """
    dtype = g.dtype(x)
    if dtype == torch.bool:
        return g.op("Identity", x)
    if dtype is not None and not dtype.is_floating_point:
        return g.op("Sign", x)
    return unary_float(g, lambda g, x: g.op("Where", g.op("IsNaN", x), c(g, 0.0, x), g.op("Sign", x)), x)


@op("aten::signbit", opset=9)
def aten_signbit(g: Builder, x):
    """x < 0, or 1 / x < 0 for -0.0 (ONNX has no bit access; a NaN's sign bit reads as clear); opsets 9+.

    Also for dynamo, whose signbit rejects integer inputs.
    """
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
aten_sinc.__doc__ = """sin(pi x) / (pi x), 1 at x == 0, in x's float type (integers give float32); opsets 9+.

Also for dynamo, whose sinc computes float64 with a float32 pi."""


aten_sinh = op("aten::sinh", opset=9)(_hyperbolic("Sinh", _hyperbolic_f64.sinh))


@op(("aten::trunc", "aten::fix"), opset=9)
def aten_trunc(g: Builder, x):
    """Sign(x) * Floor(|x|) (ONNX has no Trunc); exact, ±inf and NaN kept; integers pass through. Opsets 9+.

    Also for dynamo, whose trunc rejects integer inputs.
    """
    dtype = g.dtype(x)
    if dtype is not None and not dtype.is_floating_point:
        return g.op("Identity", x)
    return unary_float(g, trunc, x)


@op("aten::xlogy", opset=9)
def aten_xlogy(g: Builder, x, other):
    """x * log(other), 0 where x == 0, NaN where other is NaN (every overload).

    Opsets 9+. The TorchScript exporter has no rule; the dynamo exporter's gives 0 for x == 0
    with a NaN ``other`` (torch: NaN).
    """

    def fn(g, a, b):
        zero = c(g, 0.0, a)
        y = g.op("Where", eq(g, a, zero), zero, g.op("Mul", a, g.op("Log", b)))
        return g.op("Where", g.op("IsNaN", b), b, y)

    return binary_float(g, fn, x, other)
