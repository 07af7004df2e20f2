"""Math ops: hyperbolic functions and the inverse error function.

The TorchScript exporter of torch 2.14 has no rule for ``aten::sinh``, ``cosh``,
``asinh``, ``acosh``, ``atanh`` or ``erfinv`` at any opset; the dynamo exporter has
none for ``erfinv``. ONNX has the five hyperbolic ops since opset 9, but ONNX
Runtime's CPU provider lacks float64 kernels for them, so float64 inputs get an
exact composition of standard ops instead (:mod:`symreg.ops._hyperbolic_f64`).
ONNX has no erfinv: it becomes ``symreg::Erfinv``, run by symreg's C++ kernel.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from symreg import op, same_as_input, schema
from symreg.builder import Builder
from symreg.ops import _hyperbolic_f64

_FLOAT = (torch.float32, torch.float64)


def _as_float(g: Builder, x):
    """Casts non-float32/64 inputs to float32, as torch promotes them; returns (x, dtype to cast back to)."""
    dtype = g.dtype(x)
    if dtype is None or dtype in _FLOAT:
        return x, None
    x = g.op("Cast", x, to=1)  # TensorProto.FLOAT
    return x, dtype if dtype.is_floating_point else None


def _cast_back(g: Builder, y, dtype: torch.dtype | None):
    if dtype is None:
        return y
    return g.op("Cast", y, to={torch.float16: 10, torch.bfloat16: 16}[dtype])


def _hyperbolic(onnx_op: str, float64: Callable) -> Callable:
    def rule(g: Builder, x):
        x, back = _as_float(g, x)
        if g.dtype(x) == torch.float64:
            return _float64(g, x, float64)
        return _cast_back(g, g.op(onnx_op, x), back)

    rule.__doc__ = f"``{onnx_op}``; float64 via an exact composition of standard ops."
    return rule


def _float64(g: Builder, x, lowering: Callable):
    if g.rank(x) != 0:
        return lowering(g, x)
    # The TorchScript exporter's scalar type analysis computes arithmetic on 0-d float64
    # values in float32 (torch's own x * x does the same); a rank-1 view keeps float64.
    y = lowering(g, g.op("Reshape", x, g.constant([1])))
    return g.op("Reshape", y, g.constant(np.zeros(0, dtype=np.int64)))


aten_acosh = op("aten::acosh", opset=9)(_hyperbolic("Acosh", _hyperbolic_f64.acosh))
aten_asinh = op("aten::asinh", opset=9)(_hyperbolic("Asinh", _hyperbolic_f64.asinh))
aten_atanh = op("aten::atanh", opset=9)(_hyperbolic("Atanh", _hyperbolic_f64.atanh))
aten_cosh = op("aten::cosh", opset=9)(_hyperbolic("Cosh", _hyperbolic_f64.cosh))
aten_sinh = op("aten::sinh", opset=9)(_hyperbolic("Sinh", _hyperbolic_f64.sinh))


ERFINV = schema(
    "symreg::Erfinv",
    inputs=["X: T"],
    outputs=["Y: T"],
    types={"T": ["float", "double"]},
    infer=same_as_input(0),
    doc="Inverse error function, elementwise: Y = erfinv(X); ±inf at ±1, NaN outside [-1, 1].",
)


@op("aten::erfinv", opset=9)
def aten_erfinv(g: Builder, x):
    """``symreg::Erfinv`` (ONNX has no erfinv), run by symreg's C++ kernel."""
    x, back = _as_float(g, x)
    return _cast_back(g, g.op("symreg::Erfinv", x), back)
