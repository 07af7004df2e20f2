"""torch.gradient's finite differences along one dim, in standard ONNX ops (opset 9+).

The stencils and their order of operations are those of torch's ``gradient`` (ATen's
``gradient_helper`` and ``gradient_helper_float``, as torch.export decomposes them), so results
match eager torch to the last bit or so (torch divides by a scalar spacing as a multiplication
by its reciprocal). With n samples along the dim, n >= edge_order + 1 (torch checks it):

- uniform spacing h: (x[i+1] - x[i-1]) / h / 2 inside; (x[1] - x[0]) / h and (x[n-1] - x[n-2]) / h
  at the edges (edge_order 1) or (-1.5 x[0] + 2 x[1] - 0.5 x[2]) / h and its mirror (edge_order 2);
- coordinates c (a 1-d tensor of n values), dx = diff(c): second-order non-uniform central
  differences inside, one-sided ones of order ``edge_order`` at the edges.

Edge coefficients are computed from 1-element slices of dx, not 0-d values: the TorchScript
exporter computes 0-d float64 arithmetic in float32.
"""

from __future__ import annotations

import sys
from typing import Any

from symreg.builder import Builder
from symreg.ops._helpers import constant_like, ints, slice_


def gradient_along(g: Builder, x: Any, axis: int, rank: int, spacing: Any, edge_order: int) -> Any:
    """torch.gradient of ``x`` (rank ``rank``) along the non-negative ``axis``: ``spacing`` is a Python
    number (uniform) or a 1-d tensor of coordinates; ``edge_order`` 1 or 2."""

    def part(t: Any, start: int, end: int = sys.maxsize, along: int = axis) -> Any:
        return slice_(g, t, [along], [start], [end])

    def k(value: float) -> Any:
        return constant_like(g, [value], x)

    if isinstance(spacing, (int, float)):
        h = k(spacing)
        center = g.op("Div", g.op("Div", g.op("Sub", part(x, 2), part(x, 0, -2)), h), k(2.0))
        if edge_order == 1:
            first = g.op("Sub", part(x, 1, 2), part(x, 0, 1))
            last = g.op("Sub", part(x, -1), part(x, -2, -1))
        else:
            first = g.op("Add", g.op("Mul", part(x, 0, 1), k(-1.5)), g.op("Mul", part(x, 1, 2), k(2.0)))
            first = g.op("Sub", first, g.op("Mul", part(x, 2, 3), k(0.5)))
            last = g.op("Sub", g.op("Mul", part(x, -3, -2), k(0.5)), g.op("Mul", part(x, -2, -1), k(2.0)))
            last = g.op("Add", last, g.op("Mul", part(x, -1), k(1.5)))
        return g.op("Concat", g.op("Div", first, h), center, g.op("Div", last, h), axis=axis)

    dx = g.op("Sub", part(spacing, 1, along=0), part(spacing, 0, -1, along=0))
    d1, d2 = part(dx, 0, -1, along=0), part(dx, 1, along=0)
    along_axis = ints(g, [-1] + [1] * (rank - 1 - axis))
    a = g.op("Div", g.op("Neg", d2), g.op("Mul", d1, g.op("Add", d1, d2)))
    b = g.op("Div", g.op("Sub", d2, d1), g.op("Mul", d1, d2))
    c = g.op("Div", d1, g.op("Mul", d2, g.op("Add", d1, d2)))
    a, b, c = (g.op("Reshape", v, along_axis) for v in (a, b, c))
    center = g.op("Add", g.op("Mul", a, part(x, 0, -2)), g.op("Mul", b, part(x, 1, -1)))
    center = g.op("Add", center, g.op("Mul", c, part(x, 2)))
    first, second = part(dx, 0, 1, along=0), part(dx, 1, 2, along=0)
    before_last, last_dx = part(dx, -2, -1, along=0), part(dx, -1, along=0)
    if edge_order == 1:
        head = g.op("Div", g.op("Sub", part(x, 1, 2), part(x, 0, 1)), first)
        tail = g.op("Div", g.op("Sub", part(x, -1), part(x, -2, -1)), last_dx)
        return g.op("Concat", head, center, tail, axis=axis)
    s0 = g.op("Add", first, second)
    a0 = g.op("Div", g.op("Neg", g.op("Add", g.op("Mul", first, k(2.0)), second)), g.op("Mul", first, s0))
    b0 = g.op("Div", s0, g.op("Mul", first, second))
    c0 = g.op("Div", g.op("Neg", first), g.op("Mul", second, s0))
    head = g.op("Add", g.op("Mul", a0, part(x, 0, 1)), g.op("Mul", b0, part(x, 1, 2)))
    head = g.op("Add", head, g.op("Mul", c0, part(x, 2, 3)))
    s1 = g.op("Add", last_dx, before_last)
    a1 = g.op("Div", last_dx, g.op("Mul", before_last, s1))
    b1 = g.op("Div", g.op("Neg", s1), g.op("Mul", last_dx, before_last))
    c1 = g.op("Div", g.op("Add", g.op("Mul", last_dx, k(2.0)), before_last), g.op("Mul", last_dx, s1))
    tail = g.op("Add", g.op("Mul", a1, part(x, -3, -2)), g.op("Mul", b1, part(x, -2, -1)))
    tail = g.op("Add", tail, g.op("Mul", c1, part(x, -1)))
    return g.op("Concat", head, center, tail, axis=axis)
