"""erfc(x) from W. J. Cody's rational approximations (SPECFUN's CALERF), in standard ONNX ops.

Why not ``1 - Erf(x)``: erfc(x) is tiny for large x (erfc(5) = 1.5e-12) and 1 - erf(x) keeps
none of its relative accuracy there (float32 gives 0 from x = 3.9); ONNX Runtime's CPU
provider also has no float64 ``Erf``. Cody's approximations have a maximal relative error
below 1e-16 on each of three ranges of y = |x|:

- y <= 0.46875: erf(x) = x R1(x²), erfc = 1 - erf;
- 0.46875 < y <= 4: erfc(y) = exp(-y²) R2(y);
- y > 4: erfc(y) = exp(-y²) / y (1/sqrt(pi) + R3(1/y²) / y²);

with exp(-y²) computed as exp(-s²) exp(-(y - s)(y + s)), s = y rounded down to a multiple of
1/16, so the rounding of y² does not spoil the result. For x < -0.46875, erfc(x) = 2 - erfc(-x).
Every branch is computed and the right one chosen with ``Where``; each is only trusted on its
range. Ops used (Abs, Mul, Add, Sub, Div, Exp, Floor, Less, Greater, Where, IsNaN) all take
float and double at opset 9. Accuracy against torch: see tests/ops/test_erfc.py.
"""

from __future__ import annotations

from typing import Any

from symreg.builder import Builder
from symreg.ops._math_elementwise import c, is_posinf

#: erf(x) = x R1(x²) for |x| <= SMALL: R1's numerator coefficients (SPECFUN's order).
A = (
    3.16112374387056560e00,
    1.13864154151050156e02,
    3.77485237685302021e02,
    3.20937758913846947e03,
    1.85777706184603153e-1,
)
#: R1's denominator coefficients.
B = (2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03, 2.84423683343917062e03)
#: erfc(y) = exp(-y²) R2(y) for SMALL < y <= MID: R2's numerator coefficients.
C = (
    5.64188496988670089e-1,
    8.88314979438837594e00,
    6.61191906371416295e01,
    2.98635138197400131e02,
    8.81952221241769090e02,
    1.71204761263407058e03,
    2.05107837782607147e03,
    1.23033935479799725e03,
    2.15311535474403846e-8,
)
#: R2's denominator coefficients.
D = (
    1.57449261107098347e01,
    1.17693950891312499e02,
    5.37181101862009858e02,
    1.62138957456669019e03,
    3.29079923573345963e03,
    4.36261909014324716e03,
    3.43936767414372164e03,
    1.23033935480374942e03,
)
#: erfc(y) = exp(-y²) / y (1/sqrt(pi) + R3(1/y²) / y²) for y > MID: R3's numerator coefficients.
P = (
    3.05326634961232344e-1,
    3.60344899949804439e-1,
    1.25781726111229246e-1,
    1.60837851487422766e-2,
    6.58749161529837803e-4,
    1.63153871373020978e-2,
)
#: R3's denominator coefficients.
Q = (
    2.56852019228982242e00,
    1.87295284992346725e00,
    5.27905102951428412e-1,
    6.05183413124413191e-2,
    2.33520497626869185e-3,
)
#: 1 / sqrt(pi).
ONE_OVER_SQRT_PI = 5.6418958354775628695e-1
#: The bounds of Cody's three ranges of |x|: R1 up to SMALL, R2 up to MID, R3 above.
SMALL = 0.46875
MID = 4.0


def ratio(g: Builder, t: Any, num: tuple, den: tuple, n: int) -> Any:
    """num(t) / den(t), polynomials of degree n + 1 in t by Cody's nested evaluation, with the coefficient
    tables above (``num`` holds n + 2 numbers, ``den`` n + 1, as SPECFUN orders them)."""
    xnum = g.op("Mul", c(g, num[-1], t), t)
    xden = t
    for i in range(n):
        xnum = g.op("Mul", g.op("Add", xnum, c(g, num[i], t)), t)
        xden = g.op("Mul", g.op("Add", xden, c(g, den[i], t)), t)
    return g.op("Div", g.op("Add", xnum, c(g, num[n], t)), g.op("Add", xden, c(g, den[n], t)))


def _exp_minus_square(g: Builder, y: Any) -> Any:
    s = g.op("Div", g.op("Floor", g.op("Mul", y, c(g, 16.0, y))), c(g, 16.0, y))
    rest = g.op("Mul", g.op("Sub", y, s), g.op("Add", y, s))
    return g.op("Mul", g.op("Exp", g.op("Neg", g.op("Mul", s, s))), g.op("Exp", g.op("Neg", rest)))


def erfc(g: Builder, x: Any) -> Any:
    """erfc(x) for float32 or float64 x of rank >= 1 (constants are 1-d)."""
    y = g.op("Abs", x)
    small = g.op("Sub", c(g, 1.0, x), g.op("Mul", x, ratio(g, g.op("Mul", x, x), A, B, 3)))
    mid = ratio(g, y, C, D, 7)
    inv_sq = g.op("Div", c(g, 1.0, x), g.op("Mul", y, y))
    tail = g.op("Mul", inv_sq, ratio(g, inv_sq, P, Q, 4))
    large = g.op("Div", g.op("Sub", c(g, ONE_OVER_SQRT_PI, x), tail), y)
    positive = g.op("Mul", _exp_minus_square(g, y), g.op("Where", g.op("Greater", y, c(g, MID, x)), large, mid))
    positive = g.op("Where", is_posinf(g, y), c(g, 0.0, x), positive)
    signed = g.op("Where", g.op("Less", x, c(g, 0.0, x)), g.op("Sub", c(g, 2.0, x), positive), positive)
    return g.op("Where", g.op("Greater", y, c(g, SMALL, x)), signed, small)
