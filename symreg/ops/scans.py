"""Scans and differences: cumulative sums, diff, gradient, trapezoid integration.

torch 2.14's TorchScript exporter has no rule for ``aten::diff``, ``trapezoid``,
``trapz`` or ``cumulative_trapezoid``; its ``cumsum`` rule feeds ONNX ``CumSum`` a
0-d tensor (which ORT refuses) and bool inputs (which it has no kernel for). The dynamo
exporter gets all of these right, so every rule here is TorchScript only.
Rules are in alphabetical order of their op.
"""

from __future__ import annotations

from typing import Optional

import numpy as np
import torch

from symreg.builder import Builder
from symreg.ops._helpers import cast
from symreg.registry import op

_INT64_MAX = np.iinfo(np.int64).max
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


def scalar_type_dtype(value: int | None) -> torch.dtype | None:
    """The torch dtype of a ``ScalarType`` argument (an enum int), None for None."""
    return None if value is None else _SCALAR_TYPES[value]


def slice_axis(g: Builder, x, axis: int, start: int, end: int):
    """``x`` sliced ``start:end`` along ``axis`` (constant bounds; ``Slice`` attributes before opset 10)."""
    if g.opset < 10:
        return g.op("Slice", x, axes=[axis], starts=[start], ends=[end])
    return g.op("Slice", x, g.constant([start]), g.constant([end]), g.constant([axis]))


def _axis(g: Builder, x, dim: int) -> int:
    rank = g.rank(x)
    return dim + rank if dim < 0 and rank is not None else dim


def _cumsum_dtype(g: Builder, x, dtype: int | None) -> torch.dtype | None:
    wanted = scalar_type_dtype(dtype)
    if wanted is not None:
        return wanted
    known = g.dtype(x)
    if known is not None and not known.is_floating_point and not known.is_complex:
        return torch.int64  # torch sums bool and integer tensors in int64
    return known


@op("aten::cumsum", opset=11, exporters=("torchscript",))
def aten_cumsum(g: Builder, x, dim: int, dtype: Optional[int] = None):
    """``CumSum`` (opset 11+) in torch's result dtype: bool/integer inputs sum in int64.

    0-d inputs (ORT's CumSum refuses them) go through a rank-1 view. float32 (and
    float16/bfloat16) are summed in float64 and rounded once, as torch's CPU kernel
    accumulates, so results equal torch's. ONNX has no cumulative sum before opset 11.
    """
    out = _cumsum_dtype(g, x, dtype)
    compute = out
    if out in (torch.float16, torch.bfloat16, torch.float32):
        compute = torch.float64  # torch accumulates float sums in double on CPU
    elif out in (torch.bool, torch.uint8, torch.int8, torch.int16):
        compute = torch.int64
    if compute is not None and compute != g.dtype(x):
        x = cast(g, x, compute)
    scalar = g.rank(x) == 0
    if scalar:
        x = g.op("Reshape", x, g.constant([1]))
        dim = 0
    y = g.op("CumSum", x, g.constant(np.asarray(_axis(g, x, dim), dtype=np.int64)))
    if scalar:
        y = g.op("Reshape", y, g.constant(np.zeros(0, dtype=np.int64)))
    if out is not None and out != compute:
        y = cast(g, y, out)
    return y


@op("aten::cumulative_trapezoid", opset=11, exporters=("torchscript",))
def aten_cumulative_trapezoid(g: Builder, y, spacing=None, dim: int = -1):
    """``CumSum`` of ``dx * (y[1:] + y[:-1]) / 2`` along ``dim``, in torch's order of operations
    (float32 prefix sums in float64, rounded once, as torch's CPU kernel); opset 11+ (``CumSum``).

    One rule for the .x (``spacing`` the sample points) and .dx (``spacing`` a scalar step)
    overloads: the TorchScript exporter does not tell them apart.
    """
    axis = _axis(g, y, dim)
    pairs = g.op("Add", slice_axis(g, y, axis, 1, _INT64_MAX), slice_axis(g, y, axis, 0, -1))
    two = g.constant(np.full(1, 2.0), dtype=g.dtype(y))
    if _is_points(g, spacing):
        terms = g.op("Div", g.op("Mul", _steps(g, y, spacing, axis), pairs), two)
    else:
        terms = g.op("Mul", g.op("Div", _step(g, y, spacing), two), pairs)
    wide = g.dtype(y) == torch.float32
    y_sum = g.op("CumSum", cast(g, terms, torch.float64) if wide else terms, g.constant(np.asarray(axis)))
    return cast(g, y_sum, torch.float32) if wide else y_sum


@op("aten::diff", opset=9, exporters=("torchscript",))
def aten_diff(g: Builder, x, n: int = 1, dim: int = -1, prepend=None, append=None):
    """``n`` times ``x[1:] - x[:-1]`` along ``dim`` (``Xor`` for bool), after concatenating
    ``prepend`` and ``append``; two ``Slice`` nodes and a ``Sub`` per order, opset 9+.

    Inputs of different dtypes are promoted as torch's ``cat`` does. The length along
    ``dim`` may be dynamic: slices of an empty or exhausted axis are empty, as in torch.
    """
    if n == 0:
        return g.op("Identity", x)  # torch ignores prepend and append when n is 0
    axis = _axis(g, x, dim)
    parts = [p for p in (prepend, x, append) if p is not None]
    known = [g.dtype(p) for p in parts]
    if len(parts) > 1 and None not in known and len(set(known)) > 1:
        common = known[0]
        for d in known[1:]:
            common = torch.promote_types(common, d)
        parts = [p if g.dtype(p) == common else cast(g, p, common) for p in parts]
    y = g.op("Concat", *parts, axis=axis) if len(parts) > 1 else parts[0]
    is_bool = g.dtype(y) == torch.bool
    for _ in range(n):
        later = slice_axis(g, y, axis, 1, _INT64_MAX)
        earlier = slice_axis(g, y, axis, 0, -1)
        y = g.op("Xor" if is_bool else "Sub", later, earlier)
    return y


def _is_points(g: Builder, spacing) -> bool:
    """The .x overload: ``spacing`` is a tensor of sample points (rank >= 1), not a scalar step."""
    return spacing is not None and bool(g.rank(spacing))


def _step(g: Builder, y, spacing):
    """The scalar step ``dx`` in ``y``'s dtype, as a 1-element tensor (1 when omitted)."""
    if spacing is None:
        return g.constant(np.ones(1), dtype=g.dtype(y))
    return g.op("Reshape", cast(g, spacing, g.dtype(y)), g.constant([1]))


def _steps(g: Builder, y, x, axis: int):
    """``x[1:] - x[:-1]`` along ``axis`` of ``x`` viewed at ``y``'s rank, as torch views it:
    a 1-d ``x`` along ``axis``, a lower-rank ``x`` with leading size-1 dims."""
    rank, x_rank = g.rank(y), g.rank(x)
    if x_rank == 1 and rank != 1:
        shape = np.ones(rank, dtype=np.int64)
        shape[axis] = -1
        x = g.op("Reshape", x, g.constant(shape))
    elif x_rank < rank:
        leading = list(range(rank - x_rank))
        x = g.op("Unsqueeze", x, g.constant(np.asarray(leading))) if g.opset >= 13 else g.op("Unsqueeze", x, axes=leading)
    return g.op("Sub", slice_axis(g, x, axis, 1, _INT64_MAX), slice_axis(g, x, axis, 0, -1))


def _trapezoid(g: Builder, y, spacing=None, dim: int = -1):
    axis = _axis(g, y, dim)
    if _is_points(g, spacing):
        pairs = g.op("Add", slice_axis(g, y, axis, 1, _INT64_MAX), slice_axis(g, y, axis, 0, -1))
        two = g.constant(np.full(1, 2.0), dtype=g.dtype(y))
        terms = g.op("Div", g.op("Mul", _steps(g, y, spacing, axis), pairs), two)
        return _reduce_sum(g, terms, axis)
    # (sum(y) - (y[0] + y[-1]) * 0.5) * dx with the reduced axis kept (TorchScript computes 0-d
    # float64 arithmetic in float32); the ends as sums of 1-element slices (0 on an empty axis)
    first = _reduce_sum(g, slice_axis(g, y, axis, 0, 1), axis, keepdims=1)
    last = _reduce_sum(g, slice_axis(g, y, axis, -1, _INT64_MAX), axis, keepdims=1)
    half = g.constant(np.full(1, 0.5), dtype=g.dtype(y))
    inner = g.op("Sub", _reduce_sum(g, y, axis, keepdims=1), g.op("Mul", g.op("Add", first, last), half))
    result = g.op("Mul", inner, _step(g, y, spacing))
    if g.opset >= 13:
        return g.op("Squeeze", result, g.constant(np.asarray([axis])))
    return g.op("Squeeze", result, axes=[axis])


def _reduce_sum(g: Builder, x, axis: int, keepdims: int = 0):
    if g.opset >= 13:
        return g.op("ReduceSum", x, g.constant(np.asarray([axis])), keepdims=keepdims)
    return g.op("ReduceSum", x, axes=[axis], keepdims=keepdims)


@op("aten::trapezoid", opset=9, exporters=("torchscript",))
def aten_trapezoid(g: Builder, y, spacing=None, dim: int = -1):
    """Trapezoid rule along ``dim`` in torch's order of operations: with sample points ``x``,
    ``ReduceSum((x[1:] - x[:-1]) * (y[1:] + y[:-1]) / 2)``; with a step ``dx``,
    ``(ReduceSum(y) - (y[0] + y[-1]) * 0.5) * dx``. 0 on an empty axis.

    One rule for the .x and .dx overloads: the TorchScript exporter does not tell them apart.
    """
    return _trapezoid(g, y, spacing, dim)


@op("aten::trapz", opset=9, exporters=("torchscript",))
def aten_trapz(g: Builder, y, spacing=None, dim: int = -1):
    """``aten::trapezoid`` under its older name (trapz.x, trapz.dx)."""
    return _trapezoid(g, y, spacing, dim)
