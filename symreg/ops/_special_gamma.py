"""``polygamma`` and ``mvlgamma`` of symreg/ops/special.py: symreg's ``Digamma``, ``Zeta`` and ``Lgamma``
kernels composed with standard ops as torch's CPU kernels compose them.

From torch's aten/src/ATen/native/Math.h and UnaryOps.cpp: ``polygamma(n, x)`` is ``digamma`` for n = 0,
``trigamma`` for n = 1 (a reflection below 0.5, six recurrence steps, an asymptotic series: written out
below in the input's dtype, as torch's float and double overloads compute it), else
``(-1)^(n+1) * exp(lgamma(n + 1)) * zeta(n + 1, x)``; ``mvlgamma(x, p)`` is
``sum(lgamma(x + (1 - p) / 2 + j / 2), j < p) + p (p - 1) log(pi) / 4``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch

from symreg import dtypes
from symreg.builder import Builder
from symreg.ops._helpers import cast, constant_like, reduce, unsqueeze

# pi in three parts, the first two of 33 significant bits (as fdlibm's __ieee754_rem_pio2 splits pi/2): k * part
# is exact for |k| < 2**20, and the parts sum to pi within 2e-37
_PI = (3.1415926534682512, 1.2154201012607932e-10, 4.044532497591901e-21)


def _literal(value: float, dtype: torch.dtype) -> float:
    """``value`` rounded to ``dtype`` (a C++ literal of that type)."""
    return float(np.asarray(value, dtype=dtypes.numpy_dtype(dtype)))


def _sin(g: Builder, p: Any, dtype: torch.dtype) -> Any:
    """sin(p) correct to the last bit of ``p``'s dtype near the multiples of pi, where ORT's float64 ``Sin``
    loses every digit (sin(4 pi) comes out 0.0): ``p - k pi`` in float64 with pi in three parts, then ``Sin``
    of the remainder, within [-pi/2, pi/2] (accurate there). Its sign is (-1)^k that of sin(p): squared only."""

    def double(value: float) -> Any:
        return g.constant(np.asarray([value], dtype=np.float64), dtype=torch.float64)

    wide = cast(g, p, torch.float64)
    k = g.op("Floor", g.op("Add", g.op("Div", wide, double(math.pi)), double(0.5)))  # Round is opset 11+
    for part in _PI:
        wide = g.op("Sub", wide, g.op("Mul", k, double(part)))
    return cast(g, g.op("Sin", wide), dtype)


def trigamma(g: Builder, x: Any, dtype: torch.dtype) -> Any:
    """torch's ``trigamma`` (Math.h) of a float32 or float64 ``x`` in its dtype, step for step: for x < 0.5,
    -pi² / sin²(pi x) and x -> 1 - x (the sign flipped at the end); six steps of 1 / x²; then
    (1 + 1 / (2x) + ixx (1/6 - ixx (1/30 - ixx / 42))) / x, ixx = 1 / x²."""

    def k(value: float) -> Any:
        return constant_like(g, [_literal(value, dtype)], x)

    pi = _literal(math.pi, dtype)
    one = k(1.0)
    reflect = g.op("Less", x, k(0.5))
    sin_pi_x = _sin(g, g.op("Mul", k(pi), x), dtype)
    pi_squared = _literal(np.multiply(pi, pi, dtype=dtypes.numpy_dtype(dtype)), dtype)
    zero = k(0.0)
    pole = g.op("Div", k(pi_squared), g.op("Mul", sin_pi_x, sin_pi_x))
    result = g.op("Where", reflect, g.op("Sub", zero, pole), zero)
    x = g.op("Where", reflect, g.op("Sub", one, x), x)
    for _ in range(6):
        result = g.op("Add", result, g.op("Div", one, g.op("Mul", x, x)))
        x = g.op("Add", x, one)
    ixx = g.op("Div", one, g.op("Mul", x, x))
    np_dtype = np.dtype(dtypes.numpy_dtype(dtype)).type
    sixth, thirtieth, fortysecond = (float(np.divide(np_dtype(1), np_dtype(d))) for d in (6, 30, 42))
    series = g.op("Sub", k(thirtieth), g.op("Mul", ixx, k(fortysecond)))
    series = g.op("Sub", k(sixth), g.op("Mul", ixx, series))
    head = g.op("Add", one, g.op("Div", one, g.op("Mul", k(2.0), x)))
    result = g.op("Add", result, g.op("Div", g.op("Add", head, g.op("Mul", ixx, series)), x))
    return g.op("Where", reflect, g.op("Neg", result), result)


def polygamma(g: Builder, n: int, x: Any, dtype: torch.dtype) -> Any:
    """torch's ``polygamma(n, x)`` for n >= 0 of a float32 or float64 ``x``: the ``Digamma`` kernel for n = 0,
    :func:`trigamma` for 1, else ``Zeta(n + 1, x)`` times ``(-1)^(n+1) exp(lgamma(n + 1))``, that factor
    computed by torch in ``x``'s dtype at export (its kernel takes ``std::exp`` of ``std::lgamma`` per element)."""
    if n == 0:
        return g.op("symreg::Digamma", x)
    if n == 1:
        return trigamma(g, x, dtype)
    factor = torch.tensor(float(n) + 1.0, dtype=dtype).lgamma().exp()
    factor = float(factor if n % 2 else -factor)
    zeta = g.op("symreg::Zeta", constant_like(g, [float(n + 1)], x), x)
    return g.op("Mul", constant_like(g, [factor], x), zeta)


def mvlgamma(g: Builder, x: Any, p: int, rank: int) -> Any:
    """torch's ``mvlgamma(x, p)`` of a float32 or float64 ``x`` of rank >= 1: ``Lgamma`` of ``x[..., None]``
    plus (1 - p) / 2, ..., -1/2, 0, summed over the new dim, plus p (p - 1) log(pi) / 4 (in double, then
    rounded to ``x``'s dtype as torch's scalar add does). No domain check: torch raises unless every
    x > (p - 1) / 2, ONNX cannot; such elements give the formula's value (inf at the poles, finite or NaN)."""
    offsets = constant_like(g, [(1 - p) / 2 + j / 2 for j in range(p)], x)
    terms = g.op("symreg::Lgamma", g.op("Add", offsets, unsqueeze(g, x, [rank])))
    total = reduce(g, "ReduceSum", terms, [rank], keepdims=False)
    return g.op("Add", total, constant_like(g, [float(p * (p - 1)) * math.log(math.pi) * 0.25], x))
