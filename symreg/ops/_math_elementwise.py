"""Building blocks of the elementwise math rules (symreg/ops/math.py): promotion, edges, stable formulas.

- :func:`result_dtype` is ``torch.result_type`` as far as an exporter can see it: tensors with
  dims win over 0-d ones within a category (bool < integer < float). TorchScript gives Python
  scalars as 0-d int64/float64 values, so a Python float next to a 0-d float32 tensor promotes
  to float64 here where eager torch keeps float32 (a wrapped number is not visible).
- :func:`rank1` computes a call whose inputs are all 0-d on rank-1 views and reshapes the result
  back: 1-element 1-d constants then broadcast like scalars without making the result (1,), and
  the TorchScript exporter's scalar type analysis (which computes arithmetic on 0-d float64 values
  in float32) never sees a 0-d value.
- Equality and infinity tests work at opset 9, where ``Equal`` takes no floats and ``IsInf`` does
  not exist: they compare with ``Less``/``Greater`` and the largest finite value.
- :func:`expm1` (Kahan) and :func:`log1p` (Goldberg) keep full relative accuracy near 0; ONNX
  has neither.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from symreg.builder import Builder
from symreg.ops._helpers import cast, constant_like


def _category(dtype: torch.dtype) -> int:
    if dtype == torch.bool:
        return 0
    return 2 if dtype.is_floating_point else 1


def _combine(higher: torch.dtype | None, lower: torch.dtype | None) -> torch.dtype | None:
    # c10's combine_categories: a higher category wins outright, a lower one only fills a gap.
    if higher is None:
        return lower
    if lower is None or higher.is_floating_point:
        return higher
    if higher == torch.bool or lower.is_floating_point:
        return torch.promote_types(higher, lower)
    return higher


def result_dtype(g: Builder, *values: Any) -> torch.dtype | None:
    """``torch.result_type`` of ``values`` (graph values), or None where a dtype is unknown."""
    dims: torch.dtype | None = None
    zero: torch.dtype | None = None
    for v in values:
        dtype = g.dtype(v)
        if dtype is None:
            return None
        if g.rank(v) == 0:
            zero = dtype if zero is None else torch.promote_types(zero, dtype)
        else:
            dims = dtype if dims is None else torch.promote_types(dims, dtype)
    return _combine(dims, zero)


def float_dtype(dtype: torch.dtype | None) -> torch.dtype | None:
    """The float dtype a float op computes ``dtype`` in: integers and bool become float32."""
    if dtype is None or dtype.is_floating_point:
        return dtype
    return torch.float32


def to(g: Builder, x: Any, dtype: torch.dtype | None) -> Any:
    """``x`` cast to ``dtype`` unless it already has it (or ``dtype`` is None)."""
    return x if dtype is None or g.dtype(x) == dtype else cast(g, x, dtype)


def rank1(g: Builder, fn: Callable, *xs: Any) -> Any:
    """``fn(g, *xs)``, on rank-1 views when every input is 0-d, the result reshaped back to 0-d."""
    if any(g.rank(x) != 0 for x in xs):
        return fn(g, *xs)
    flat = [g.op("Reshape", x, g.constant([1])) for x in xs]
    return g.op("Reshape", fn(g, *flat), g.constant(np.zeros(0, dtype=np.int64)))


def c(g: Builder, value: float, like: Any) -> Any:
    """A 1-element 1-d constant in ``like``'s dtype."""
    return constant_like(g, [value], like)


def finite_max(g: Builder, like: Any) -> float:
    dtype = g.dtype(like) or torch.float32
    return float(torch.finfo(dtype).max)


def eq(g: Builder, a: Any, b: Any) -> Any:
    """a == b for floats at any opset (``Equal`` takes floats from opset 11); False for NaN."""
    if g.opset >= 11:
        return g.op("Equal", a, b)
    differs = g.op("Or", g.op("Less", a, b), g.op("Greater", a, b))
    # a + b is NaN exactly when one is NaN, once a < b and a > b are ruled out (inf + -inf differs).
    return g.op("And", g.op("Not", differs), g.op("Not", g.op("IsNaN", g.op("Add", a, b))))


def is_posinf(g: Builder, x: Any) -> Any:
    return g.op("Greater", x, c(g, finite_max(g, x), x))


def is_neginf(g: Builder, x: Any) -> Any:
    return g.op("Less", x, c(g, -finite_max(g, x), x))


def log1p(g: Builder, t: Any) -> Any:
    """log(1 + t), accurate near 0 (Goldberg's log(w) * t / (w - 1), w = 1 + t); inf at t = inf."""
    one = c(g, 1.0, t)
    w = g.op("Add", t, one)
    wm1 = g.op("Sub", w, one)
    general = g.op("Mul", g.op("Log", w), g.op("Div", t, wm1))
    # Where w - 1 == 0, log1p(t) rounds to t; past 1/eps, log(w) is log(t) and the ratio may be inf/inf.
    big = 1.0 / float(torch.finfo(g.dtype(t) or torch.float32).eps)
    general = g.op("Where", g.op("Greater", t, c(g, big, t)), g.op("Log", t), general)
    return g.op("Where", eq(g, wm1, c(g, 0.0, t)), t, general)


def expm1(g: Builder, x: Any) -> Any:
    """exp(x) - 1, accurate near 0 (Kahan: (u - 1) * (x / log u), u = exp x); exact at ±inf, NaN."""
    one = c(g, 1.0, x)
    u = g.op("Exp", x)
    um1 = g.op("Sub", u, one)
    general = g.op("Mul", um1, g.op("Div", x, g.op("Log", u)))
    general = g.op("Where", is_posinf(g, u), u, general)
    general = g.op("Where", eq(g, um1, c(g, -1.0, x)), c(g, -1.0, x), general)
    # u == 1 (|x| below half an ulp of 1) and NaN: x itself.
    differs = g.op("Or", g.op("Less", u, one), g.op("Greater", u, one))
    return g.op("Where", differs, general, x)
