"""Tensor creation: ranges (``arange``, ``logspace``) and tensors made from Python numbers
(``scalar_tensor``, ``full``, ``full_like``, ``fill``, ``masked_fill``, ``pow``).

Ranges (TorchScript only): torch 2.14's TorchScript rule of ``arange`` miscounts float bounds
with an integer ``dtype`` and it has no rule for ``logspace``; torch.export folds or
decomposes both correctly.

Python numbers (dynamo only; the TorchScript exporter keeps float64 constants): torch 2.14's
dynamo exporter (torchlib) turns a Python float into a float32 constant and casts it
afterwards, so a float64 model loses precision wherever a Python scalar meets a tensor:
``x * 0.45`` on a float64 ``x`` multiplies by 0.44999998807907104 (torch.export rewrites the
scalar as ``aten.scalar_tensor``), and ``torch.full``, ``full_like``, ``fill_``,
``masked_fill`` and ``0.45 ** x`` with a float value do the same. These rules write the
constant in its final dtype at once, as torch rounds it.

Rules are in alphabetical order of their op.
"""

from __future__ import annotations

from numbers import Number
from typing import Any

import numpy as np
import torch

from symreg import dtypes
from symreg.builder import Builder
from symreg.dtypes import argument_dtype
from symreg.ops._helpers import arange, cast, ints, or_default, to_1d
from symreg.ops._math_elementwise import to
from symreg.registry import op

_DYNAMO = ("dynamo",)
_TORCHSCRIPT = ("torchscript",)


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
        return ints(g, list(size))
    return g.op("Concat", *(ints(g, [s]) if isinstance(s, int) else to_1d(g, s) for s in size), axis=0)


def _dynamo_dtype(dtype, default: torch.dtype | None) -> torch.dtype | None:
    # The dynamo exporter passes a ScalarType argument as ONNX's enum (an onnx_ir.DataType), which
    # symreg.dtypes.argument_dtype reads as c10's numbering; the dtype table reads it right.
    return default if dtype is None else dtypes.torch_dtype(dtype)


def _arange(g: Builder, start, end, step, dtype) -> Any:
    """start + i * step for i < ceil((end - start) / step), the count computed in float64 as torch does.

    Bounds are graph values (constants or computed); ``start``/``step`` None mean 0 and 1. As in
    eager torch, an integer ``dtype`` truncates start and step to integers before computing the
    values; float dtypes compute them in float64 and round once. Computed on 1-element 1-d
    values: the TorchScript exporter computes 0-d float64 arithmetic in float32.
    """
    out = argument_dtype(g.constant_value(dtype))
    if out is None:
        floats = any((g.dtype(v) or torch.float32).is_floating_point for v in (start, end, step) if v is not None)
        out = torch.get_default_dtype() if floats else torch.int64
    start64, end64, step64 = (
        g.constant(np.array([default])) if v is None else to(g, to_1d(g, v), torch.float64)
        for v, default in ((start, 0.0), (end, 0.0), (step, 1.0))
    )
    count = g.op("Ceil", g.op("Div", g.op("Sub", end64, start64), step64))
    count = g.op("Max", count, g.constant(np.array([0.0])))
    index = arange(g, cast(g, count, torch.int64))
    compute = torch.float64 if out.is_floating_point or out == torch.bool else torch.int64
    first, delta = to(g, start64, compute), to(g, step64, compute)
    return to(g, g.op("Add", first, g.op("Mul", to(g, index, compute), delta)), out)


@op("aten::arange", opset=9, exporters=_TORCHSCRIPT)
def aten_arange(g: Builder, end, dtype=None, layout=None, device=None, pin_memory=None):
    """``arange(end)``: see :func:`_arange`; ``Range`` from opset 11, ``NonZero`` indices below
    (overrides torch's rule, which cast float bounds to an integer ``dtype`` before counting:
    ``arange(4.5, dtype=int64)`` came out one element short)."""
    return _arange(g, None, end, None, dtype)


@op("aten::arange.start", opset=9, exporters=_TORCHSCRIPT)
def aten_arange_start(g: Builder, start, end, dtype=None, layout=None, device=None, pin_memory=None):
    """``arange(start, end)``: as :func:`aten_arange`."""
    return _arange(g, start, end, None, dtype)


@op("aten::arange.start_step", opset=9, exporters=_TORCHSCRIPT)
def aten_arange_start_step(g: Builder, start, end, step, dtype=None, layout=None, device=None, pin_memory=None):
    """``arange(start, end, step)``: as :func:`aten_arange`."""
    return _arange(g, start, end, step, dtype)


@op("aten::fill.Scalar", opset=9, exporters=_DYNAMO)
def aten_fill_scalar(g: Builder, self, value):
    """``Expand`` of the value, as a constant in ``self``'s dtype, to ``self``'s shape."""
    return g.op("Expand", _scalar(g, value, g.dtype(self), self), g.op("Shape", self))


@op("aten::full", opset=9, exporters=_DYNAMO)
def aten_full(g: Builder, size, fill_value, dtype=None, layout=None, device=None, pin_memory=None):
    """``Expand`` of the fill value, as a constant in the result's dtype, to ``size``."""
    return g.op(
        "Expand",
        _scalar(g, fill_value, _dynamo_dtype(dtype, _value_dtype(g, fill_value))),
        _shape(g, size),
    )


@op("aten::full_like", opset=9, exporters=_DYNAMO)
def aten_full_like(
    g: Builder,
    self,
    fill_value,
    dtype=None,
    layout=None,
    device=None,
    pin_memory=None,
    memory_format=None,
):
    """``Expand`` of the fill value, as a constant in the result's dtype, to ``self``'s shape."""
    result_dtype = _dynamo_dtype(dtype, g.dtype(self))
    return g.op("Expand", _scalar(g, fill_value, result_dtype, self), g.op("Shape", self))


@op("aten::logspace", opset=9)
def aten_logspace(
    g: Builder, start, end, steps: int, base: float = 10.0, dtype=None, layout=None, device=None, pin_memory=None
):
    """base ** exponent (``Pow`` in float64, one cast to the output dtype), the exponents computed as
    torch's CPU kernel does, every overload; opsets 9+. The TorchScript exporter has no logspace rule;
    the dynamo exporter's fails ONNX shape inference at ``steps=1`` (a 1-d Pow declared 0-d).

    start and end are first rounded to the output dtype, end - start computed in it; the exponents
    in float64, from start for the first half and back from end for the second (start + step * i,
    then end - step * (steps - 1 - i)), with step = (end - start) / (steps - 1). ``steps`` is a
    constant, so the index vector is too. On 1-element 1-d values: the TorchScript exporter
    computes 0-d float64 arithmetic in float32.
    """
    out = or_default(argument_dtype(g.constant_value(dtype)), torch.get_default_dtype())
    raw_start = to_1d(g, start)
    start, end = (to(g, to_1d(g, v), out) for v in (start, end))
    if steps == 1:
        exponents = to(g, raw_start, torch.float64)  # torch: pow(base, start) from the unrounded start
    else:
        start64, end64 = (to(g, v, torch.float64) for v in (start, end))
        index = np.arange(steps, dtype=np.float64)
        span = to(g, g.op("Sub", end, start), torch.float64)  # end - start in the output dtype, as torch
        step = g.op("Div", span, g.constant(np.array([steps - 1], dtype=np.float64)))
        head = g.op("Add", start64, g.op("Mul", step, g.constant(index[: steps // 2])))
        tail = g.op("Sub", end64, g.op("Mul", step, g.constant(steps - 1 - index[steps // 2 :])))
        exponents = g.op("Concat", head, tail, axis=0)
    return to(g, g.op("Pow", g.constant(np.array([base], dtype=np.float64)), exponents), out)


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
def aten_scalar_tensor(g: Builder, s, dtype=None, layout=None, device=None, pin_memory=None):
    """The number as a 0-d constant in ``dtype`` (default: torch's default float dtype)."""
    return _scalar(g, s, _dynamo_dtype(dtype, torch.get_default_dtype()))
