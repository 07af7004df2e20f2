"""Reductions: sum, mean, min/max, arg-reductions, logsumexp, norms, the masked.* reductions.

torch 2.14's TorchScript rules of the ONNX ``Reduce*``/``ArgMax``/``ArgMin`` ops pass a
0-d input ``axes=[0]``, which ORT refuses (torch allows ``dim`` 0 and -1 on a 0-d tensor:
the reduction is the element itself); its ``all``/``any`` rules feed ``Not`` a float
tensor or give wrong numbers; its ``var``/``std`` rules do not give NaN where torch
divides by ``N - correction <= 0``. The dynamo exporter refuses ``amax``/``amin``/
``aminmax`` without ``dim`` and reduces 0-d inputs along axis 0 in ``all``/``any``.
The shared lowering :func:`reduce` handles rank 0, ``dim=None`` and ``dim=()`` (every
dim), keepdim and the opsets where ``axes`` moved from an attribute to an input
(13 for ``ReduceSum``, 18 for the others).
Rules are in alphabetical order of their op.
"""

from __future__ import annotations

from typing import Optional

import numpy as np
import torch

from symreg.builder import Builder
from symreg.dtypes import onnx_type
from symreg.ops._helpers import cast, constant_like
from symreg.registry import op

#: torch's ScalarType enum (what a ``dtype=`` argument arrives as under TorchScript).
_SCALAR_TYPES = (
    torch.uint8,
    torch.int8,
    torch.int16,
    torch.int32,
    torch.int64,
    torch.float16,
    torch.float32,
    torch.float64,
    torch.complex32,
    torch.complex64,
    torch.complex128,
    torch.bool,
    torch.qint8,
    torch.quint8,
    torch.qint32,
    torch.bfloat16,
)
_NARROW_INTS = (torch.bool, torch.uint8, torch.int8, torch.int16, torch.int32)


def scalar_type_dtype(value) -> torch.dtype | None:
    """The torch dtype of a ``ScalarType`` argument (an enum int, or a dtype under dynamo)."""
    if value is None or isinstance(value, torch.dtype):
        return value
    return _SCALAR_TYPES[value]


def axes_of(g: Builder, x, dim) -> list[int] | None:
    """``dim`` (an int, a list, None or ``()``) as sorted non-negative axes; None: every axis."""
    if dim is None:
        return None
    dims = [dim] if isinstance(dim, int) else list(dim)
    if not dims:
        return None
    rank = g.rank(x)
    return sorted(d % rank for d in dims) if rank else dims


def reduce(g: Builder, op_type: str, x, dim, keepdim: bool, source=None):
    """``op_type`` (a ``Reduce*`` op) of ``x`` over ``dim`` (None or empty: every dim).

    A 0-d ``x`` is returned as it is (``Identity``): its reduction over dim 0 or -1, or
    over every dim, is its element. Callers map the element first where the op is not
    the identity on one element (``ReduceL2``: ``Abs``). ``source``: the tensor ``x`` was
    computed from elementwise, whose rank the exporter knows (the dynamo exporter may not
    know the rank of a rule's intermediate values).
    """
    source = x if source is None else source
    if g.rank(source) == 0:
        return g.op("Identity", x)
    axes = axes_of(g, source, dim)
    keepdims = int(bool(keepdim))
    if axes is None:
        return g.op(op_type, x, keepdims=keepdims)
    if g.opset >= (13 if op_type == "ReduceSum" else 18):
        return g.op(op_type, x, g.constant(np.asarray(axes, dtype=np.int64)), keepdims=keepdims)
    return g.op(op_type, x, axes=axes, keepdims=keepdims)


def _count(g: Builder, x, dim, like):
    """How many elements each reduction over ``dim`` reads, in ``like``'s dtype (shape [1])."""
    if g.rank(x) == 0:
        return constant_like(g, [1.0], like)
    shape = g.op("Shape", x)
    axes = axes_of(g, x, dim)
    if axes is not None:
        shape = g.op("Gather", shape, g.constant(np.asarray(axes, dtype=np.int64)), axis=0)
    count = g.op("ReduceProd", shape, keepdims=1)
    return g.op("CastLike", count, like) if g.opset >= 15 else cast(g, count, g.dtype(like) or torch.float32)


def _per_element(g: Builder, total, x, dim, keepdim: bool, correction: float = 0.0, finish=None):
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
        y = g.op("Reshape", y, g.constant(np.zeros(0, dtype=np.int64)))
    return y


def _mean_in(g: Builder, x, dim, keepdim: bool, source=None):
    """Mean of ``x`` (a float32/float64 tensor) over ``dim``: ``ReduceSum`` / N (NaN on empty inputs).

    ORT's ``ReduceMean`` gives 0, not NaN, over an empty axis.
    """
    source = x if source is None else source
    return _per_element(g, reduce(g, "ReduceSum", x, dim, keepdim, source=source), source, dim, keepdim)


def _sum_dtype(g: Builder, x, dtype) -> torch.dtype | None:
    wanted = scalar_type_dtype(dtype)
    if wanted is not None:
        return wanted
    known = g.dtype(x)
    if known is not None and not known.is_floating_point and not known.is_complex:
        return torch.int64  # torch sums bool and integer tensors in int64
    return known


def _to(g: Builder, x, dtype: torch.dtype | None):
    return x if dtype is None or g.dtype(x) == dtype else cast(g, x, dtype)


def _compute_type(dtype: torch.dtype | None) -> torch.dtype | None:
    if dtype in (torch.float16, torch.bfloat16):
        return torch.float32
    if dtype in _NARROW_INTS:
        return torch.int64
    return dtype


def _typed_reduce(g: Builder, op_type: str, x, dim, keepdim: bool, out: torch.dtype | None):
    compute = _compute_type(out)
    y = reduce(g, op_type, _to(g, x, compute), dim, keepdim, source=x)
    return _to(g, y, out)


# --- all / any ------------------------------------------------------------------------------
#
# The TorchScript exporter does not tell a traced node's overload apart (its schema is lost),
# so one rule per op takes the widest signature: all(x), all.dim(x, int dim, keepdim) and
# all.dims(x, int[]? dim, keepdim) all fit (x, dim, keepdim); an int dim arrives as [dim].


def _truth(g: Builder, x):
    return x if g.dtype(x) == torch.bool else cast(g, x, torch.bool)  # NaN is true, as in torch


def _truth_count(g: Builder, x, dim, keepdim: bool, negate: bool):
    truth = _truth(g, x)
    if negate:
        truth = g.op("Not", truth)
    return reduce(g, "ReduceSum", cast(g, truth, torch.int64), dim, keepdim, source=x)


@op("aten::all", opset=9)
def aten_all(g: Builder, x, dim: Optional[list[int]] = None, keepdim: bool = False):
    """No element is false: ``ReduceSum`` of ``Not(Cast(x, bool))`` in int64 is 0 (true on empty inputs).

    ``dim`` None: every dim; ``dim=()`` reduces nothing (``x`` as bool, as torch); a 0-d input
    reduces to itself (as a bool).
    """
    if dim is not None and not dim:
        return g.op("Identity", _truth(g, x))
    return g.op("Not", cast(g, _truth_count(g, x, dim, keepdim, negate=True), torch.bool))


# --- amax / amin / aminmax ------------------------------------------------------------------


@op("aten::amax", opset=9)
def aten_amax(g: Builder, x, dim: list[int] = (), keepdim: bool = False):
    """``ReduceMax`` over ``dim`` (empty: every dim; 0-d: the element); narrow ints computed in int64."""
    return _typed_reduce(g, "ReduceMax", x, dim, keepdim, g.dtype(x))


@op("aten::amin", opset=9)
def aten_amin(g: Builder, x, dim: list[int] = (), keepdim: bool = False):
    """``ReduceMin`` over ``dim`` (empty: every dim; 0-d: the element); narrow ints computed in int64."""
    return _typed_reduce(g, "ReduceMin", x, dim, keepdim, g.dtype(x))


@op("aten::aminmax", opset=9)
def aten_aminmax(g: Builder, x, dim: Optional[int] = None, keepdim: bool = False):
    """(``ReduceMin``, ``ReduceMax``) over ``dim`` (None: every dim, kept as size-1 dims when keepdim)."""
    out = g.dtype(x)
    lo = _typed_reduce(g, "ReduceMin", x, dim, keepdim, out)
    hi = _typed_reduce(g, "ReduceMax", x, dim, keepdim, out)
    return lo, hi


@op("aten::any", opset=9)
def aten_any(g: Builder, x, dim: Optional[list[int]] = None, keepdim: bool = False):
    """Some element is true: ``ReduceSum`` of ``Cast(x, bool)`` in int64 is not 0 (false on empty inputs).

    ``dim`` None: every dim; ``dim=()`` reduces nothing (``x`` as bool, as torch); a 0-d input
    reduces to itself (as a bool).
    """
    if dim is not None and not dim:
        return g.op("Identity", _truth(g, x))
    return cast(g, _truth_count(g, x, dim, keepdim, negate=False), torch.bool)


# --- argmax / argmin -----------------------------------------------------------------------


def _arg(g: Builder, op_type: str, x, dim: int | None, keepdim: bool):
    rank = g.rank(x)
    compute = _compute_type(g.dtype(x))
    x = _to(g, x, compute)
    if rank == 0:  # index 0, from x: the exporter folds anything computed from a static shape
        return g.op(op_type, g.op("Reshape", x, g.constant([1])), axis=0, keepdims=0)
    if dim is None:
        index = g.op(op_type, g.op("Reshape", x, g.constant([-1])), axis=0, keepdims=0)
        if keepdim:
            return g.op("Reshape", index, g.constant(np.ones(rank, dtype=np.int64)))
        return index
    return g.op(op_type, x, axis=dim % rank if rank else dim, keepdims=int(keepdim))


@op("aten::argmax", opset=9, exporters=("torchscript",))
def aten_argmax(g: Builder, x, dim: Optional[int] = None, keepdim: bool = False):
    """``ArgMax`` (first index of the maximum); dim None flattens; a 0-d input gives index 0."""
    return _arg(g, "ArgMax", x, dim, keepdim)


@op("aten::argmin", opset=9, exporters=("torchscript",))
def aten_argmin(g: Builder, x, dim: Optional[int] = None, keepdim: bool = False):
    """``ArgMin`` (first index of the minimum); dim None flattens; a 0-d input gives index 0."""
    return _arg(g, "ArgMin", x, dim, keepdim)


# --- count_nonzero / dist -------------------------------------------------------------------


@op("aten::count_nonzero", opset=9, exporters=("torchscript",))
def aten_count_nonzero(g: Builder, x, dim: Optional[list[int]] = None):
    """``ReduceSum`` in int64 of ``Cast(x, bool)`` over ``dim`` (None or empty: every dim).

    One rule for count_nonzero(x, int? dim) and count_nonzero.dim_IntList(x, int[] dim).
    """
    return _truth_count(g, x, dim, False, negate=False)


@op("aten::dist", opset=9, exporters=("torchscript",))
def aten_dist(g: Builder, x, other, p: float = 2.0):
    """The p-norm of ``x - other`` (broadcast) over every element: ``ReduceL2`` for p=2,
    ``ReduceL1`` for 1, max/min of ``|d|`` for ±inf, the count of nonzeros for 0, else
    ``ReduceSum(|d|^p)^(1/p)``."""
    x, other = (g.op("Reshape", v, g.constant([1])) if g.rank(v) == 0 else v for v in (x, other))
    d = g.op("Sub", x, other)  # at rank >= 1: TorchScript computes 0-d float64 arithmetic in float32
    a = g.op("Abs", d)
    if p == 2.0:
        return g.op("ReduceL2", d, keepdims=0)
    if p == 1.0:
        return g.op("ReduceL1", d, keepdims=0)
    if p == float("inf"):
        return g.op("ReduceMax", a, keepdims=0)
    if p == float("-inf"):
        return g.op("ReduceMin", a, keepdims=0)
    if p == 0.0:
        return cast(g, g.op("ReduceSum", cast(g, cast(g, d, torch.bool), torch.int64), keepdims=0), g.dtype(d))
    total = g.op("ReduceSum", g.op("Pow", a, constant_like(g, [p], a)), keepdims=1)
    y = g.op("Pow", g.op("Reshape", total, g.constant([1])), constant_like(g, [1.0 / p], a))
    return g.op("Reshape", y, g.constant(np.zeros(0, dtype=np.int64)))


# --- logsumexp ------------------------------------------------------------------------------


@op("aten::logsumexp", opset=9, exporters=("torchscript",))
def aten_logsumexp(g: Builder, x, dim: list[int], keepdim: bool = False):
    """``ReduceLogSumExp`` over ``dim`` (empty: every dim); a 0-d input is its own logsumexp.

    Integer inputs are computed in float32, as torch promotes them.
    """
    source = x
    dtype = g.dtype(x)
    if dtype is not None and not dtype.is_floating_point:
        x = cast(g, x, torch.float32)
    return reduce(g, "ReduceLogSumExp", x, dim, keepdim, source=source)


# --- mean ---------------------------------------------------------------------------------


@op("aten::mean", opset=9, exporters=("torchscript",))
def aten_mean(
    g: Builder, x, dim: Optional[list[int]] = None, keepdim: Optional[bool] = None, dtype: Optional[int] = None
):
    """``ReduceSum`` / N over ``dim`` (None or empty: every dim; 0-d: the element), in ``dtype`` if
    given; NaN over empty inputs, where ORT's ``ReduceMean`` gives 0.

    One rule for mean(x, dtype) and mean.dim(x, dim, keepdim, dtype): the first passes no
    keepdim, and its dtype arrives in ``dim``.
    """
    if keepdim is None:
        dim, keepdim, dtype = None, False, (dim[0] if dim else None)
    out = scalar_type_dtype(dtype) or g.dtype(x)
    compute = _compute_type(out)
    return _to(g, _mean_in(g, _to(g, x, compute), dim, keepdim, source=x), out)


# --- nanmean / nansum ----------------------------------------------------------------------


def _nan_to_zero(g: Builder, x, dtype: torch.dtype | None):
    if dtype is not None and not dtype.is_floating_point:
        return x
    return g.op("Where", g.op("IsNaN", x), constant_like(g, [0.0], x), x)


def _nan_reduction_args(g: Builder, x, dim, keepdim: bool):
    if g.rank(x) == 0:  # a 1-element vector: Where would broadcast a 0-d x to shape [1]
        return g.op("Reshape", x, g.constant([1])), [0], False
    return x, dim, keepdim


@op("aten::nanmean", opset=9, exporters=("torchscript",))
def aten_nanmean(
    g: Builder, x, dim: Optional[list[int]] = None, keepdim: bool = False, dtype: Optional[int] = None
):
    """Sum of the non-NaN elements / their count over ``dim`` (None or empty: every dim);
    NaN where all are NaN or none are there, as torch."""
    out = scalar_type_dtype(dtype) or g.dtype(x)
    x = _to(g, x, _compute_type(out))
    x, dim, keepdim = _nan_reduction_args(g, x, dim, keepdim)
    total = reduce(g, "ReduceSum", _nan_to_zero(g, x, _compute_type(out)), dim, True)
    count = reduce(g, "ReduceSum", cast(g, g.op("Not", g.op("IsNaN", x)), torch.int64), dim, True, source=x)
    y = g.op("Div", total, g.op("CastLike", count, total) if g.opset >= 15 else cast(g, count, g.dtype(total)))
    if not keepdim:  # divided at the input's rank: TorchScript computes 0-d float64 in float32
        axes = axes_of(g, x, dim) or list(range(g.rank(x)))
        if g.opset >= 13:
            y = g.op("Squeeze", y, g.constant(np.asarray(axes, dtype=np.int64)))
        else:
            y = g.op("Squeeze", y, axes=axes)
    return _to(g, y, out)


@op("aten::nansum", opset=9, exporters=("torchscript",))
def aten_nansum(g: Builder, x, dim: Optional[list[int]] = None, keepdim: bool = False, dtype: Optional[int] = None):
    """``ReduceSum`` over ``dim`` (None or empty: every dim) with NaN read as 0; bool/integer
    inputs sum in int64."""
    return _nansum(g, x, dim, keepdim, dtype)


def _nansum(g: Builder, x, dim, keepdim: bool, dtype):
    out = _sum_dtype(g, x, dtype)
    x = _to(g, x, _compute_type(out))
    x, dim, keepdim = _nan_reduction_args(g, x, dim, keepdim)
    return _to(g, reduce(g, "ReduceSum", _nan_to_zero(g, x, _compute_type(out)), dim, keepdim, source=x), out)


# --- prod -----------------------------------------------------------------------------------


@op("aten::prod", opset=9, exporters=("torchscript",))
def aten_prod(g: Builder, x, dim: Optional[int] = None, keepdim: Optional[bool] = None, dtype: Optional[int] = None):
    """``ReduceProd`` over ``dim`` or every dim (bool/integer inputs in int64); 0-d: the element.

    One rule for prod(x, dtype) and prod.dim_int(x, dim, keepdim, dtype): the first passes
    no keepdim, and its dtype arrives in ``dim``.
    """
    return _prod(g, x, dim, keepdim, dtype)


def _prod(g: Builder, x, dim, keepdim, dtype):
    if keepdim is None:
        dim, keepdim, dtype = None, False, dim
    return _typed_reduce(g, "ReduceProd", x, None if dim is None else [dim], keepdim, _sum_dtype(g, x, dtype))


# --- sum ------------------------------------------------------------------------------------


@op("aten::sum", opset=9, exporters=("torchscript",))
def aten_sum(
    g: Builder, x, dim: Optional[list[int]] = None, keepdim: Optional[bool] = None, dtype: Optional[int] = None
):
    """``ReduceSum`` over ``dim`` (None or empty: every dim; 0-d: the element); bool/integer
    inputs sum in int64, as torch does.

    One rule for sum(x, dtype) and sum.dim_IntList(x, dim, keepdim, dtype): the first passes
    no keepdim, and its dtype arrives in ``dim``.
    """
    if keepdim is None:
        dim, keepdim, dtype = None, False, (dim[0] if dim else None)
    return _typed_reduce(g, "ReduceSum", x, dim, keepdim, _sum_dtype(g, x, dtype))


# --- trace ----------------------------------------------------------------------------------


@op("aten::trace", opset=9, exporters=("torchscript",))
def aten_trace(g: Builder, x):
    """``ReduceSum`` of the main diagonal of a 2-d ``x``, picked by ``Where`` with an ``EyeLike``
    mask (inf/NaN off the diagonal do not leak); bool/integer inputs sum in int64."""
    out = _sum_dtype(g, x, None)
    x = _to(g, x, _compute_type(out))
    eye = cast(g, g.op("EyeLike", x, dtype=onnx_type(torch.int64)), torch.bool)
    zero = constant_like(g, [0.0], x)
    return _to(g, g.op("ReduceSum", g.op("Where", eye, x, zero), keepdims=0), out)


# --- var / std ------------------------------------------------------------------------------


def _moments(g: Builder, x, dim, correction: float, keepdim: bool, finish=None):
    """(variance, mean) over ``dim``: sum of squared deviations / max(N - correction, 0), as torch."""
    if g.rank(x) == 0:  # as a 1-element vector: TorchScript computes 0-d float64 arithmetic in float32
        moments = _moments(g, g.op("Reshape", x, g.constant([1])), [0], correction, True, finish)
        return tuple(g.op("Reshape", m, g.constant(np.zeros(0, dtype=np.int64))) for m in moments)
    mean = _mean_in(g, x, dim, True)
    deviation = g.op("Sub", x, mean)
    squares = reduce(g, "ReduceSum", g.op("Mul", deviation, deviation), dim, keepdim, source=x)
    variance = _per_element(g, squares, x, dim, keepdim, correction, finish)
    return variance, (mean if keepdim else _mean_in(g, x, dim, False))


def _variance_rule(name: str, finish, outputs):
    def rule(
        g: Builder,
        x,
        dim: Optional[list[int]] = None,
        correction: Optional[float] = None,
        keepdim: Optional[bool] = None,
    ):
        if keepdim is None:  # name(x, unbiased): the flag arrives in dim
            dim, correction, keepdim = None, float(dim[0]) if dim else 1.0, False
        return outputs(*_moments(g, x, dim, 1.0 if correction is None else correction, keepdim, finish))

    rule.__doc__ = (
        "Sum of squared deviations from the mean over ``dim`` (None or empty: every dim) divided "
        "by ``Max(N - correction, 0)`` (NaN or inf where torch gives them), ``Sqrt`` for std.\n\n"
        "One rule for the op's overloads (x, unbiased), .dim (x, dim, unbiased, keepdim) and "
        ".correction (x, dim, correction, keepdim): unbiased is correction 1 or 0."
    )
    rule.__qualname__ = rule.__name__ = f"aten_{name}"
    return op(f"aten::{name}", opset=9)(rule)


aten_std = _variance_rule("std", "Sqrt", lambda std, mean: std)
aten_std_mean = _variance_rule("std_mean", "Sqrt", lambda std, mean: (std, mean))
aten_var = _variance_rule("var", None, lambda var, mean: var)
aten_var_mean = _variance_rule("var_mean", None, lambda var, mean: (var, mean))
