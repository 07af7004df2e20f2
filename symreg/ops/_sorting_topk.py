"""``TopK`` in torch's stable sort order, for the rules of symreg/ops/sorting.py and their helper modules
(see sorting.py's docstring for the order ORT's ``TopK`` gives)."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from symreg.builder import Builder
from symreg.ops._helpers import cast, ints, reduce

#: The dtypes ORT's CPU ``TopK`` has kernels for; others are ordered as int64 (bool, narrow ints) or float32.
_TOPK_TYPES = (torch.float32, torch.float64, torch.int32, torch.int64)


def _orderable(g: Builder, x: Any, dtype: torch.dtype | None) -> Any:
    """``x`` (of ``dtype``) in a dtype ORT's ``TopK`` orders, with the same order (None: ``x`` is one)."""
    if dtype is None or dtype in _TOPK_TYPES:
        return None
    return cast(g, x, torch.float32 if dtype.is_floating_point else torch.int64)


def topk(g: Builder, x: Any, k: Any, axis: int, largest: bool, dtype: torch.dtype | None = None) -> tuple[Any, Any]:
    """(values, indices) of ``TopK`` with ``k`` (1-element int64) along ``axis`` of a rank >= 1 ``x``,
    in torch's stable order; values in ``x``'s dtype (gathered from ``x`` where ``TopK`` ran on a cast).
    ``dtype``: ``x``'s, where the exporter may not know it (a ``Reshape``'s output under dynamo)."""
    key = _orderable(g, x, dtype or g.dtype(x))
    values, indices = g.op("TopK", x if key is None else key, k, axis=axis, largest=int(largest), sorted=1, outputs=2)
    if key is not None:
        values = g.op("GatherElements", x, indices, axis=axis)
    return values, indices


def kth_smallest(
    g: Builder, x: Any, k: Any, axis: int, dtype: torch.dtype | None = None, with_nan: bool = True
) -> tuple[Any, Any]:
    """(values, indices) at position ``k - 1`` (``k``: 1-element int64, 1 <= k <= n) of the stable ascending
    order along ``axis`` of a rank >= 1 ``x`` (NaN last), ``axis`` kept with size 1: what ``topk(...)`` then a
    pick of its last element gives, in linear time.

    An unsorted ``TopK`` (``sorted=0``) selects the same k (value, index) pairs as a sorted one (ORT breaks
    ties by index when selecting, measured on every code path up to n = 100000 with heavy ties) without
    ordering them, which makes ORT's kernel an ``nth_element``: 92 ms instead of 355 ms for k = 50001 of
    (64, 100000) float32. The k-th pair is then the largest of them: the largest value (NaN above all), the
    last index among its ties. ``with_nan`` False: the caller replaces the result in slices holding a NaN
    (it may be wrong there), which saves three passes.
    """
    dtype = dtype or g.dtype(x)
    key = _orderable(g, x, dtype)
    values, indices = g.op("TopK", x if key is None else key, k, axis=axis, largest=0, sorted=0, outputs=2)
    none = ints(g, [-1])
    floating = with_nan and (dtype is None or dtype.is_floating_point)
    if floating:  # NaN sorts last; ReduceMax's NaN handling varies between ORT versions: kept out of it
        is_nan = g.op("IsNaN", values)
        values = g.op("Where", is_nan, g.constant(np.asarray([-np.inf]), dtype=_key_dtype(dtype)), values)
    top = reduce(g, "ReduceMax", values, [axis], keepdims=True)
    index = reduce(g, "ReduceMax", g.op("Where", g.op("Equal", values, top), indices, none), [axis], keepdims=True)
    if floating:
        last_nan = reduce(g, "ReduceMax", g.op("Where", is_nan, indices, none), [axis], keepdims=True)
        index = g.op("Where", g.op("Less", last_nan, ints(g, [0])), index, last_nan)
    return g.op("GatherElements", x, index, axis=axis), index


def _key_dtype(dtype: torch.dtype | None) -> torch.dtype:
    """The dtype ``TopK`` runs on for a float ``x`` of ``dtype``."""
    return dtype if dtype in _TOPK_TYPES else torch.float32
