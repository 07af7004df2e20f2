"""Building blocks of the reduction rules (symreg/ops/reductions.py): torch's ``dim`` and 0-d
inputs, the dtypes ORT reduces in, NaN-propagating max/min, counts, means, moments and norms.

- :func:`reduce_dims` takes torch's ``dim`` (an int, a list, None or ``()`` for every dim) and
  0-d inputs (their own reduction) to :func:`symreg.ops._helpers.reduce`.
- :func:`extreme` and :func:`arg_extreme` propagate NaN as torch does: ORT's ``ReduceMax``/
  ``ArgMax`` (and the Min ones) skip a NaN unless it comes first.
- Arithmetic on reductions is done with the reduced dims kept, at the input's rank, and the
  dims dropped after (:func:`squeezed`): the TorchScript exporter computes 0-d float64
  arithmetic in float32, and 1-element constants would give a 0-d result a dim.
- The dynamo exporter may know neither the rank nor the dtype of a rule's intermediate values
  (a ``Cast``'s output, a ``Reshape``'s): functions that cast first read them from ``source``,
  the tensor the value was computed from elementwise.
"""

from __future__ import annotations

import math

import torch

from symreg.builder import Builder
from symreg.ops._helpers import cast, constant_like, ints, normalize_dim, reduce, squeeze, to_0d, to_1d
from symreg.ops._math_elementwise import to

_NARROW_INTS = (torch.bool, torch.uint8, torch.int8, torch.int16, torch.int32)


def axes_of(g: Builder, x, dim) -> list[int] | None:
    """``dim`` (an int, a list, None or ``()``) as sorted non-negative axes of ``x``; None: every axis."""
    if dim is None:
        return None
    dims = [dim] if isinstance(dim, int) else list(dim)
    if not dims:
        return None
    rank = g.rank(x)
    return sorted(normalize_dim(d, rank) for d in dims) if rank else dims


def reduce_dims(g: Builder, op_type: str, x, dim, keepdim: bool, source=None):
    """``op_type`` (a ``Reduce*`` op) of ``x`` over torch's ``dim`` (None or empty: every dim).

    A 0-d ``x`` is returned as it is (``Identity``): its reduction over dim 0 or -1, or
    over every dim, is its element. Callers map the element first where the op is not
    the identity on one element (``ReduceL2``: ``Abs``). ``source``: the tensor ``x`` was
    computed from elementwise, whose rank the exporter knows (the dynamo exporter may not
    know the rank of a rule's intermediate values).
    """
    source = x if source is None else source
    if g.rank(source) == 0:
        return g.op("Identity", x)
    return reduce(g, op_type, x, axes_of(g, source, dim), bool(keepdim))


def squeezed(g: Builder, y, x, dim, keepdim: bool):
    """``y``, a reduction of ``x`` over ``dim`` with kept dims, without them unless ``keepdim``."""
    return y if keepdim else squeeze(g, y, axes_of(g, x, dim) or list(range(g.rank(x))))


def is_float(g: Builder, x) -> bool:
    """Whether ``x`` is a float tensor (unknown dtypes count as float)."""
    return (g.dtype(x) or torch.float32).is_floating_point


def compute_type(dtype: torch.dtype | None) -> torch.dtype | None:
    """The dtype ORT reduces ``dtype`` in: float32 for float16/bfloat16, int64 for bool and narrow ints."""
    if dtype in (torch.float16, torch.bfloat16):
        return torch.float32
    if dtype in _NARROW_INTS:
        return torch.int64
    return dtype


def typed_reduce(g: Builder, op_type: str, x, dim, keepdim: bool, out: torch.dtype | None):
    """``op_type`` over ``dim`` computed in :func:`compute_type` of ``out``, the result in ``out``."""
    y = reduce_dims(g, op_type, to(g, x, compute_type(out)), dim, keepdim, source=x)
    return to(g, y, out)


def sum_dtype(g: Builder, x, wanted: torch.dtype | None) -> torch.dtype | None:
    """torch's result dtype of a sum or product: ``wanted``, else int64 for bool/integers, else x's."""
    if wanted is not None:
        return wanted
    known = g.dtype(x)
    if known is not None and not known.is_floating_point and not known.is_complex:
        return torch.int64
    return known


def _count(g: Builder, x, dim, like):
    """How many elements each reduction over ``dim`` reads, in ``like``'s dtype (shape [1])."""
    if g.rank(x) == 0:
        return constant_like(g, [1.0], like)
    shape = g.op("Shape", x)
    axes = axes_of(g, x, dim)
    if axes is not None:
        shape = g.op("Gather", shape, ints(g, axes), axis=0)
    count = g.op("ReduceProd", shape, keepdims=1)
    return g.op("CastLike", count, like) if g.opset >= 15 else cast(g, count, g.dtype(like) or torch.float32)


def per_element(g: Builder, total, x, dim, keepdim: bool, correction: float = 0.0, finish=None):
    """``total`` (a reduction of ``x`` over ``dim``) / max(N - correction, 0): NaN for 0/0, as torch.

    Computed at rank >= 1 (the TorchScript exporter computes 0-d float64 arithmetic in
    float32), then ``finish`` (``Sqrt`` for std) is applied and the result viewed as 0-d
    where the reduction is.
    """
    divisor = _count(g, x, dim, total)
    if correction:
        divisor = g.op("Sub", divisor, constant_like(g, [correction], total))
        divisor = g.op("Max", divisor, constant_like(g, [0.0], total))
    y = g.op("Div", total, divisor)
    if finish is not None:
        y = g.op(finish, y)
    axes = axes_of(g, x, dim)
    rank = g.rank(x)
    if rank == 0 or (not keepdim and (axes is None or len(axes) == rank)):
        y = to_0d(g, y)
    return y


def mean_in(g: Builder, x, dim, keepdim: bool, source=None):
    """Mean of ``x`` (a float32/float64 tensor) over ``dim``: ``ReduceSum`` / N (NaN on empty inputs).

    ORT's ``ReduceMean`` gives 0, not NaN, over an empty axis.
    """
    source = x if source is None else source
    return per_element(g, reduce_dims(g, "ReduceSum", x, dim, keepdim, source=source), source, dim, keepdim)


# --- NaN-propagating max/min ------------------------------------------------------------------


def _nan_flags(g: Builder, x, dtype: torch.dtype):
    """1 where ``x`` (of float ``dtype``) is NaN, else 0, in ``dtype`` (Reduce*/ArgMax take no bool)."""
    return cast(g, g.op("IsNaN", x), dtype)


def extreme(g: Builder, op_type: str, x, dim, keepdim: bool, source=None):
    """``ReduceMax``/``ReduceMin`` (``op_type``) of ``x`` over torch's ``dim`` in x's dtype, NaN where a
    reduced element is NaN, as torch's amax/amin/max/min (ORT skips a NaN unless it comes first).

    Narrow integers and bool are reduced in int64, float16/bfloat16 in float32. A 0-d ``x`` is
    its own extreme. The NaN test is done at x's rank, then the reduced dims are dropped. Rank
    and dtype are read from ``source`` (default: ``x``; see the module docstring).
    """
    source = x if source is None else source
    out, compute = g.dtype(source), compute_type(g.dtype(source))
    xc = to(g, x, compute)
    if g.rank(source) == 0 or not is_float(g, source):
        return to(g, reduce_dims(g, op_type, xc, dim, keepdim, source=source), out)
    y = reduce_dims(g, op_type, xc, dim, True, source=source)
    has_nan = reduce_dims(g, "ReduceMax", _nan_flags(g, xc, compute or torch.float32), dim, True, source=source)
    y = g.op("Where", cast(g, has_nan, torch.bool), constant_like(g, [math.nan], y), y)
    return to(g, squeezed(g, y, source, dim, keepdim), out)


def arg_extreme(g: Builder, op_type: str, x, dim: int | None, keepdim: bool):
    """``ArgMax``/``ArgMin`` (``op_type``, the first index of the extreme) of ``x`` along ``dim``,
    the index of the first NaN where there is one, as torch (ORT skips a NaN unless it comes first).

    ``dim`` None flattens ``x`` (keepdim: every dim kept, of size 1); a 0-d ``x`` gives index 0.
    """
    rank, floating, compute = g.rank(x), is_float(g, x), compute_type(g.dtype(x))
    x = to(g, x, compute)
    if rank == 0:  # index 0, from x: the exporter folds anything computed from a static shape
        return g.op(op_type, to_1d(g, x), axis=0, keepdims=0)
    flat = dim is None
    if flat:
        x, axis, kept = g.op("Reshape", x, ints(g, [-1])), 0, False
    else:
        axis, kept = normalize_dim(dim, rank) if rank else dim, bool(keepdim)
    index = g.op(op_type, x, axis=axis, keepdims=int(kept))
    if floating:
        flags = _nan_flags(g, x, compute or torch.float32)
        has_nan = cast(g, reduce(g, "ReduceMax", flags, [axis], kept), torch.bool)
        index = g.op("Where", has_nan, g.op("ArgMax", flags, axis=axis, keepdims=int(kept)), index)
    if flat and keepdim:
        return g.op("Reshape", index, ints(g, [1] * rank))
    return index


def nan_to_zero(g: Builder, x, dtype: torch.dtype | None):
    """``x`` (of ``dtype``) with NaN made 0 (integers as they are)."""
    if dtype is not None and not dtype.is_floating_point:
        return x
    return g.op("Where", g.op("IsNaN", x), constant_like(g, [0.0], x), x)


def moments(g: Builder, x, dim, correction: float, keepdim: bool, finish=None):
    """(variance, mean) over ``dim``: sum of squared deviations / max(N - correction, 0), as torch."""
    if g.rank(x) == 0:  # as a 1-element vector: TorchScript computes 0-d float64 arithmetic in float32
        return tuple(to_0d(g, m) for m in moments(g, to_1d(g, x), [0], correction, True, finish))
    mean = mean_in(g, x, dim, True)
    deviation = g.op("Sub", x, mean)
    squares = reduce_dims(g, "ReduceSum", g.op("Mul", deviation, deviation), dim, keepdim, source=x)
    variance = per_element(g, squares, x, dim, keepdim, correction, finish)
    return variance, (mean if keepdim else mean_in(g, x, dim, False))


def vector_norm(g: Builder, x, p: float, dim, keepdim: bool, source=None):
    """``torch.linalg.vector_norm(x, p, dim, keepdim)`` of a float32/float64 ``x`` over torch's ``dim``
    (None or empty: every dim): p = 0 counts non-zeros (NaN included), ±inf is the max/min of |x|
    with NaN propagated, 2 is Sqrt(ReduceSum(x * x)), else (sum |x|^p)^(1/p). A 0-d ``x`` is its
    own norm's argument (computed on shape [1]). Rank and dtype are read from ``source``
    (default: ``x``; see the module docstring)."""
    source = x if source is None else source
    if g.rank(source) == 0:
        return to_0d(g, vector_norm(g, to_1d(g, x), p, None, True, source=to_1d(g, source)))
    a = g.op("Abs", x)
    dtype = compute_type(g.dtype(source)) or torch.float32
    if p == 0:
        nonzero = g.op("Or", g.op("Greater", a, constant_like(g, [0.0], x)), g.op("IsNaN", a))
        y = reduce_dims(g, "ReduceSum", cast(g, nonzero, dtype), dim, True, source=source)
    elif p in (math.inf, -math.inf):
        y = extreme(g, "ReduceMax" if p > 0 else "ReduceMin", a, dim, True, source=source)
    elif p == 1:
        y = reduce_dims(g, "ReduceSum", a, dim, True, source=source)
    elif p == 2:
        y = g.op("Sqrt", reduce_dims(g, "ReduceSum", g.op("Mul", x, x), dim, True, source=source))
    else:
        powered = reduce_dims(g, "ReduceSum", g.op("Pow", a, constant_like(g, [p], x)), dim, True, source=source)
        y = g.op("Pow", powered, constant_like(g, [1.0 / p], x))
    return squeezed(g, y, source, dim, keepdim)
