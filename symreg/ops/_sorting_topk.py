"""``TopK`` in torch's stable sort order, for the rules of symreg/ops/sorting.py and their helper modules
(see sorting.py's docstring for the order ORT's ``TopK`` gives)."""

from __future__ import annotations

from typing import Any

import torch

from symreg.builder import Builder
from symreg.ops._helpers import cast

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
