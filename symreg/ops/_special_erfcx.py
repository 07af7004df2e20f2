"""The normal distribution and the scaled complementary error function in standard ONNX ops.

- :func:`erfcx` is exp(x²) erfc(x) from W. J. Cody's rational approximations (SPECFUN's CALERF with
  ``jint = 2``), the ones :mod:`symreg.ops._math_erfc` evaluates for erfc, without the exp(-x²)
  factor: R2(y) for 0.46875 < y <= 4, (1/sqrt(pi) - R3(1/y²)/y²) / y above, exp(y²) (1 - y R1(y²))
  below; relative error below 1e-16 on each range. torch evaluates Johnson's Chebyshev fits
  (``erfcx_y100``) for x >= 0; both are accurate to a few ulp. For x < 0, torch's own
  2 exp(x*x) - erfcx(-x), exp(x*x) rounded as torch rounds it (x*x first): in float32 that
  rounding moves the result by up to x² ulp, and torch's is the result to match.
- :func:`log_ndtr`: torch's (SciPy's) log(erfcx(-t) / 2) - t² for x < -1, log1p(-erfc(t) / 2)
  above, t = x / sqrt(2).
- :func:`ndtr`: torch's (1 + erf(x / sqrt(2))) / 2. ONNX ``Erf`` for float32; ORT has no float64
  ``Erf``, so float64 takes erf(y) = sign(y) (1 - erfc(|y|)), erfc from Cody, which rounds as a
  correctly rounded erf does where it matters (|erf| near 1).

Every function takes float32 or float64 values of rank >= 1 (constants are 1-d, see
:func:`~symreg.ops._math_elementwise.rank1`).
"""

from __future__ import annotations

from typing import Any

import torch

from symreg.builder import Builder
from symreg.ops._math_elementwise import c, log1p
from symreg.ops._math_erfc import MID, ONE_OVER_SQRT_PI, SMALL, A, B, C, D, P, Q, erfc, ratio

_SQRT1_2 = 0.70710678118654752440


def erfcx_nonnegative(g: Builder, y: Any) -> Any:
    """erfcx(y) for y >= 0 (NaN stays NaN, +inf gives 0)."""
    square = g.op("Mul", y, y)
    erfc_small = g.op("Sub", c(g, 1.0, y), g.op("Mul", y, ratio(g, square, A, B, 3)))
    small = g.op("Mul", g.op("Exp", square), erfc_small)
    mid = ratio(g, y, C, D, 7)
    inv_sq = g.op("Div", c(g, 1.0, y), square)
    tail = g.op("Mul", inv_sq, ratio(g, inv_sq, P, Q, 4))
    large = g.op("Div", g.op("Sub", c(g, ONE_OVER_SQRT_PI, y), tail), y)
    # 1/y² is 0 past sqrt(max): the tail vanishes, large is 1/(sqrt(pi) y), 0 at +inf.
    result = g.op("Where", g.op("Greater", y, c(g, MID, y)), large, mid)
    return g.op("Where", g.op("Greater", y, c(g, SMALL, y)), result, small)


def erfcx(g: Builder, x: Any) -> Any:
    """exp(x²) erfc(x): Cody's for x >= 0, torch's 2 exp(x*x) - erfcx(-x) for x < 0 (inf below ~-26.6)."""
    positive = erfcx_nonnegative(g, g.op("Abs", x))
    negative = g.op("Sub", g.op("Mul", c(g, 2.0, x), g.op("Exp", g.op("Mul", x, x))), positive)
    return g.op("Where", g.op("Less", x, c(g, 0.0, x)), negative, positive)


def log_ndtr(g: Builder, x: Any) -> Any:
    """log of the standard normal CDF, as torch computes it (see the module docstring)."""
    t = g.op("Mul", x, c(g, _SQRT1_2, x))
    low = g.op("Sub", g.op("Log", g.op("Div", erfcx(g, g.op("Neg", t)), c(g, 2.0, x))), g.op("Mul", t, t))
    high = log1p(g, g.op("Neg", g.op("Div", erfc(g, t), c(g, 2.0, x))))
    return g.op("Where", g.op("Less", x, c(g, -1.0, x)), low, high)


def ndtr(g: Builder, x: Any, dtype: torch.dtype | None) -> Any:
    """The standard normal CDF, as torch computes it: (1 + erf(x / sqrt(2))) * 0.5, x of ``dtype``."""
    y = g.op("Mul", x, c(g, _SQRT1_2, x))
    if dtype == torch.float64:
        erf = g.op("Mul", g.op("Sign", y), g.op("Sub", c(g, 1.0, y), erfc(g, g.op("Abs", y))))
    else:
        erf = g.op("Erf", y)
    return g.op("Mul", g.op("Add", c(g, 1.0, x), erf), c(g, 0.5, x))
