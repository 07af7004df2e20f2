"""Floating-point anatomy in standard ONNX ops: signs, NaN-ignoring extremes, hypot, frexp.

ONNX has no bit access: a sign is read by comparison (-0.0 through 1 / x = -inf), an exponent
through Log and a correction. Every function takes float32 or float64 values of rank >= 1
(constants are 1-d) unless it says otherwise.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from symreg.builder import Builder
from symreg.ops._math_elementwise import c

#: float32's smallest normal number: below it |x| is scaled up before Log (float64 too, harmlessly).
_TINY = 2.0**-126


def is_inf(g: Builder, x: Any) -> Any:
    """x is ±inf: |x| < inf fails for ±inf and NaN only (no IsInf before opset 10; no dtype needed)."""
    return g.op("And", g.op("Not", g.op("Less", g.op("Abs", x), c(g, np.inf, x))), g.op("Not", g.op("IsNaN", x)))


def is_negative(g: Builder, x: Any) -> Any:
    """x's sign bit as far as comparisons see it: x < 0, or 1 / x < 0 (-0.0); False for any NaN."""
    zero = c(g, 0.0, x)
    return g.op("Or", g.op("Less", x, zero), g.op("Less", g.op("Div", c(g, 1.0, x), x), zero))


def copysign(g: Builder, a: Any, b: Any) -> Any:
    """|a| with b's sign (-0.0 counts as negative, a NaN ``b`` as positive: its sign bit is out of reach)."""
    magnitude = g.op("Abs", a)
    return g.op("Where", is_negative(g, b), g.op("Neg", magnitude), magnitude)


def nan_ignoring(compare: str, floats: bool):
    """``fn(g, a, b)``: the larger (``compare`` "Greater") or smaller ("Less") of a and b, the other
    where one is NaN (torch's fmax/fmin); ``floats``: whether the inputs can hold NaN at all."""

    def fn(g: Builder, a: Any, b: Any) -> Any:
        take_a = g.op(compare, a, b)
        if floats:
            take_a = g.op("Or", take_a, g.op("IsNaN", b))
        return g.op("Where", take_a, a, b)

    return fn


def hypot(g: Builder, a: Any, b: Any) -> Any:
    """sqrt(a² + b²) without overflow or underflow: big * sqrt(1 + (small / big)²), within ~2 ulp;
    IEEE's edges: an infinite input gives +inf even beside NaN, NaN otherwise propagates, (0, 0) gives 0."""
    abs_a, abs_b = g.op("Abs", a), g.op("Abs", b)
    a_bigger = g.op("Greater", abs_a, abs_b)
    big = g.op("Where", a_bigger, abs_a, abs_b)
    small = g.op("Where", a_bigger, abs_b, abs_a)
    ratio = g.op("Div", small, big)
    y = g.op("Mul", big, g.op("Sqrt", g.op("Add", c(g, 1.0, a), g.op("Mul", ratio, ratio))))
    zero = c(g, 0.0, a)
    y = g.op("Where", g.op("Greater", big, zero), y, zero)  # big == 0: small / big is 0 / 0
    y = g.op("Where", g.op("Or", g.op("IsNaN", a), g.op("IsNaN", b)), g.op("Add", a, b), y)
    return g.op("Where", g.op("Or", is_inf(g, a), is_inf(g, b)), c(g, np.inf, a), y)


def frexp(g: Builder, x: Any) -> tuple[Any, Any]:
    """(mantissa, exponent) with x = mantissa * 2**exponent, 0.5 <= |mantissa| < 1; 0, ±inf and NaN
    give (x, 0) as torch (glibc) does. The exponent is a float here (the caller casts it).

    floor(log2 |x|) + 1 may be one off near powers of two: one halving or doubling of the mantissa
    corrects it. Subnormals are scaled by 2**64 first (ORT's Log need not handle them); the scaling
    by 2**-e is two exact multiplications by powers of two, each in range.
    """
    zero, one, two, half = (c(g, v, x) for v in (0.0, 1.0, 2.0, 0.5))
    ax = g.op("Abs", x)
    tiny = g.op("Less", ax, c(g, _TINY, x))
    scaled = g.op("Where", tiny, g.op("Mul", ax, c(g, 2.0**64, x)), ax)
    e = g.op("Add", g.op("Floor", g.op("Div", g.op("Log", scaled), c(g, np.log(2.0), x))), one)
    e = g.op("Where", tiny, g.op("Sub", e, c(g, 64.0, x)), e)
    special = g.op("Or", g.op("Not", g.op("Greater", ax, zero)), is_inf(g, ax))  # 0, NaN, ±inf
    e = g.op("Where", special, zero, e)
    h = g.op("Floor", g.op("Div", e, two))
    m = g.op("Mul", g.op("Mul", x, g.op("Pow", two, g.op("Neg", h))), g.op("Pow", two, g.op("Sub", h, e)))
    too_big = g.op("Not", g.op("Less", g.op("Abs", m), one))
    m, e = g.op("Where", too_big, g.op("Mul", m, half), m), g.op("Where", too_big, g.op("Add", e, one), e)
    too_small = g.op("Less", g.op("Abs", m), half)
    m, e = g.op("Where", too_small, g.op("Mul", m, two), m), g.op("Where", too_small, g.op("Sub", e, one), e)
    return g.op("Where", special, x, m), g.op("Where", special, zero, e)
