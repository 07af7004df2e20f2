"""Activations: celu, prelu, softplus, threshold.

Each composes standard ONNX ops at every opset from 9, float64 included, where ONNX's own op
is float32-only (``Celu``), has no float64 kernel in ORT (``Softplus``) or torch's rule was
wrong (``prelu``, ``softplus``, ``threshold``); each rule's docstring says what was wrong.
expm1/log1p are the accurate ones of :mod:`symreg.ops._math_elementwise`.
Rules are in alphabetical order of their op.
"""

from __future__ import annotations

import torch

from symreg.builder import Builder
from symreg.ops._helpers import ints
from symreg.ops._math_elementwise import c, expm1, log1p, rank1, unary_float
from symreg.registry import op


@op("aten::celu", opset=9)
def aten_celu(g: Builder, x, alpha: float = 1.0):
    """x where x > 0, else alpha * expm1(x / alpha), with an accurate expm1; opsets 9+, both exporters.

    ONNX has ``Celu`` from opset 12 but only for float32, so one composition serves every
    opset and float64 too; torchlib's celu computes float64 with float32 constants.
    """

    def fn(g, x):
        negative = g.op("Mul", expm1(g, g.op("Mul", x, c(g, 1.0 / alpha, x))), c(g, alpha, x))
        return g.op("Where", g.op("Greater", x, c(g, 0.0, x)), x, negative)

    return unary_float(g, fn, x)


@op("aten::prelu", opset=9, exporters=("torchscript",))
def aten_prelu(g: Builder, x, weight):
    """x where x > 0, else weight * x, weight along dim 1 (dim 0 of a 1-d x); opsets 9+ (overrides torch's rule).

    torch's rule unsqueezes the weight to the input's rank with axes that ORT rejects when
    the weight is 0-d (OpInfo's samples). Here the weight is reshaped to [C, 1, ...] (rank - 1
    dims) for inputs of rank >= 2, used as is for 1-d inputs and flattened for 0-d ones.
    TorchScript only: the dynamo exporter's prelu works.
    """
    rank = g.rank(x)
    if rank is not None and rank >= 2:
        weight = g.op("Reshape", weight, ints(g, [-1] + [1] * (rank - 2)))
    elif rank == 0:
        weight = g.op("Reshape", weight, ints(g, [-1]))

    def fn(g, x):
        return g.op("Where", g.op("Greater", x, c(g, 0.0, x)), x, g.op("Mul", x, weight))

    return rank1(g, fn, x)


@op("aten::softplus", opset=9)
def aten_softplus(g: Builder, x, beta: float = 1.0, threshold: float = 20.0):
    """x where beta * x > threshold, else log1p(exp(beta * x)) / beta; opsets 9+ (overrides torch's rule).

    torch's rule was Softplus(beta * x) / beta: it ignored ``threshold`` (eager returns x
    above it), lost all relative accuracy below x = -17 (log(1 + tiny) rounds to 0) and
    fails in ORT for float64 (no double Softplus kernel). log1p here is accurate near 0. Also
    for dynamo, whose float64 softplus was off by up to 7e-6 relative.
    """

    def fn(g, x):
        scaled = g.op("Mul", x, c(g, beta, x))
        soft = g.op("Div", log1p(g, g.op("Exp", scaled)), c(g, beta, x))
        return g.op("Where", g.op("Greater", scaled, c(g, threshold, x)), x, soft)

    return unary_float(g, fn, x)


@op("aten::threshold", opset=9, exporters=("torchscript",))
def aten_threshold(g: Builder, x, threshold: float, value: float):
    """value where x <= threshold, else x (NaN stays NaN), in x's dtype; opsets 9+ (overrides torch's rule).

    torch's rule only took threshold 0. TorchScript only: the dynamo exporter's threshold works.
    """
    floating = (g.dtype(x) or torch.float32).is_floating_point

    def fn(g, x):
        keep = g.op("Greater", x, c(g, threshold, x))
        if floating:
            keep = g.op("Or", keep, g.op("IsNaN", x))
        return g.op("Where", keep, x, c(g, value, x))

    return rank1(g, fn, x)
