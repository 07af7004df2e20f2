"""The "decomposition" lowering of the scans of symreg/ops/scans.py (``cummax``, ``cummin``, ``cumprod``,
``logcumsumexp``; their default is the native kernels, :mod:`symreg.ops._scans_kernels`): standard ONNX ops
only, for runtimes that load no custom ops. Every prefix at once, as a masked reduction over pairs (j, i)
with j <= i.

The pairs cost n² elements per slice along the scanned dim (n: its length): a (64, 100000) float32 input
needs 2.5 TB of intermediates, so this lowering serves short dims only. Exact for max/min and their
indices (no arithmetic), within a few ulp for products and sums (``ReduceProd``/``ReduceSum`` order,
float32 computed in float64 as torch's CPU kernels accumulate in double). ONNX ``Scan`` (a sequential
body, torch's order) needs subgraph attributes that the rule builder does not offer. ``equal`` (torch's
``==`` at every opset) also serves ``isin`` and ``mode``'s decomposition.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import torch

from symreg.builder import Builder
from symreg.ops._helpers import (
    arange,
    cast,
    dim,
    ints,
    normalize_dim,
    rank_of,
    reduce,
    squeeze,
    to_0d,
    to_1d,
    unsqueeze,
)


@dataclasses.dataclass(frozen=True)
class Prefixes:
    """``x`` (rank >= 1) as pairs: ``pairs`` is ``x`` with a new dim after ``axis`` (j along ``axis``,
    i along ``axis + 1``), ``mask`` (bool, broadcasting against it) is j <= i, ``j`` the j index."""

    x: Any
    axis: int
    rank: int
    pairs: Any
    mask: Any
    j: Any
    was_0d: bool

    def fill(self, g: Builder, values: Any, fill: Any) -> Any:
        """``values`` (pair-shaped) where j <= i, ``fill`` elsewhere."""
        return g.op("Where", self.mask, values, fill)

    def reduce(self, g: Builder, op_type: str, values: Any) -> Any:
        """``op_type`` over j of pair-shaped ``values``: one result per i, at ``x``'s shape."""
        return squeeze(g, reduce(g, op_type, values, [self.axis], keepdims=True), [self.axis])

    def per_i(self, g: Builder, y: Any) -> Any:
        """A value of ``x``'s shape (one per i) broadcast against the pairs."""
        return unsqueeze(g, y, [self.axis])

    def result(self, g: Builder, y: Any) -> Any:
        """``y`` (``x``'s shape) back at the input's rank (0-d for a 0-d input)."""
        return to_0d(g, y) if self.was_0d else y


def prefixes(g: Builder, x: Any, dim_: int, rank: int | None = None) -> Prefixes:
    """The pairs of ``x`` along ``dim_``; ``rank``: ``x``'s, where the exporter may not know it (a ``Cast``'s
    output under dynamo)."""
    rank = rank_of(g, x) if rank is None else rank
    was_0d = rank == 0
    if was_0d:
        x, rank = to_1d(g, x), 1
    axis = normalize_dim(dim_, rank)
    positions = arange(g, dim(g, x, axis))
    j = g.op("Reshape", positions, ints(g, [-1, 1] + [1] * (rank - axis - 1)))
    i = g.op("Reshape", positions, ints(g, [1, -1] + [1] * (rank - axis - 1)))
    mask = g.op("LessOrEqual", j, i) if g.opset >= 12 else g.op("Not", g.op("Greater", j, i))
    return Prefixes(x, axis, rank, unsqueeze(g, x, [axis + 1]), mask, j, was_0d)


def equal(g: Builder, a: Any, b: Any, dtype: torch.dtype | None) -> Any:
    """``a == b`` (broadcasting) of two values of ``dtype`` (None: a float one), as torch compares: NaN
    equals nothing, -0.0 equals 0.0. ``Equal`` from opset 11; before, ``Equal`` has no float or narrow
    integer kernel: floats are neither less nor greater (and not NaN), other integers compared as int64."""
    floating = dtype is None or dtype.is_floating_point
    if g.opset >= 11 or dtype in (torch.int32, torch.int64):
        return g.op("Equal", a, b)
    if not floating:
        return g.op("Equal", cast(g, a, torch.int64), cast(g, b, torch.int64))
    ordered = g.op("Not", g.op("Or", g.op("Less", a, b), g.op("Greater", a, b)))
    return g.op("And", ordered, g.op("Not", g.op("Or", g.op("IsNaN", a), g.op("IsNaN", b))))


def _extreme_value(dtype: torch.dtype | None, largest: bool) -> np.ndarray:
    """The fill that never wins a max (``largest``) or min: -inf/+inf, or the integer limits."""
    if dtype is None or dtype.is_floating_point:
        return np.asarray([-np.inf if largest else np.inf])
    info = np.iinfo(np.int64)
    return np.asarray([info.min if largest else info.max], dtype=np.int64)


def cum_extreme(g: Builder, x: Any, dim_: int, largest: bool) -> tuple[Any, Any]:
    """torch's ``cummax`` (``largest``) or ``cummin`` along ``dim_``: (values, indices).

    torch moves the running extreme to each element that is >= (<=) it, and to each NaN: the index is
    the last j <= i holding the prefix's extreme (-0.0 equals 0.0), or its last NaN, and the value is
    ``x`` there. bool and integer inputs are compared as int64.
    """
    dtype = g.dtype(x)
    p = prefixes(g, x, dim_)
    floating = dtype is None or dtype.is_floating_point
    key = p.pairs if floating or dtype == torch.int64 else cast(g, p.pairs, torch.int64)
    fill = g.constant(_extreme_value(dtype, largest), dtype=(dtype or torch.float32) if floating else torch.int64)
    best = p.reduce(g, "ReduceMax" if largest else "ReduceMin", p.fill(g, key, fill))
    holds = equal(g, key, p.per_i(g, best), dtype if floating else torch.int64)
    if floating:
        nan = g.op("IsNaN", p.pairs)
        seen = p.reduce(g, "ReduceMax", cast(g, g.op("And", p.mask, nan), torch.int32))
        seen = p.per_i(g, cast(g, seen, torch.bool))  # ORT's Where has no bool kernel: And/Or
        holds = g.op("Or", g.op("And", seen, nan), g.op("And", g.op("Not", seen), holds))
    candidates = g.op("Where", g.op("And", p.mask, holds), p.j, ints(g, [-1]))
    indices = p.reduce(g, "ReduceMax", candidates)
    values = g.op("GatherElements", p.x, indices, axis=p.axis)
    return p.result(g, values), p.result(g, indices)


def cumprod(g: Builder, x: Any, dim_: int, out: torch.dtype | None) -> Any:
    """torch's ``cumprod`` along ``dim_`` in ``out`` (None: ``x``'s dtype, int64 for bool and integers):
    ``ReduceProd`` of each prefix, float32 (and narrower) in float64 rounded once, as torch accumulates."""
    dtype, rank = g.dtype(x), rank_of(g, x)
    if out is None:
        out = dtype if dtype is None or dtype.is_floating_point else torch.int64
    compute = torch.float64 if out in (torch.float16, torch.bfloat16, torch.float32) else out
    if compute is not None and not compute.is_floating_point:
        compute = torch.int64
    if compute is not None and compute != dtype:
        x = cast(g, x, compute)
    p = prefixes(g, x, dim_, rank)
    one = g.constant(np.asarray([1]), dtype=compute or torch.float32)
    y = p.reduce(g, "ReduceProd", p.fill(g, p.pairs, one))
    return p.result(g, y if out is None or out == compute else cast(g, y, out))


def logcumsumexp(g: Builder, x: Any, dim_: int) -> Any:
    """torch's ``logcumsumexp`` along ``dim_``: ``log(sum(exp(x_j - m_i))) + m_i`` over each prefix, ``m_i``
    the prefix's maximum (0 where it is ±inf, so that all -inf gives -inf and +inf gives +inf); NaN
    propagates through the sum. float32 is computed in float64 and rounded once."""
    dtype = g.dtype(x)
    wide = dtype in (torch.float16, torch.bfloat16, torch.float32)
    compute = torch.float64 if wide else (dtype or torch.float32)
    p = prefixes(g, cast(g, x, compute) if wide else x, dim_, rank_of(g, x))
    top = p.reduce(g, "ReduceMax", p.fill(g, p.pairs, g.constant(np.asarray([-np.inf]), dtype=compute)))
    # |top| above the largest finite: IsInf without its opset 10 (NaN stays, as in IsInf)
    infinite = g.op("Greater", g.op("Abs", top), g.constant(np.asarray([np.finfo(np.float64).max]), dtype=compute))
    shift = g.op("Where", infinite, g.constant(np.asarray([0.0]), dtype=compute), top)
    terms = g.op("Exp", g.op("Sub", p.pairs, p.per_i(g, shift)))
    total = p.reduce(g, "ReduceSum", p.fill(g, terms, g.constant(np.asarray([0.0]), dtype=compute)))
    y = g.op("Add", g.op("Log", total), shift)
    return p.result(g, cast(g, y, dtype) if wide else y)
