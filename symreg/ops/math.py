"""Elementwise math ops: hyperbolic functions, the inverse error function, frac.

The TorchScript exporter of torch 2.14 has no rule for ``aten::sinh``, ``cosh``,
``asinh``, ``acosh``, ``atanh``, ``erfinv`` or ``frac`` at any opset; the dynamo
exporter has none for ``erfinv``. ONNX has the five hyperbolic ops since opset 9, but
ONNX Runtime's CPU provider lacks float64 kernels for them, so float64 inputs get an
exact composition of standard ops instead (:mod:`symreg.ops._hyperbolic_f64`).
ONNX has no erfinv: it becomes ``symreg::Erfinv``, run by symreg's C++ kernel.
Rules are in alphabetical order of their op.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from symreg.builder import Builder
from symreg.ops import _hyperbolic_f64
from symreg.ops._helpers import cast_back, promote_to_float
from symreg.registry import op
from symreg.schemas import same_as_input, schema


def _hyperbolic(onnx_op: str, float64: Callable) -> Callable:
    def rule(g: Builder, x):
        x, back = promote_to_float(g, x)
        if g.dtype(x) == torch.float64:
            return _float64(g, x, float64)
        return cast_back(g, g.op(onnx_op, x), back)

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


ERFINV = schema(
    "symreg::Erfinv",
    inputs=["X: T"],
    outputs=["Y: T"],
    types={"T": ["float", "double"]},
    infer=same_as_input(0),
    doc="Inverse error function, elementwise: Y = erfinv(X); ±inf at ±1, NaN outside [-1, 1].",
)


@op(("aten::erfinv", "aten::special_erfinv"), opset=9)
def aten_erfinv(g: Builder, x):
    """``symreg::Erfinv`` (ONNX has no erfinv), run by symreg's C++ kernel."""
    x, back = promote_to_float(g, x)
    return cast_back(g, g.op("symreg::Erfinv", x), back)


@op("aten::frac", opset=9, exporters=("torchscript",))
def aten_frac(g: Builder, x):
    """x - trunc(x), with trunc(x) = Sign(x) * Floor(|x|) (ONNX has no Trunc).

    Exact: trunc(x) is exact in any float type and so is x - trunc(x), so results equal
    torch's bit for bit (frac(±inf) is NaN, as in torch). TorchScript only: the dynamo
    exporter's own frac lowering already works.
    """
    x, back = promote_to_float(g, x)
    if g.dtype(x) == torch.float64:
        return _float64(g, x, _frac)
    return cast_back(g, _frac(g, x), back)


def _frac(g: Builder, x):
    trunc = g.op("Mul", g.op("Sign", x), g.op("Floor", g.op("Abs", x)))
    return g.op("Sub", x, trunc)


aten_sinh = op("aten::sinh", opset=9)(_hyperbolic("Sinh", _hyperbolic_f64.sinh))
