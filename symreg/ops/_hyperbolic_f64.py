"""Float64 lowerings of aten::sinh, cosh, asinh, acosh and atanh into elementary ONNX ops.

Why this module exists: ONNX Runtime's CPU provider (checked with 1.32) has no float64 kernel
for ``Sinh``, ``Cosh``, ``Asinh``, ``Acosh`` or ``Atanh``; a double model using them fails at
session creation with NOT_IMPLEMENTED. ORT does run float64 ``Exp``, ``Log`` and ``Sqrt``
(measured at most 1 ulp from the correctly rounded result), so each function is rebuilt from
those plus arithmetic, with the cancellation-free formulas of glibc's ``e_asinh``/``e_acosh``/
``e_atanh``/``e_sinh``/``e_cosh`` and an emulated ``log1p``, which ONNX lacks.

Accuracy (ORT 1.32, opsets 9 to 18): relative error below 1e-15 (a few ulp) against torch
float64 and against 200-bit mpmath, from subnormals to ``finfo.max``; ±0 keeps its sign, and
inf/NaN appear exactly where torch gives them. One exception is torch's: its vectorized
(AVX2/AVX-512) float64 sinh/cosh overflow at 709.78, where exp does; the true values, glibc
and torch's own scalar path stay finite up to 710.4759, and so do these lowerings.

Every op used exists with a tensor(double) type constraint at opset 9: Abs, Add, Sub, Mul,
Div, Sqrt, Exp, Log, Less, Greater, Where. ``Equal`` (double only from opset 11) and
``IsInf`` (opset 10) are avoided on purpose; branches are chosen by ``Less``/``Greater``
against constant thresholds. ``Where`` evaluates both sides, so an unselected branch may
overflow or produce NaN; every branch is only trusted on the range that selects it.
"""

import math

import numpy as np

_LN2 = np.log(2.0)
_TINY = 2.0**-28  # below it asinh(x) and atanh(x) round to x: |x³/3| < ulp(x)/2
_HUGE = 2.0**28  # above it asinh(x), acosh(x) == log(x) + ln 2 in double (glibc's cut)

# sinh(x) = x + x³/3! + ... + x¹³/13! is exact to < 5e-17 relative for |x| < 0.5.
_SINH_SMALL = 0.5
_SINH_COEFFS = [1.0 / math.factorial(n) for n in range(3, 15, 2)]


def _c(g, value):
    return g.constant(np.float64(value))


def _where_less(g, a, threshold, then, otherwise):
    return g.op("Where", g.op("Less", a, _c(g, threshold)), then, otherwise)


def _where_greater(g, a, threshold, then, otherwise):
    return g.op("Where", g.op("Greater", a, _c(g, threshold)), then, otherwise)


def _with_sign_of(g, x, m):
    """m (>= 0 or NaN) with the sign of x, -0 included.

    Not ``Where(x < 0, -m, m)``: ORT's CPU Where merges its two selections with
    ``x_sel != 0 ? x_sel : y_sel``, so it turns a -0 taken from its first input into +0. It
    only ever selects ±1 here, and x + 1/x is negative exactly for x < 0, -0 and -inf.
    """
    x_plus_inv = g.op("Add", x, g.op("Div", _c(g, 1.0), x))
    sign = g.op("Where", g.op("Less", x_plus_inv, _c(g, 0.0)), _c(g, -1.0), _c(g, 1.0))
    return g.op("Mul", m, sign)


def _log_plus_ln2(g, a):
    # log(2a) without overflowing 2a near finfo.max.
    return g.op("Add", g.op("Log", a), _c(g, _LN2))


def _log1p(g, u):
    """log(1 + u) accurate for all u >= -1, including u = inf.

    Goldberg, "What every computer scientist should know about floating-point arithmetic"
    (1991), Theorem 4 (the HP-15C trick): with w = fl(1 + u), log1p(u) = log(w) * u / (w - 1).
    The rounding error of w cancels between log(w) and w - 1 (exact by Sterbenz for |u| < 1/2).
    For |u| < 2^-50, log1p(u) = u within 2^-51 relative, and w - 1 could be 0, so return u.
    Above 2^53, log1p(u) == log(u) in double; that branch also maps u = inf to inf, where the
    ratio would be inf/inf. u = -1 gives log(0) * 1 = -inf and u < -1 gives NaN, as wanted.
    """
    w = g.op("Add", u, _c(g, 1.0))
    ratio = g.op("Div", u, g.op("Sub", w, _c(g, 1.0)))
    general = g.op("Mul", g.op("Log", w), ratio)
    general = _where_greater(g, u, 2.0**53, g.op("Log", u), general)
    return _where_less(g, g.op("Abs", u), 2.0**-50, u, general)


def _exp_halves(g, a, combine):
    """exp(a)/2 ± exp(-a)/2 for a >= 0 (or NaN).

    exp(a) overflows at a ~ 709.78 but sinh/cosh only at ~ 710.4759, so build e^a/2 as
    (h/2)·h with h = exp(a/2) (glibc's __ieee754_sinh does the same with exp(a/2)).
    Once h·h overflows, 1/(2h·h) = 0 and the first term alone is the answer.
    """
    half = _c(g, 0.5)
    h = g.op("Exp", g.op("Mul", a, half))
    big = g.op("Mul", g.op("Mul", h, half), h)
    small = g.op("Div", half, g.op("Mul", h, h))
    return g.op(combine, big, small)


def acosh(g, x):
    """acosh(x) for float64 x: glibc e_acosh.c, branch by branch; NaN for x < 1."""
    one = _c(g, 1.0)
    # 1 <= x <= 2: t = x - 1 is exact; acosh = log1p(t + sqrt(2t + t²)) keeps acosh(1 + ulp).
    t = g.op("Sub", x, one)
    two_t_t2 = g.op("Add", g.op("Add", t, t), g.op("Mul", t, t))
    near = _log1p(g, g.op("Add", t, g.op("Sqrt", two_t_t2)))
    # 2 < x <= 2^28: log(2x - 1/(x + sqrt(x² - 1))) = log(x + sqrt(x² - 1)) without x² - 1 loss.
    root = g.op("Sqrt", g.op("Sub", g.op("Mul", x, x), one))
    inner = g.op("Div", one, g.op("Add", x, root))
    mid = g.op("Log", g.op("Sub", g.op("Add", x, x), inner))
    r = _where_greater(g, x, 2.0, mid, near)
    r = _where_greater(g, x, _HUGE, _log_plus_ln2(g, x), r)
    # Every branch above can be finite for some x < 1 (e.g. near(-1e300) = inf), so force NaN.
    return _where_less(g, x, 1.0, _c(g, np.nan), r)


def asinh(g, x):
    """asinh(x) for float64 x: glibc s_asinh.c, with the sign restored last."""
    a = g.op("Abs", x)
    one = _c(g, 1.0)
    # 2^-28 <= |x| <= 2^28: asinh = log1p(a + a²/(1 + sqrt(1 + a²))), no cancellation near 0.
    a2 = g.op("Mul", a, a)
    frac = g.op("Div", a2, g.op("Add", one, g.op("Sqrt", g.op("Add", one, a2))))
    r = _log1p(g, g.op("Add", a, frac))
    r = _where_greater(g, a, _HUGE, _log_plus_ln2(g, a), r)  # a² would overflow; also inf
    return _with_sign_of(g, x, _where_less(g, a, _TINY, a, r))  # subnormals stay exact


def atanh(g, x):
    """atanh(x) for float64 x: glibc e_atanh.c; ±inf at ±1 and NaN beyond come out of log1p."""
    a = g.op("Abs", x)
    one = _c(g, 1.0)
    one_minus_a = g.op("Sub", one, a)
    two_a = g.op("Add", a, a)
    # |x| < 0.5: 2a + 2a²/(1 - a) keeps the leading 2a exact; 0.5 <= |x|: 2a/(1 - a), where
    # 1 - a is exact (Sterbenz), is +inf at a = 1 and < -2 beyond, so log1p gives inf / NaN.
    small = g.op("Add", two_a, g.op("Div", g.op("Mul", two_a, a), one_minus_a))
    large = g.op("Div", two_a, one_minus_a)
    u = _where_less(g, a, 0.5, small, large)
    r = g.op("Mul", _c(g, 0.5), _log1p(g, u))
    return _with_sign_of(g, x, _where_less(g, a, _TINY, a, r))


def cosh(g, x):
    """cosh(x) for float64 x as e/2 + 1/(2e) with e = exp(|x|), without early overflow."""
    return _exp_halves(g, g.op("Abs", x), "Add")


def sinh(g, x):
    """sinh(x) for float64 x: Taylor series for |x| < 0.5, exponentials beyond."""
    a = g.op("Abs", x)
    a2 = g.op("Mul", a, a)
    # Horner in a²: a + a·a²·(1/3! + a²(1/5! + ... + a²/13!)); exact for 0 and subnormals.
    p = _c(g, _SINH_COEFFS[-1])
    for coeff in reversed(_SINH_COEFFS[:-1]):
        p = g.op("Add", g.op("Mul", p, a2), _c(g, coeff))
    small = g.op("Add", a, g.op("Mul", g.op("Mul", a, a2), p))
    # |x| >= 0.5: e/2 - 1/(2e) loses at most log2(coth 0.5) ~ 1 bit to cancellation.
    m = _where_less(g, a, _SINH_SMALL, small, _exp_halves(g, a, "Sub"))
    return _with_sign_of(g, x, m)
