"""Tensors made from Python numbers: ``scalar_tensor``, ``full``, ``full_like``, ``fill``, ``masked_fill``, ``pow``.

torch 2.14's dynamo exporter (torchlib) turns a Python float into a float32 constant
and casts it afterwards, so a float64 model loses precision wherever a Python scalar
meets a tensor: ``x * 0.45`` on a float64 ``x`` multiplies by 0.44999998807907104
(torch.export rewrites the scalar as ``aten.scalar_tensor``), and ``torch.full``,
``full_like``, ``fill_``, ``masked_fill`` and ``0.45 ** x`` with a float value do the same. These rules
(dynamo only; the TorchScript exporter keeps float64 constants) write the constant in
its final dtype at once, as torch rounds it. Rules are in alphabetical order of their op.
"""

from __future__ import annotations

from numbers import Number
from typing import Any

import numpy as np
import torch

from symreg import dtypes
from symreg.builder import Builder
from symreg.ops._helpers import cast
from symreg.registry import op

_DYNAMO = ("dynamo",)


def _value_dtype(g: Builder, value: Any) -> torch.dtype:
    """torch's dtype for a tensor made from ``value`` (a Python number or a symbolic one) with no ``dtype=``."""
    if not isinstance(value, Number):
        return torch.int64 if g.dtype(value) in (torch.int32, torch.int64) else torch.get_default_dtype()
    if isinstance(value, bool):
        return torch.bool
    if isinstance(value, int):
        return torch.int64
    return torch.get_default_dtype()


def _scalar(g: Builder, value: Any, dtype: torch.dtype | None, like: Any = None) -> Any:
    """A 0-d tensor of ``value`` in ``dtype`` (None: ``like``'s): a constant for a Python number,
    else a Cast of the graph value."""
    if dtype is None:
        source = g.constant(np.asarray(value, dtype=np.float64)) if isinstance(value, Number) else value
        return g.op("CastLike", source, like)
    if not isinstance(value, Number):  # a SymInt/SymFloat: a value the graph computes
        return cast(g, value, dtype)
    if dtypes.lookup(dtype).numpy is None:  # bfloat16: NumPy cannot hold it; float32 rounds to nearest first
        return cast(g, g.constant(np.asarray(value, dtype=np.float32)), dtype)
    return g.constant(np.asarray(value, dtype=dtypes.numpy_dtype(dtype)))


def _shape(g: Builder, size: list) -> Any:
    """A 1-d int64 shape from ``size``: Python ints and 0-d graph values (symbolic sizes)."""
    if all(isinstance(s, int) for s in size):
        return g.constant(np.asarray(size, dtype=np.int64).reshape(len(size)))
    parts = [g.constant([s]) if isinstance(s, int) else g.op("Reshape", s, g.constant([1])) for s in size]
    return g.op("Concat", *parts, axis=0)


def _dtype(dtype: int | None, default: torch.dtype) -> torch.dtype:
    return default if dtype is None else dtypes.torch_dtype(dtype)


@op("aten::fill.Scalar", opset=9, exporters=_DYNAMO)
def aten_fill_scalar(g: Builder, self, value):
    """``Expand`` of the value, as a constant in ``self``'s dtype, to ``self``'s shape."""
    return g.op("Expand", _scalar(g, value, g.dtype(self), self), g.op("Shape", self))


@op("aten::full", opset=9, exporters=_DYNAMO)
def aten_full(g: Builder, size, fill_value, dtype: int | None = None, layout=None, device=None, pin_memory=None):
    """``Expand`` of the fill value, as a constant in the result's dtype, to ``size``."""
    return g.op("Expand", _scalar(g, fill_value, _dtype(dtype, _value_dtype(g, fill_value))), _shape(g, size))


@op("aten::full_like", opset=9, exporters=_DYNAMO)
def aten_full_like(
    g: Builder,
    self,
    fill_value,
    dtype: int | None = None,
    layout=None,
    device=None,
    pin_memory=None,
    memory_format=None,
):
    """``Expand`` of the fill value, as a constant in the result's dtype, to ``self``'s shape."""
    result_dtype = g.dtype(self) if dtype is None else dtypes.torch_dtype(dtype)
    return g.op("Expand", _scalar(g, fill_value, result_dtype, self), g.op("Shape", self))


@op("aten::masked_fill.Scalar", opset=9, exporters=_DYNAMO)
def aten_masked_fill_scalar(g: Builder, self, mask, value):
    """``Where(mask, value, self)`` with the value a constant in ``self``'s dtype."""
    return g.op("Where", mask, _scalar(g, value, g.dtype(self), self), self)


@op("aten::pow.Scalar", opset=9, exporters=_DYNAMO)
def aten_pow_scalar(g: Builder, self, exponent):
    """``Pow(self, exponent)`` for a Python number ``self``, made a constant in the result's dtype.

    The result's dtype is torch's: the exponent's when it is a float tensor or both are
    integers, the default float dtype for a float base and an integer exponent.
    """
    dtype = g.dtype(exponent)
    if dtype is not None and not dtype.is_floating_point and isinstance(self, float):
        dtype = torch.get_default_dtype()
        exponent = cast(g, exponent, dtype)
    return g.op("Pow", _scalar(g, self, dtype, exponent), exponent)


@op("aten::scalar_tensor", opset=9, exporters=_DYNAMO)
def aten_scalar_tensor(g: Builder, s, dtype: int | None = None, layout=None, device=None, pin_memory=None):
    """The number as a 0-d constant in ``dtype`` (default: torch's default float dtype)."""
    return _scalar(g, s, _dtype(dtype, torch.get_default_dtype()))
