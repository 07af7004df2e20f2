"""Reductions: sum, mean, prod, min/max (with and without indices), arg-reductions, logsumexp,
norms, variance; what the masked.* reductions (``torch.masked``) decompose into.

torch 2.14's TorchScript rules of the ONNX ``Reduce*``/``ArgMax``/``ArgMin`` ops pass a
0-d input ``axes=[0]``, which ORT refuses (torch allows ``dim`` 0 and -1 on a 0-d tensor:
the reduction is the element itself); its ``all``/``any`` rules feed ``Not`` a float
tensor or give wrong numbers; its ``var``/``std`` rules do not give NaN where torch
divides by ``N - correction <= 0``. The dynamo exporter refuses ``amax``/``amin``/
``aminmax`` without ``dim`` and reduces 0-d inputs along axis 0 in ``all``/``any``/``prod``/
``linalg_vector_norm``. Both exporters' max/min lowerings lose NaN: ORT's ``ReduceMax``/
``ArgMax`` (and the Min ones) skip a NaN unless it comes first, where torch propagates it.
The building blocks (torch's ``dim``, 0-d inputs, NaN-propagating extremes, norms, moments)
are in :mod:`symreg.ops._reduction_blocks`. Rules are in alphabetical order of their op.
"""

from __future__ import annotations

from typing import Optional

import torch

from symreg.builder import Builder
from symreg.dtypes import argument_dtype, onnx_type
from symreg.ops._helpers import cast, constant_like, normalize_dim, or_default, rank_of, to_0d, to_1d
from symreg.ops._math_elementwise import to
from symreg.ops._reduction_blocks import (
    arg_extreme,
    compute_type,
    extreme,
    is_float,
    mean_in,
    moments,
    nan_to_zero,
    reduce_dims,
    squeezed,
    sum_dtype,
    typed_reduce,
    vector_norm,
)
from symreg.registry import op

# --- all / any ------------------------------------------------------------------------------
#
# One rule per op takes the widest signature: all(x), all.dim(x, int dim, keepdim) and
# all.dims(x, int[]? dim, keepdim) all fit (x, dim, keepdim); an int dim arrives as [dim].


def _truth(g: Builder, x):
    return x if g.dtype(x) == torch.bool else cast(g, x, torch.bool)  # NaN is true, as in torch


def _truth_count(g: Builder, x, dim, keepdim: bool, negate: bool):
    truth = _truth(g, x)
    if negate:
        truth = g.op("Not", truth)
    return reduce_dims(g, "ReduceSum", cast(g, truth, torch.int64), dim, keepdim, source=x)


@op("aten::all", opset=9)
def aten_all(g: Builder, x, dim: Optional[list[int]] = None, keepdim: bool = False):
    """No element is false: ``ReduceSum`` of ``Not(Cast(x, bool))`` in int64 is 0 (true on empty inputs).

    ``dim`` None: every dim; ``dim=()`` reduces nothing (``x`` as bool, as torch); a 0-d input
    reduces to itself (as a bool). Opsets 9+; both exporters (see the module docstring).
    """
    if dim is not None and not dim:
        return g.op("Identity", _truth(g, x))
    return g.op("Not", cast(g, _truth_count(g, x, dim, keepdim, negate=True), torch.bool))


# --- amax / amin / aminmax ------------------------------------------------------------------


@op("aten::amax", opset=9)
def aten_amax(g: Builder, x, dim: list[int] = (), keepdim: bool = False):
    """``ReduceMax`` over ``dim`` (empty: every dim; 0-d: the element) with NaN propagated
    (:func:`extreme`); opsets 9+, both exporters (see the module docstring)."""
    return extreme(g, "ReduceMax", x, dim, keepdim)


@op("aten::amin", opset=9)
def aten_amin(g: Builder, x, dim: list[int] = (), keepdim: bool = False):
    """``ReduceMin`` over ``dim`` (empty: every dim; 0-d: the element) with NaN propagated
    (:func:`extreme`); opsets 9+, both exporters (see the module docstring)."""
    return extreme(g, "ReduceMin", x, dim, keepdim)


@op("aten::aminmax", opset=9)
def aten_aminmax(g: Builder, x, dim: Optional[int] = None, keepdim: bool = False):
    """(``ReduceMin``, ``ReduceMax``) over ``dim`` (None: every dim, kept as size-1 dims when keepdim),
    NaN propagated (:func:`extreme`); opsets 9+, both exporters (see the module docstring)."""
    return extreme(g, "ReduceMin", x, dim, keepdim), extreme(g, "ReduceMax", x, dim, keepdim)


@op("aten::any", opset=9)
def aten_any(g: Builder, x, dim: Optional[list[int]] = None, keepdim: bool = False):
    """Some element is true: ``ReduceSum`` of ``Cast(x, bool)`` in int64 is not 0 (false on empty inputs).

    ``dim`` None: every dim; ``dim=()`` reduces nothing (``x`` as bool, as torch); a 0-d input
    reduces to itself (as a bool). Opsets 9+; both exporters (see the module docstring).
    """
    if dim is not None and not dim:
        return g.op("Identity", _truth(g, x))
    return cast(g, _truth_count(g, x, dim, keepdim, negate=False), torch.bool)


# --- argmax / argmin -----------------------------------------------------------------------


@op("aten::argmax", opset=9)
def aten_argmax(g: Builder, x, dim: Optional[int] = None, keepdim: bool = False):
    """``ArgMax`` (first index of the maximum or of the first NaN, :func:`arg_extreme`); dim None
    flattens; a 0-d input gives index 0. Opsets 9+, both exporters: both lose NaN."""
    return arg_extreme(g, "ArgMax", x, dim, keepdim)


@op("aten::argmin", opset=9)
def aten_argmin(g: Builder, x, dim: Optional[int] = None, keepdim: bool = False):
    """``ArgMin`` (first index of the minimum or of the first NaN, :func:`arg_extreme`); dim None
    flattens; a 0-d input gives index 0. Opsets 9+, both exporters: both lose NaN."""
    return arg_extreme(g, "ArgMin", x, dim, keepdim)


# --- count_nonzero / dist -------------------------------------------------------------------


@op("aten::count_nonzero", opset=9, exporters=("torchscript",))
def aten_count_nonzero(g: Builder, x, dim: Optional[list[int]] = None):
    """``ReduceSum`` in int64 of ``Cast(x, bool)`` over ``dim`` (None or empty: every dim); opsets 9+.

    One rule for count_nonzero(x, int? dim) and count_nonzero.dim_IntList(x, int[] dim).
    TorchScript only: it has no rule (the dynamo exporter's works).
    """
    return _truth_count(g, x, dim, False, negate=False)


@op("aten::dist", opset=9, exporters=("torchscript",))
def aten_dist(g: Builder, x, other, p: float = 2.0):
    """The p-norm of ``x - other`` (broadcast) over every element:
    :func:`~symreg.ops._reduction_blocks.vector_norm` (NaN propagated for p = ±inf).

    Opsets 9+, TorchScript only: it has no rule (the dynamo exporter's works).
    """
    x, other = (to_1d(g, v) if g.rank(v) == 0 else v for v in (x, other))
    # at rank >= 1: TorchScript computes 0-d float64 arithmetic in float32
    return vector_norm(g, g.op("Sub", x, other), p, None, False)


# --- linalg_vector_norm / logsumexp / max.dim / mean / min.dim --------------------------------


@op("aten::linalg_vector_norm", opset=9)
def aten_linalg_vector_norm(
    g: Builder, x, ord: float = 2.0, dim: Optional[list[int]] = None, keepdim: bool = False, dtype=None
):
    """The ``ord``-norm over ``dim`` (None or empty: every dim) of x cast to ``dtype`` if given:
    :func:`~symreg.ops._reduction_blocks.vector_norm`, float16/bfloat16 computed in float32; opsets 9+.

    Both exporters: both fail on a 0-d input with a ``dim`` (masked.norm's), torch's
    TorchScript rule refuses ord 0 at opset 9, and the ±inf norms lost NaN.
    """
    out = or_default(argument_dtype(g.constant_value(dtype)), g.dtype(x))
    y = vector_norm(g, to(g, x, compute_type(out)), ord, dim, keepdim, source=x)
    return to(g, y, out)


@op("aten::logsumexp", opset=9, exporters=("torchscript",))
def aten_logsumexp(g: Builder, x, dim: list[int], keepdim: bool = False):
    """``ReduceLogSumExp`` over ``dim`` (empty: every dim); a 0-d input is its own logsumexp; opsets 9+.

    Integer inputs are computed in float32, as torch promotes them. TorchScript only (torch's
    rule fails on 0-d inputs); the dynamo exporter's works.
    """
    return reduce_dims(g, "ReduceLogSumExp", to(g, x, None if is_float(g, x) else torch.float32), dim, keepdim, x)


def _extreme_with_index(g: Builder, reduce_op: str, arg_op: str, x, dim: int, keepdim: bool):
    return extreme(g, reduce_op, x, [dim], keepdim), arg_extreme(g, arg_op, x, dim, keepdim)


@op("aten::max.dim", opset=9)
def aten_max_dim(g: Builder, x, dim: int, keepdim: bool = False):
    """(values, indices) of the maximum along ``dim``: :func:`extreme` and :func:`arg_extreme`, NaN
    and its first index where there is one; opsets 9+. Both exporters: torch's TorchScript rule
    fails on 0-d inputs, both fail on bool (no ``ReduceMax``) and lose NaN."""
    return _extreme_with_index(g, "ReduceMax", "ArgMax", x, dim, keepdim)


@op("aten::mean", opset=9, exporters=("torchscript",))
def aten_mean(g: Builder, x, dtype=None):
    """``ReduceSum`` / N over every element (0-d: the element) in ``dtype`` if given; NaN for an
    empty input, where ORT's ``ReduceMean`` gives 0. Opsets 9+, TorchScript only (torch's rule
    gives 0, the dynamo exporter's works)."""
    return _mean(g, x, None, False, dtype)


@op("aten::mean.dim", opset=9, exporters=("torchscript",))
def aten_mean_dim(g: Builder, x, dim: Optional[list[int]] = None, keepdim: bool = False, dtype=None):
    """As ``aten::mean`` over ``dim`` (None or empty: every dim); NaN over empty axes."""
    return _mean(g, x, dim, keepdim, dtype)


def _mean(g: Builder, x, dim, keepdim: bool, dtype):
    out = or_default(argument_dtype(g.constant_value(dtype)), g.dtype(x))
    return to(g, mean_in(g, to(g, x, compute_type(out)), dim, keepdim, source=x), out)


@op("aten::min.dim", opset=9)
def aten_min_dim(g: Builder, x, dim: int, keepdim: bool = False):
    """(values, indices) of the minimum along ``dim``: as ``aten::max.dim``."""
    return _extreme_with_index(g, "ReduceMin", "ArgMin", x, dim, keepdim)


# --- nanmean / nansum ----------------------------------------------------------------------


@op("aten::nanmean", opset=9, exporters=("torchscript",))
def aten_nanmean(g: Builder, x, dim: Optional[list[int]] = None, keepdim: bool = False, dtype=None):
    """Sum of the non-NaN elements / their count over ``dim`` (None or empty: every dim); NaN where
    all are NaN or none are there, as torch. Opsets 9+, TorchScript only: it has no rule (the
    dynamo exporter's works)."""
    out = or_default(argument_dtype(g.constant_value(dtype)), g.dtype(x))
    x = to(g, x, compute_type(out))
    if g.rank(x) == 0:  # a 1-element vector: Where would broadcast a 0-d x to shape [1]
        x, dim, keepdim = to_1d(g, x), [0], False
    total = reduce_dims(g, "ReduceSum", nan_to_zero(g, x, compute_type(out)), dim, True)
    count = reduce_dims(g, "ReduceSum", cast(g, g.op("Not", g.op("IsNaN", x)), torch.int64), dim, True, source=x)
    y = g.op("Div", total, g.op("CastLike", count, total) if g.opset >= 15 else cast(g, count, g.dtype(total)))
    return to(g, squeezed(g, y, x, dim, keepdim), out)  # divided at x's rank: see per_element


@op("aten::nansum", opset=9)
def aten_nansum(g: Builder, x, dim: Optional[list[int]] = None, keepdim: bool = False, dtype=None):
    """``ReduceSum`` over ``dim`` (None or empty: every dim) with NaN read as 0; bool/integer inputs
    sum in int64. Opsets 9+. Both exporters: TorchScript has no rule, torchlib feeds integers to ``IsNaN``."""
    out = sum_dtype(g, x, argument_dtype(g.constant_value(dtype)))
    compute = compute_type(out)
    xc = to(g, x, compute)
    if g.rank(x) == 0:  # the element, on a 1-element vector: Where would broadcast a 0-d x to shape [1]
        return to_0d(g, to(g, nan_to_zero(g, to_1d(g, xc), compute), out))
    return to(g, reduce_dims(g, "ReduceSum", nan_to_zero(g, xc, compute), dim, keepdim, source=x), out)


# --- prod / renorm -----------------------------------------------------------------------------------


@op("aten::prod", opset=9, exporters=("torchscript",))
def aten_prod(g: Builder, x, dtype=None):
    """``ReduceProd`` over every element (bool/integer inputs in int64); 0-d: the element. Opsets 9+,
    TorchScript only (torch's rule fails on 0-d inputs; the dynamo exporter's works)."""
    return typed_reduce(g, "ReduceProd", x, None, False, sum_dtype(g, x, argument_dtype(g.constant_value(dtype))))


@op("aten::prod.dim_int", opset=9)
def aten_prod_dim_int(g: Builder, x, dim: int, keepdim: bool = False, dtype=None):
    """``ReduceProd`` along ``dim`` (bool/integer inputs in int64); 0-d: the element. Opsets 9+,
    both exporters: both fail on 0-d inputs."""
    out = sum_dtype(g, x, argument_dtype(g.constant_value(dtype)))
    return typed_reduce(g, "ReduceProd", x, [dim], keepdim, out)


@op("aten::renorm", opset=9, exporters=("torchscript",))
def aten_renorm(g: Builder, x, p: float, dim: int, maxnorm: float):
    """x * factor, factor = maxnorm / (norm + 1e-7) where the ``p``-norm of x's sub-tensor along ``dim``
    (over every other dim) exceeds ``maxnorm``, else 1, as torch; float16/bfloat16 computed in float32.

    Opsets 9+, TorchScript only: it has no rule (the dynamo exporter's works).
    """
    rank, out = rank_of(g, x), g.dtype(x)
    others = [d for d in range(rank) if d != normalize_dim(dim, rank)]
    x = to(g, x, compute_type(out))
    norm = vector_norm(g, x, p, others, True)
    scale = g.op("Div", constant_like(g, [maxnorm], x), g.op("Add", norm, constant_like(g, [1e-7], x)))
    factor = g.op("Where", g.op("Greater", norm, constant_like(g, [maxnorm], x)), scale, constant_like(g, [1.0], x))
    return to(g, g.op("Mul", x, factor), out)


# --- sum ------------------------------------------------------------------------------------


@op("aten::sum", opset=9, exporters=("torchscript",))
def aten_sum(g: Builder, x, dtype=None):
    """``ReduceSum`` over every element (0-d: the element); bool/integer inputs sum in int64, as
    torch does. Opsets 9+, TorchScript only (torch's rule fails on 0-d and bool inputs; the dynamo
    exporter's works)."""
    return typed_reduce(g, "ReduceSum", x, None, False, sum_dtype(g, x, argument_dtype(g.constant_value(dtype))))


@op("aten::sum.dim_IntList", opset=9, exporters=("torchscript",))
def aten_sum_dim_intlist(g: Builder, x, dim: Optional[list[int]] = None, keepdim: bool = False, dtype=None):
    """As ``aten::sum`` over ``dim`` (None or empty: every dim)."""
    out = sum_dtype(g, x, argument_dtype(g.constant_value(dtype)))
    return typed_reduce(g, "ReduceSum", x, dim, keepdim, out)


# --- trace ----------------------------------------------------------------------------------


@op("aten::trace", opset=9, exporters=("torchscript",))
def aten_trace(g: Builder, x):
    """``ReduceSum`` of the main diagonal of a 2-d ``x``, picked by ``Where`` with an ``EyeLike``
    mask (inf/NaN off the diagonal do not leak); bool/integer inputs sum in int64. Opsets 9+,
    TorchScript only: it has no rule (the dynamo exporter's works)."""
    out = sum_dtype(g, x, None)
    x = to(g, x, compute_type(out))
    eye = cast(g, g.op("EyeLike", x, dtype=onnx_type(torch.int64)), torch.bool)
    zero = constant_like(g, [0.0], x)
    return to(g, g.op("ReduceSum", g.op("Where", eye, x, zero), keepdims=0), out)


# --- var / std ------------------------------------------------------------------------------


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
        return outputs(*moments(g, x, dim, 1.0 if correction is None else correction, keepdim, finish))

    rule.__doc__ = (
        "Sum of squared deviations from the mean over ``dim`` (None or empty: every dim) divided "
        "by ``Max(N - correction, 0)`` (NaN or inf where torch gives them), ``Sqrt`` for std. "
        "Opsets 9+, both exporters (see the module docstring).\n\n"
        "One rule for the op's overloads (x, unbiased), .dim (x, dim, unbiased, keepdim) and "
        ".correction (x, dim, correction, keepdim): unbiased is correction 1 or 0. Traced nodes "
        "of .dim and .correction cannot be told apart (a Scalar correction may be a bool)."
    )
    rule.__qualname__ = rule.__name__ = f"aten_{name}"
    return op(f"aten::{name}", opset=9)(rule)


aten_std = _variance_rule("std", "Sqrt", lambda std, mean: std)
aten_std_mean = _variance_rule("std_mean", "Sqrt", lambda std, mean: (std, mean))
aten_var = _variance_rule("var", None, lambda var, mean: var)
aten_var_mean = _variance_rule("var_mean", None, lambda var, mean: (var, mean))
