"""Whole-domain inputs of the math ops (float64): edge values, then dense logarithmic sweeps of magnitudes.

Shared by tests/ops/test_hyperbolic.py, tests/ops/test_erfinv.py and benchmarks/accuracy.py.
"""

from __future__ import annotations

import numpy as np

MAX = np.finfo(np.float64).max
TINY = np.finfo(np.float64).smallest_subnormal
EPS = np.finfo(np.float64).eps


def symmetric(values) -> np.ndarray:
    """``values`` and their negations."""
    values = np.asarray(values, dtype=np.float64)
    return np.concatenate([values, -values])


# 88/89.5: float32 exp overflows; 709.8/710.4/710.6: float64 exp, then sinh/cosh overflow.
REAL_EDGES = symmetric(
    [0.0, TINY, 1e-300, 1e-30, 1e-10, 1e-5, 0.1, 0.5, 1, 2, 20, 88, 89.5, 700, 709.8, 710.4, 710.6]
    + [1e150, 1e300, MAX, np.inf]
)
UNIT_EDGES = symmetric(
    [0.0, TINY, 1e-300, 1e-10, 0.1, 0.5, 0.9, 1 - 1e-10, 1 - EPS, 1 - EPS / 2, 1, 1 + EPS, 1.5, 1e300, np.inf]
)
_UNIT_SWEEP = np.concatenate(
    [UNIT_EDGES, symmetric(np.logspace(-307, -1e-9, 3000)), symmetric(1 - np.logspace(-15.6, -1, 1000))]
)
_ACOSH_EDGES = [1.0, 1 + EPS, 1 + 1e-10, 1.5, 2, 1e8, 2.0**28, 1e150, 1e300, MAX, np.inf]
_BELOW_ONE = [0.5, 0.0, -0.0, -1, -2, -np.inf]  # outside acosh's domain: NaN

#: op name -> float64 inputs covering the op's domain and beyond it (NaN is added by the tests).
DOMAINS = {
    "sinh": np.concatenate([REAL_EDGES, symmetric(np.logspace(-300, np.log10(710.4), 3000))]),
    "cosh": np.concatenate([REAL_EDGES, symmetric(np.logspace(-300, np.log10(710.4), 3000))]),
    "asinh": np.concatenate([REAL_EDGES, symmetric(np.logspace(-307, 308, 3000))]),
    "acosh": np.concatenate([_ACOSH_EDGES, _BELOW_ONE, 1 + np.logspace(-15.6, 2, 2000), np.logspace(2, 308, 2000)]),
    "atanh": _UNIT_SWEEP,
    "erfinv": _UNIT_SWEEP,
}
