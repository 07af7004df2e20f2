"""torch's ``quantile`` and ``nanquantile`` for the rules of symreg/ops/sorting.py, step by step as
aten/src/ATen/native/Sorting.cpp (``quantile_compute``) computes them.

Sort along the dim (a full-length ``TopK``: NaN last), compute each quantile's rank in the input's
dtype (``q * (n - 1)``, or ``q * (non-NaN count - 1)`` for ``nanquantile``), adjust it by the
interpolation mode, gather the values at the ranks below and above, and blend them with torch's
``lerp`` formula. Every step is torch's own arithmetic in the same dtype: values are the
elements themselves (``lower``, ``higher``, ``nearest``) or torch's ``lerp`` (``linear``,
``midpoint``), which its vectorised CPU kernel evaluates with a fused multiply-add: within an
ulp of the blend's larger term.
"""

from __future__ import annotations

from typing import Any, Optional

import torch

from symreg.builder import Builder
from symreg.errors import ExportError
from symreg.ops._helpers import (
    cast,
    constant_like,
    dim,
    ints,
    normalize_dim,
    rank_of,
    reduce,
    squeeze,
    to_1d,
    unsqueeze,
)
from symreg.ops._sorting_topk import topk

_MODES = ("linear", "lower", "higher", "midpoint", "nearest")


def _q_vector(g: Builder, q: Any, like: Any) -> tuple[Any, bool]:
    """``q`` as a 1-d value in ``like``'s dtype (torch converts a float ``q`` to the input's dtype), and
    whether ``q`` was a scalar (a Python float, or a 0-d tensor)."""
    if isinstance(q, (int, float)):
        return constant_like(g, [float(q)], like), True
    rank = g.rank(q)
    if rank is None:
        raise ExportError(f"{g.overload}: the rank of q is unknown; export with q of known rank")
    value = g.constant_value(q)
    if rank == 0 and isinstance(value, (int, float)):
        return constant_like(g, [float(value)], like), True
    dtype = g.dtype(like)
    q = g.op("Reshape", q, ints(g, [-1]))
    return (q if g.dtype(q) == dtype else cast(g, q, dtype)), rank == 0


def quantile(
    g: Builder, x: Any, q: Any, dim_: Optional[int], keepdim: bool, interpolation: str, ignore_nan: bool
) -> Any:
    """torch's ``quantile`` (``ignore_nan`` False) or ``nanquantile`` of a float ``x`` along ``dim_`` (None:
    of every element). Output: ``q``'s length (none for a scalar ``q``) then the reduced shape."""
    if interpolation not in _MODES:
        raise ValueError(f"{g.overload}: interpolation must be one of {', '.join(_MODES)}, not {interpolation!r}")
    dtype, rank = g.dtype(x), rank_of(g, x)
    if dtype is None:
        raise ExportError(f"{g.overload}: the input's dtype is unknown; export with an input of known dtype")
    flat = dim_ is None
    if flat:
        xs, axis = g.op("Reshape", x, ints(g, [-1])), 0
    elif rank == 0:
        xs, axis = to_1d(g, x), 0
    else:
        xs, axis = x, normalize_dim(dim_, rank)
    r = 1 if flat or rank == 0 else rank
    n = dim(g, xs, axis)
    values = topk(g, xs, n, axis, largest=False, dtype=dtype)[0]
    qv, scalar_q = _q_vector(g, q, x)
    # every value below gets a leading dim for the quantiles: ranks are [m, kept shape]
    qv = g.op("Reshape", qv, ints(g, [-1] + [1] * r))
    nans = unsqueeze(g, reduce(g, "ReduceSum", cast(g, g.op("IsNaN", values), torch.int64), [axis], True), [0])
    zero = ints(g, [0])
    if ignore_nan:  # q * (count - 1); 0 where no element is a number (the result is then NaN)
        last = cast(g, g.op("Sub", g.op("Sub", n, nans), ints(g, [1])), dtype)
        ranks = g.op("Mul", qv, last)
        ranks = g.op("Where", g.op("Less", ranks, constant_like(g, [0.0], x)), constant_like(g, [0.0], x), ranks)
    else:  # q * (n - 1); n - 1 where the slice holds a NaN (the result is then NaN)
        last = cast(g, g.op("Sub", n, ints(g, [1])), dtype)
        ranks = g.op("Where", g.op("Greater", nans, zero), last, g.op("Mul", qv, last))
    ranks_float = ranks
    if interpolation == "nearest":
        ranks_float = g.op("Round", ranks)  # half to even, as torch's round_
    below = cast(g, ranks_float, torch.int64)  # ranks >= 0: truncation is floor
    below_float = cast(g, below, dtype)
    above = g.op("Add", below, cast(g, g.op("Greater", ranks_float, below_float), torch.int64))  # ceil
    if interpolation == "higher":
        below = above
    shape = g.op("Concat", dim(g, qv, 0), g.op("Shape", values), axis=0)
    table = g.op("Expand", unsqueeze(g, values, [0]), shape)
    y = g.op("GatherElements", table, below, axis=axis + 1)
    if interpolation in ("linear", "midpoint"):
        end = g.op("GatherElements", table, above, axis=axis + 1)
        weight = g.op("Sub", ranks, below_float) if interpolation == "linear" else constant_like(g, [0.5], x)
        y = _lerp(g, y, end, weight, x)
    if flat:
        y = g.op("Reshape", y, ints(g, [-1] + [1] * (rank if keepdim else 0)))
    elif rank == 0 or not keepdim:
        y = squeeze(g, y, [axis + 1])
    return squeeze(g, y, [0]) if scalar_q else y


def _lerp(g: Builder, start: Any, end: Any, weight: Any, like: Any) -> Any:
    """torch's ``lerp``: ``start + w * (end - start)`` for ``|w| < 0.5``, else ``end - (end - start) * (1 - w)``."""
    diff = g.op("Sub", end, start)
    low = g.op("Add", start, g.op("Mul", weight, diff))
    high = g.op("Sub", end, g.op("Mul", diff, g.op("Sub", constant_like(g, [1.0], like), weight)))
    return g.op("Where", g.op("Less", g.op("Abs", weight), constant_like(g, [0.5], like)), low, high)
