"""Helpers that rules share: dtype promotion as torch does it, casts, typed constants, optional arguments.

Every rule of the op pack uses these instead of numeric ``Cast`` targets or its own
promotion; a user's rules may use them too (they only call the public builder ``g``).
"""

from __future__ import annotations

from typing import Any, TypeVar

import numpy as np
import torch

from symreg import dtypes
from symreg.builder import Builder

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
