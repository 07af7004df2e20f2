"""Scans and differences: cumulative sums, products and extremes, logcumsumexp, diff, trapezoid integration.

torch 2.14's TorchScript exporter has no rule for ``aten::diff``, ``trapezoid``,
``trapz`` or ``cumulative_trapezoid``. The dynamo exporter gets these right, so those
rules are TorchScript only.

Neither exporter has a rule for ``cummax``, ``cummin``, ``cumprod`` or ``logcumsumexp``
(torch's dynamo lowering of logcumsumexp gives -inf where exp overflows and NaN for -inf),
and neither sums as torch does for ``cumsum`` (TorchScript's rule feeds ONNX ``CumSum`` a
0-d tensor, which ORT refuses, and bool inputs, which it has no kernel for; torch's dynamo
lowering sums float32 in float32, where torch's CPU kernel sums in double), so their rules
serve both. Two lowerings serve each (``symreg.set_lowering`` or
``symreg.export(lowerings=...)`` forces one):

``"custom"``         one ``symreg::Cummax``/``Cummin``/``Cumprod``/``Cumsum``/``LogCumSumExp``
                     node, symreg's C++ kernel, linear in the dim's length and torch's CPU
                     arithmetic step for step (:mod:`symreg.ops._scans_kernels`). The default
                     of all but cumsum; cumsum's below opset 11 (ONNX has no CumSum there).
``"decomposition"``  standard ops only, for runtimes that load no custom ops. cumsum's default
                     (opset 11+): ``CumSum`` in the dtype torch accumulates in (float32 cast to
                     float64, rounded once), exact but about 4x torch's time at (64, 100000).
                     The others: a masked reduction over every (j <= i) pair of positions, O(n²)
                     memory per slice (:mod:`symreg.ops._scans_pairs`): fine for dims of a few
                     thousand, not for torch's benchmark size (64, 100000), which needs terabytes.

Rules are in alphabetical order of their op.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from symreg.builder import Builder
from symreg.dtypes import argument_dtype
from symreg.ops import _scans_kernels, _scans_pairs
from symreg.ops._helpers import (
    cast,
    constant_like,
    ints,
    normalize_dim,
    rank_of,
    reduce,
    slice_,
    squeeze,
    to_0d,
    to_1d,
    unsqueeze,
)
from symreg.ops.indexing import promoted
from symreg.registry import op

_INT64_MAX = np.iinfo(np.int64).max
_TS = ("torchscript",)
#: cumsum's lowerings, its default first: the standard op keeps models free of symreg's library.
CUMSUM_LOWERINGS = ("decomposition", "custom")
#: The dtype torch's CPU cumsum accumulates each float dtype in (``at::acc_type<T, false>``).
_SUM_ACC = {torch.float32: torch.float64, torch.float16: torch.float32, torch.bfloat16: torch.float32}


def _cumsum_lowering(g: Builder) -> str:
    """cumsum's lowering: the one forced, else the standard ``CumSum`` (opset 11+) or the kernel below that."""
    if g.lowering is None:
        return "decomposition" if g.opset >= 11 else "custom"
    return _scans_kernels.lowering(g, 11, needs="CumSum")


def _later(g: Builder, x: Any, axis: int) -> Any:
    """``x[1:]`` along ``axis``."""
    return slice_(g, x, [axis], [1], [_INT64_MAX])


def _earlier(g: Builder, x: Any, axis: int) -> Any:
    """``x[:-1]`` along ``axis``."""
    return slice_(g, x, [axis], [0], [-1])


def _is_points(g: Builder, spacing: Any) -> bool:
    """The .x overload: ``spacing`` is a tensor of sample points (rank >= 1), not a scalar step."""
    return spacing is not None and bool(g.rank(spacing))


def _step(g: Builder, y: Any, spacing: Any) -> Any:
    """The scalar step ``dx`` in ``y``'s dtype, as a 1-element tensor (1 when omitted)."""
    if spacing is None:
        return constant_like(g, [1.0], y)
    return to_1d(g, cast(g, spacing, g.dtype(y)))


def _steps(g: Builder, y: Any, x: Any, axis: int) -> Any:
    """``x[1:] - x[:-1]`` along ``axis`` of ``x`` viewed at ``y``'s rank, as torch views it:
    a 1-d ``x`` along ``axis``, a lower-rank ``x`` with leading size-1 dims."""
    rank, x_rank = rank_of(g, y), rank_of(g, x, "the sample points")
    if x_rank == 1 and rank != 1:
        x = g.op("Reshape", x, ints(g, [-1 if d == axis else 1 for d in range(rank)]))
    elif x_rank < rank:
        x = unsqueeze(g, x, list(range(rank - x_rank)))
    return g.op("Sub", _later(g, x, axis), _earlier(g, x, axis))


def _trapezoid(g: Builder, y: Any, spacing: Any, dim: int) -> Any:
    axis = normalize_dim(dim, rank_of(g, y))
    if _is_points(g, spacing):
        pairs = g.op("Add", _later(g, y, axis), _earlier(g, y, axis))
        terms = g.op("Div", g.op("Mul", _steps(g, y, spacing, axis), pairs), constant_like(g, [2.0], y))
        return reduce(g, "ReduceSum", terms, [axis], keepdims=False)
    # (sum(y) - (y[0] + y[-1]) * 0.5) * dx with the reduced axis kept (TorchScript computes 0-d
    # float64 arithmetic in float32); the ends as sums of 1-element slices (0 on an empty axis)
    first = reduce(g, "ReduceSum", slice_(g, y, [axis], [0], [1]), [axis], keepdims=True)
    last = reduce(g, "ReduceSum", slice_(g, y, [axis], [-1], [_INT64_MAX]), [axis], keepdims=True)
    ends = g.op("Mul", g.op("Add", first, last), constant_like(g, [0.5], y))
    inner = g.op("Sub", reduce(g, "ReduceSum", y, [axis], keepdims=True), ends)
    return squeeze(g, g.op("Mul", inner, _step(g, y, spacing)), [axis])


@op("aten::cummax", opset=9, lowerings=_scans_kernels.LOWERINGS)
def aten_cummax(g: Builder, x, dim: int):
    """(values, indices) of the running maximum along ``dim`` with torch's ties (the last equal element)
    and NaN (the last NaN so far). Opsets 9+ (the decomposition: 11+, ``GatherElements``), both exporters."""
    if _scans_kernels.lowering(g, 11) == "custom":
        return _scans_kernels.cum_extreme(g, x, dim, largest=True)
    return _scans_pairs.cum_extreme(g, x, dim, largest=True)


@op("aten::cummin", opset=9, lowerings=_scans_kernels.LOWERINGS)
def aten_cummin(g: Builder, x, dim: int):
    """(values, indices) of the running minimum along ``dim``: as ``aten::cummax``."""
    if _scans_kernels.lowering(g, 11) == "custom":
        return _scans_kernels.cum_extreme(g, x, dim, largest=False)
    return _scans_pairs.cum_extreme(g, x, dim, largest=False)


@op("aten::cumprod", opset=9, lowerings=_scans_kernels.LOWERINGS)
def aten_cumprod(g: Builder, x, dim: int, dtype=None):
    """Running product along ``dim`` in torch's result dtype (int64 for bool and integers), float32
    accumulated in float64. Opsets 9+, both exporters. ``dtype`` is unannotated, as in the reductions:
    an ``int`` annotation would turn the ``onnx_ir.DataType`` dynamo passes into a bare int in ONNX's
    numbering."""
    out = argument_dtype(g.constant_value(dtype))
    if _scans_kernels.lowering(g) == "custom":
        return _scans_kernels.cumprod(g, x, dim, out)
    return _scans_pairs.cumprod(g, x, dim, out)


@op("aten::cumsum", opset=9, lowerings=CUMSUM_LOWERINGS)
def aten_cumsum(g: Builder, x, dim: int, dtype=None):
    """Running sum along ``dim`` in torch's result dtype (int64 for bool and integers), summed as torch's
    CPU kernel sums (float32 in float64 rounded at each output, float16/bfloat16 in float32), so results
    equal torch's. ``CumSum`` (the default, opset 11+; a 0-d input through a rank-1 view, which ORT's
    CumSum needs) or ``symreg::Cumsum`` (opt-in; the default below opset 11, where ONNX has no cumulative
    sum; it sums float16/bfloat16 in float64, which can round the last bit otherwise than torch on long
    dims). Both exporters. ``dtype`` is unannotated: see ``aten::cumprod``."""
    out = argument_dtype(g.constant_value(dtype))
    if out is None:
        out = g.dtype(x)
        if out is not None and not out.is_floating_point and not out.is_complex:
            out = torch.int64  # torch sums bool and integer tensors in int64
    if _cumsum_lowering(g) == "custom":
        return _scans_kernels.cumsum(g, x, dim, out)
    compute = _SUM_ACC.get(out, out)
    if compute is not None and not compute.is_floating_point and not compute.is_complex:
        compute = torch.int64
    rank = rank_of(g, x)  # before the cast, whose result has no known rank under dynamo
    if compute is not None and compute != g.dtype(x):
        x = cast(g, x, compute)
    was_0d = rank == 0
    axis = 0 if was_0d else normalize_dim(dim, rank)
    y = g.op("CumSum", to_1d(g, x) if was_0d else x, ints(g, axis))
    if was_0d:
        y = to_0d(g, y)
    return y if out is None or out == compute else cast(g, y, out)


@op("aten::cumulative_trapezoid", opset=11, exporters=_TS)
def aten_cumulative_trapezoid(g: Builder, y, spacing=None, dim: int = -1):
    """``CumSum`` of ``dx * (y[1:] + y[:-1]) / 2`` along ``dim``, in torch's order of operations
    (float32 prefix sums in float64, rounded once, as torch's CPU kernel); opset 11+ (``CumSum``).

    One rule for the .x (``spacing`` the sample points) and .dx (``spacing`` a scalar step)
    overloads: the TorchScript exporter does not tell them apart.
    """
    axis = normalize_dim(dim, rank_of(g, y))
    pairs = g.op("Add", _later(g, y, axis), _earlier(g, y, axis))
    two = constant_like(g, [2.0], y)
    if _is_points(g, spacing):
        terms = g.op("Div", g.op("Mul", _steps(g, y, spacing, axis), pairs), two)
    else:
        terms = g.op("Mul", g.op("Div", _step(g, y, spacing), two), pairs)
    wide = g.dtype(y) == torch.float32
    y_sum = g.op("CumSum", cast(g, terms, torch.float64) if wide else terms, ints(g, axis))
    return cast(g, y_sum, torch.float32) if wide else y_sum


@op("aten::diff", opset=9, exporters=_TS)
def aten_diff(g: Builder, x, n: int = 1, dim: int = -1, prepend=None, append=None):
    """``n`` times ``x[1:] - x[:-1]`` along ``dim`` (``Xor`` for bool), after concatenating
    ``prepend`` and ``append``; two ``Slice`` nodes and a ``Sub`` per order, opset 9+.

    Inputs of different dtypes are promoted as torch's ``cat`` does. The length along
    ``dim`` may be dynamic: slices of an empty or exhausted axis are empty, as in torch.
    """
    if n == 0:
        return g.op("Identity", x)  # torch ignores prepend and append when n is 0
    axis = normalize_dim(dim, rank_of(g, x))
    parts = promoted(g, [p for p in (prepend, x, append) if p is not None])
    y = g.op("Concat", *parts, axis=axis) if len(parts) > 1 else parts[0]
    is_bool = g.dtype(y) == torch.bool
    for _ in range(n):
        y = g.op("Xor" if is_bool else "Sub", _later(g, y, axis), _earlier(g, y, axis))
    return y


@op("aten::logcumsumexp", opset=9, lowerings=_scans_kernels.LOWERINGS)
def aten_logcumsumexp(g: Builder, x, dim: int):
    """``log(cumsum(exp(x)))`` along ``dim``, torch's CPU arithmetic (double accumulation; all -inf gives
    -inf, +inf +inf, NaN propagates). Opsets 9+, both exporters."""
    if _scans_kernels.lowering(g) == "custom":
        return _scans_kernels.logcumsumexp(g, x, dim)
    return _scans_pairs.logcumsumexp(g, x, dim)


@op("aten::trapezoid", opset=9, exporters=_TS)
def aten_trapezoid(g: Builder, y, spacing=None, dim: int = -1):
    """Trapezoid rule along ``dim`` in torch's order of operations: with sample points ``x``,
    ``ReduceSum((x[1:] - x[:-1]) * (y[1:] + y[:-1]) / 2)``; with a step ``dx``,
    ``(ReduceSum(y) - (y[0] + y[-1]) * 0.5) * dx``. 0 on an empty axis.

    One rule for the .x and .dx overloads: the TorchScript exporter does not tell them apart.
    """
    return _trapezoid(g, y, spacing, dim)


@op("aten::trapz", opset=9, exporters=_TS)
def aten_trapz(g: Builder, y, spacing=None, dim: int = -1):
    """``aten::trapezoid`` under its older name (trapz.x, trapz.dx)."""
    return _trapezoid(g, y, spacing, dim)
