"""Building blocks of the elementwise math rules (symreg/ops/math.py): promotion, edges, stable formulas.

- :func:`result_dtype` is ``torch.result_type`` as far as an exporter can see it: tensors with
  dims win over 0-d ones within a category (bool < integer < float). TorchScript gives Python
  scalars as 0-d int64/float64 values, so a Python float next to a 0-d float32 tensor promotes
  to float64 here where eager torch keeps float32 (a wrapped number is not visible).
- :func:`rank1` computes a call whose inputs are all 0-d on rank-1 views and reshapes the result
  back: 1-element 1-d constants then broadcast like scalars without making the result (1,), and
  the TorchScript exporter's scalar type analysis (which computes arithmetic on 0-d float64 values
  in float32) never sees a 0-d value. :func:`unary_float` adds torch's promotion of a unary float op.
- Equality and infinity tests work at opset 9, where ``Equal`` takes no floats and ``IsInf`` does
  not exist: they compare with ``Less``/``Greater`` and the largest finite value.
- :func:`expm1` (Kahan) and :func:`log1p` (Goldberg) keep full relative accuracy near 0; ONNX
  has neither. :func:`logaddexp` builds on log1p, :func:`trunc` and the floor divisions are exact.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from symreg import dtypes
from symreg.builder import Builder
from symreg.ops._helpers import cast, cast_back, constant_like, promote_to_float, to_0d, to_1d


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
    """``torch.result_type`` of ``values``, or None where a dtype is unknown.

    ``values`` are graph values or Python numbers (the dynamo exporter passes a ``Scalar`` argument
    as one): as torch's wrapped numbers they rank below 0-d tensors and count by category only,
    a float as the default float dtype.
    """
    dims: torch.dtype | None = None
    zero: torch.dtype | None = None
    numbers: torch.dtype | None = None
    for v in values:
        if isinstance(v, (bool, int, float)):
            numbers = _promote(numbers, _number_dtype(v))
            continue
        dtype = g.dtype(v)
        if dtype is None:
            return None
        if g.rank(v) == 0:
            zero = _promote(zero, dtype)
        else:
            dims = _promote(dims, dtype)
    return _combine(dims, _combine(zero, numbers))


def _promote(a: torch.dtype | None, b: torch.dtype) -> torch.dtype:
    return b if a is None else torch.promote_types(a, b)


def _number_dtype(number: bool | int | float) -> torch.dtype:
    if isinstance(number, bool):
        return torch.bool
    return torch.int64 if isinstance(number, int) else torch.get_default_dtype()


def float_dtype(dtype: torch.dtype | None) -> torch.dtype | None:
    """The float dtype a float op computes ``dtype`` in: integers and bool become float32."""
    if dtype is None or dtype.is_floating_point:
        return dtype
    return torch.float32


def to(g: Builder, x: Any, dtype: torch.dtype | None) -> Any:
    """``x`` cast to ``dtype`` unless it already has it (or ``dtype`` is None); a Python number
    becomes a 0-d constant of ``dtype``."""
    if dtype is None:
        return x
    if isinstance(x, (bool, int, float)):
        return g.constant(np.array(x, dtype=dtypes.numpy_dtype(dtype)))
    return x if g.dtype(x) == dtype else cast(g, x, dtype)


def rank1(g: Builder, fn: Callable, *xs: Any, zero_d: bool | None = None) -> Any:
    """``fn(g, *xs)``, on 1-element 1-d views when every input is 0-d, the result viewed as 0-d again.

    The one place for this pattern (see the module docstring for why). ``zero_d``: whether the
    inputs are 0-d, for a caller that read it before a ``Cast`` (the dynamo exporter knows neither
    the rank of a Cast's output nor the dtype of a Reshape's); None: read their ranks now.
    """
    if zero_d is None:
        zero_d = all(g.rank(x) == 0 for x in xs)
    if not zero_d:
        return fn(g, *xs)
    return to_0d(g, fn(g, *(to_1d(g, x) for x in xs)))


def binary_float(g: Builder, fn: Callable, a: Any, b: Any) -> Any:
    """``fn(g, a, b)`` on both inputs cast to their float result dtype (integers: float32; float16 and
    bfloat16 computed in float32 and cast back); 0-d through :func:`rank1`."""
    dtype = float_dtype(result_dtype(g, a, b))
    compute = torch.float32 if dtype in (torch.float16, torch.bfloat16) else dtype
    zero_d = g.rank(a) == 0 and g.rank(b) == 0  # before the Casts, which hide ranks from the dynamo exporter
    return to(g, rank1(g, fn, to(g, a, compute), to(g, b, compute), zero_d=zero_d), dtype)


def unary_float(g: Builder, fn: Callable, x: Any) -> Any:
    """``fn(g, x)`` computed as torch computes a unary float op: float32/float64 as they are,
    float16/bfloat16 in float32 and cast back, integers and bool in float32 (a float32 result);
    0-d through :func:`rank1`."""
    zero_d = g.rank(x) == 0  # before the Cast, which hides the rank from the dynamo exporter
    x, back = promote_to_float(g, x)
    return cast_back(g, rank1(g, fn, x, zero_d=zero_d), back)


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


def trunc(g: Builder, x: Any) -> Any:
    """x rounded toward zero: Sign(x) * Floor(|x|) (ONNX has no Trunc); exact, ±inf and NaN kept."""
    return g.op("Mul", g.op("Sign", x), g.op("Floor", g.op("Abs", x)))


def logaddexp(log_base: float | None) -> Callable:
    """``fn(g, a, b)``: log(exp(a) + exp(b)) (None) or its base-2 form (``log_base`` ln 2), as
    max(a, b) + log1p(exp(-|a - b|)): no overflow; equal infinities give a, NaN gives NaN."""

    def fn(g: Builder, a: Any, b: Any) -> Any:
        m = g.op("Max", a, b)
        d = g.op("Neg", g.op("Abs", g.op("Sub", a, b)))
        if log_base is None:
            tail = log1p(g, g.op("Exp", d))
        else:
            tail = g.op("Div", log1p(g, g.op("Pow", c(g, 2.0, d), d)), c(g, log_base, d))
        y = g.op("Add", m, tail)
        same_inf = g.op("And", eq(g, a, b), g.op("Or", is_posinf(g, a), is_neginf(g, a)))  # a - b is NaN there
        y = g.op("Where", same_inf, a, y)
        return g.op("Where", g.op("Or", g.op("IsNaN", a), g.op("IsNaN", b)), g.op("Add", a, b), y)

    return fn


def floor_divide_int(g: Builder, a: Any, b: Any) -> Any:
    """torch's floor division of integers: the truncated quotient (``Div``), one less where the
    remainder is nonzero and its sign differs from the divisor's."""
    zero = g.op("Sub", b, b)
    q = g.op("Div", a, b)
    r = g.op("Sub", a, g.op("Mul", q, b))
    signs_differ = g.op("Xor", g.op("Less", r, zero), g.op("Less", b, zero))
    adjust = g.op("And", g.op("Not", g.op("Equal", r, zero)), signs_differ)
    one = g.constant(np.ones((), dtype=dtypes.numpy_dtype(g.dtype(a) or torch.int64)))  # 0-d: keeps a 0-d rank
    return g.op("Where", adjust, g.op("Sub", q, one), q)


def floor_divide_float(g: Builder, a: Any, b: Any) -> Any:
    """torch's ``div_floor_floating``: (a - fmod(a, b)) / b, corrected by one where fmod's sign is
    not b's, then floored and rounded to the nearest integer quotient; a / b where b is 0.

    fmod is ``Mod(fmod=1)`` from opset 10, a - b * trunc(a / b) at opset 9 (no ``Mod``; it can
    differ in the last bit).
    """
    quotient = g.op("Div", a, b)
    zero = c(g, 0.0, a)
    if g.opset >= 10:
        mod = g.op("Mod", a, b, fmod=1)
    else:
        mod = g.op("Sub", a, g.op("Mul", b, trunc(g, quotient)))
        mod = g.op("Where", g.op("Or", is_posinf(g, b), is_neginf(g, b)), a, mod)  # fmod(a, ±inf) = a
    div = g.op("Div", g.op("Sub", a, mod), b)
    wrong_sign = g.op("Xor", g.op("Less", b, zero), g.op("Less", mod, zero))
    fix = g.op("And", g.op("Not", eq(g, mod, zero)), wrong_sign)
    div = g.op("Where", fix, g.op("Sub", div, c(g, 1.0, a)), div)
    floor = g.op("Floor", div)
    round_up = g.op("Greater", g.op("Sub", div, floor), c(g, 0.5, a))
    floor = g.op("Where", round_up, g.op("Add", floor, c(g, 1.0, a)), floor)
    return g.op("Where", eq(g, b, zero), quotient, floor)
