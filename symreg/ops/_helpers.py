"""Helpers that rules share: dtype promotion as torch does it, casts, typed constants, optional
arguments, and ops whose form changed between opsets (axes, slices, ranges).

Every rule of the op pack uses these instead of numeric ``Cast`` targets or its own
promotion; a user's rules may use them too (they only call the public builder ``g``).
"""

from __future__ import annotations

from typing import Any, TypeVar

import numpy as np
import torch

from symreg import dtypes
from symreg.builder import Builder
from symreg.errors import ExportError

#: The float dtypes ONNX Runtime's CPU kernels compute in; others are computed in float32.
COMPUTE_FLOATS = (torch.float32, torch.float64)

T = TypeVar("T")


def cast(g: Builder, x: Any, dtype: Any) -> Any:
    """``Cast`` of ``x`` to ``dtype`` (a torch dtype or any spelling :mod:`symreg.dtypes` knows)."""
    return g.op("Cast", x, to=dtypes.onnx_type(dtype))


def promote_to_float(g: Builder, x: Any) -> tuple[Any, torch.dtype | None]:
    """``x`` as float32 or float64, as torch promotes a unary float op's input.

    float32/float64 (or an unknown dtype) pass through. Integers and bools become
    float32, and the result stays float32 (torch's ``sinh(int tensor)`` is float32).
    float16/bfloat16 are computed in float32 and must be cast back: the second value
    is the dtype to pass to :func:`cast_back` (None: nothing to cast back).
    """
    dtype = g.dtype(x)
    if dtype is None or dtype in COMPUTE_FLOATS:
        return x, None
    return cast(g, x, torch.float32), (dtype if dtype.is_floating_point else None)


def cast_back(g: Builder, y: Any, dtype: torch.dtype | None) -> Any:
    """``y`` cast to ``dtype`` from :func:`promote_to_float` (unchanged when it is None)."""
    return y if dtype is None else cast(g, y, dtype)


def constant_like(g: Builder, value: Any, like: Any) -> Any:
    """A float constant in ``like``'s dtype (``CastLike`` when the exporter does not know it).

    Give ``value`` at least one dimension (``[0.5]``): 1-element 1-d constants broadcast
    like scalars and are safe from the TorchScript exporter's scalar type analysis.
    """
    dtype = g.dtype(like)
    if dtype is not None:
        return g.constant(np.asarray(value, dtype=np.float64), dtype=dtype)
    return g.op("CastLike", g.constant(np.asarray(value, dtype=np.float64)), like)


def or_default(value: T | None, default: T) -> T:
    """An optional argument's value, or ``default`` where the model passed None."""
    return default if value is None else value


# --- graph building across opsets: ops whose inputs moved between attributes and inputs --

#: The opset from which each op takes ``axes`` as an input instead of an attribute.
_AXES_INPUT_FROM = {"Squeeze": 13, "Unsqueeze": 13, "ReduceSum": 13}
_REDUCE_AXES_INPUT_FROM = 18  # every other Reduce*


def ints(g: Builder, values: Any) -> Any:
    """An int64 constant: 1-d for a list or tuple, 0-d for an int."""
    return g.constant(np.asarray(values, dtype=np.int64))


def with_axes(g: Builder, op_type: str, x: Any, axes: list[int], **attrs: Any) -> Any:
    """``Squeeze``/``Unsqueeze``/``Reduce*`` over constant ``axes``: an attribute before the
    op's opset 13 (18 for Reduce* other than ReduceSum), an input from it."""
    first = _AXES_INPUT_FROM.get(op_type, _REDUCE_AXES_INPUT_FROM if op_type.startswith("Reduce") else None)
    if first is None:
        raise ValueError(f"with_axes: {op_type} takes no axes; use Squeeze, Unsqueeze or a Reduce* op")
    if g.opset >= first:
        return g.op(op_type, x, ints(g, list(axes)), **attrs)
    return g.op(op_type, x, axes=list(axes), **attrs)


def unsqueeze(g: Builder, x: Any, axes: list[int]) -> Any:
    """``Unsqueeze`` at constant ``axes`` (x unchanged for none)."""
    return with_axes(g, "Unsqueeze", x, axes) if axes else x


def squeeze(g: Builder, x: Any, axes: list[int]) -> Any:
    """``Squeeze`` of constant ``axes`` (x unchanged for none)."""
    return with_axes(g, "Squeeze", x, axes) if axes else x


def reduce(g: Builder, op_type: str, x: Any, axes: list[int] | None, keepdims: bool) -> Any:
    """``op_type`` (``"ReduceSum"``, ``"ReduceMax"``, ...) over ``axes`` (None: all dims)."""
    if axes is None:
        return g.op(op_type, x, keepdims=int(keepdims))
    return with_axes(g, op_type, x, axes, keepdims=int(keepdims))


def slice_(
    g: Builder, x: Any, axes: list[int], starts: list, ends: list, steps: list[int] | None = None
) -> Any:
    """``Slice`` of ``x``: attributes at opset 9, inputs from 10.

    ``starts``/``ends`` hold ints, or from opset 10 also 1-element int64 graph values
    (bounds the graph computes); ``steps`` needs opset 10.
    """
    constant = all(isinstance(v, (int, np.integer)) for v in (*starts, *ends))
    if g.opset < 10:
        if not constant or (steps is not None and any(s != 1 for s in steps)):
            raise ExportError(f"{g.overload}: this slice needs opset 10 (computed bounds or steps); export at 10+")
        return g.op("Slice", x, axes=list(axes), starts=[int(s) for s in starts], ends=[int(e) for e in ends])

    def bounds(values: list) -> Any:
        if all(isinstance(v, (int, np.integer)) for v in values):
            return ints(g, list(values))
        parts = [ints(g, [v]) if isinstance(v, (int, np.integer)) else v for v in values]
        return parts[0] if len(parts) == 1 else g.op("Concat", *parts, axis=0)

    inputs = [x, bounds(starts), bounds(ends), ints(g, list(axes))]
    if steps is not None:
        inputs.append(ints(g, list(steps)))
    return g.op("Slice", *inputs)


def rank_of(g: Builder, x: Any, what: str = "the input") -> int:
    """``x``'s rank; ``ExportError`` naming the op and ``what`` when the exporter does not know it."""
    rank = g.rank(x)
    if rank is None:
        raise ExportError(f"{g.overload}: the rank of {what} is unknown; export with inputs of known rank")
    return rank


def dim(g: Builder, x: Any, axis: int) -> Any:
    """``x.shape[axis]`` as a 1-element int64 tensor: a constant where that dim is static."""
    shape = g.shape(x)
    if shape is not None and -len(shape) <= axis < len(shape) and shape[axis] is not None:
        return ints(g, [shape[axis]])
    return g.op("Gather", g.op("Shape", x), ints(g, [axis]), axis=0)


def shape_part(g: Builder, x: Any, start: int, end: int) -> Any:
    """``x.shape[start:end]`` as a 1-d int64 tensor (0 <= start <= end <= rank)."""
    return g.op("Gather", g.op("Shape", x), ints(g, list(range(start, end))), axis=0)


def arange(g: Builder, n: Any) -> Any:
    """``[0, 1, ..., n - 1]`` (int64, 1-d) for a 1-element int64 tensor ``n`` >= 0.

    ``Range`` from opset 11; below, the indices of ``NonZero`` over ``n`` ones.
    """
    if g.opset >= 11:
        return g.op("Range", ints(g, 0), g.op("Reshape", n, ints(g, [])), ints(g, 1))
    ones = g.op("ConstantOfShape", n, value=np.ones(1, dtype=np.int64))
    return g.op("Reshape", g.op("NonZero", ones), ints(g, [-1]))


def normalize_dim(dim: int, rank: int) -> int:
    """A dim index as non-negative (``-1`` of a rank-3 tensor is 2)."""
    return dim + rank if dim < 0 else dim


def pad(g: Builder, x: Any, rank: int, before: list[int], after: list[int] | None = None) -> Any:
    """Zero ``Pad`` of a rank-``rank`` ``x``: ``before``/``after`` give the first dims' pads (``after``
    defaults to ``before``), later dims get none. Pads are an attribute before opset 11, an input from it."""
    after = before if after is None else after
    pads = [*before, *[0] * (rank - len(before)), *after, *[0] * (rank - len(after))]
    if g.opset >= 11:
        return g.op("Pad", x, ints(g, pads))
    return g.op("Pad", x, pads=pads)


def reshape(g: Builder, x: Any, shape: Any) -> Any:
    """``Reshape`` to a computed int64 ``shape`` whose zeros mean size 0 (``allowzero``) from opset 14.

    Below opset 14 a 0 in ``shape`` copies the input's dim, so empty targets need a static shape there.
    """
    if g.opset >= 14:
        return g.op("Reshape", x, shape, allowzero=1)
    return g.op("Reshape", x, shape)


def to_1d(g: Builder, x: Any) -> Any:
    """A 0-d (or any 1-element) value as shape ``[1]``.

    The TorchScript exporter's scalar type analysis computes arithmetic on 0-d float64 values
    in float32; on 1-element 1-d values it keeps float64.
    """
    return g.op("Reshape", x, ints(g, [1]))


def to_0d(g: Builder, x: Any) -> Any:
    """A 1-element value as 0-d."""
    return g.op("Reshape", x, ints(g, []))
