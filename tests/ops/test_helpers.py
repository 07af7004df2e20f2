"""symreg.ops._helpers' graph builders, at every opset the op pack exports to, under both exporters.

Each case replaces ``aten::sinh``'s rule (in a scope) by a rule built from one helper,
exports ``torch.sinh(x)`` with dynamic dims, and compares ORT with the same computation
in torch on the export input and on a larger one.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from ortcheck import EXPORTS, Fn, assert_matches, export, run

import symreg
from symreg.ops import _helpers as h


def _minus_max(g, x):
    return g.op("Sub", x, h.reduce(g, "ReduceMax", x, [1], keepdims=True))


def _times_sum(g, x):
    return g.op("Mul", x, h.reduce(g, "ReduceSum", x, None, keepdims=False))


def _squeeze_unsqueeze(g, x):
    return h.squeeze(g, h.unsqueeze(g, x, [0, 2]), [0, 2])


def _roll_left(g, x):
    return g.op("Concat", h.slice_(g, x, [2], [1], [2**62]), h.slice_(g, x, [2], [0], [1]), axis=2)


def _roll_right(g, x):  # a bound the graph computes: opset 10+
    last = g.op("Sub", h.dim(g, x, 2), h.ints(g, [1]))
    return g.op("Concat", h.slice_(g, x, [2], [last], [2**62]), h.slice_(g, x, [2], [0], [last]), axis=2)


def _add_arange(g, x):
    return g.op("Add", x, h.cast(g, h.arange(g, h.dim(g, x, 2)), torch.float32))


def _reshape_by_shape_part(g, x):
    return g.op("Reshape", x, g.op("Concat", h.shape_part(g, x, 0, 2), h.ints(g, [-1]), axis=0))


def _pad_and_crop(g, x):  # pads dims 0 and 1, crops them back: the pads must have landed there
    padded = h.pad(g, x, 3, [1, 2], [0, 1])
    return h.slice_(g, padded, [0, 1], [1, 2], [2**62, -1])


def _reshape_through_0d(g, x):
    flat = h.reshape(g, x, h.ints(g, [-1]))
    first = h.to_0d(g, h.slice_(g, flat, [0], [0], [1]))
    return g.op("Add", x, h.to_1d(g, first))


CASES = {
    "reduce_max_keepdims": (_minus_max, lambda x: x - x.amax(1, keepdim=True), 9),
    "reduce_sum_all": (_times_sum, lambda x: x * x.sum(), 9),
    "squeeze_unsqueeze": (_squeeze_unsqueeze, lambda x: x, 9),
    "slice_static": (_roll_left, lambda x: torch.roll(x, -1, 2), 9),
    "slice_computed_bound": (_roll_right, lambda x: torch.roll(x, 1, 2), 10),
    "arange": (_add_arange, lambda x: x + torch.arange(x.shape[2], dtype=x.dtype), 9),
    "shape_part": (_reshape_by_shape_part, lambda x: x, 9),
    "pad": (_pad_and_crop, lambda x: x, 9),
    "reshape_to_0d_to_1d": (_reshape_through_0d, lambda x: x + x.reshape(-1)[0], 9),
}


@pytest.mark.parametrize("exporter, opset", EXPORTS)
@pytest.mark.parametrize("name", CASES)
def test_helper(name, exporter, opset):
    rule, reference, first_opset = CASES[name]
    x = torch.randn(3, 5, 4)
    with symreg.scope():
        symreg.op("aten::sinh", opset=9, replace=True)(rule)
        if opset < first_opset:
            with pytest.raises(Exception, match="needs opset 10"):
                export(Fn(torch.sinh), (x,), exporter, opset)
            return
        proto = export(Fn(torch.sinh), (x,), exporter, opset)
    for sample in (x, torch.randn(6, 8, 7)):
        assert_matches(run(proto, [sample])[0], reference(sample), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("exporter, opset", [e for e in EXPORTS if e[1] in (11, 18)])
def test_constant_value_reads_a_scalar_argument(exporter, opset):
    seen = []

    def leaky(g, x, slope):
        seen.append(g.constant_value(slope))
        return g.op("LeakyRelu", x, alpha=float(seen[-1]))

    x = torch.randn(4, 3)
    with symreg.scope():
        symreg.op("aten::leaky_relu", opset=9, replace=True)(leaky)
        proto = export(Fn(lambda x: torch.nn.functional.leaky_relu(x, 0.25)), (x,), exporter, opset)
    assert seen and seen[-1] == pytest.approx(0.25)
    assert_matches(run(proto, [x])[0], torch.nn.functional.leaky_relu(x, 0.25), rtol=1e-6, atol=0)


def test_with_axes_names_ops_without_axes():
    with pytest.raises(ValueError, match="Relu takes no axes"):
        h.with_axes(None, "Relu", None, [0])


def test_ints_shapes():
    class G:
        def constant(self, value):
            return value

    assert h.ints(G(), [1, 2]).shape == (2,) and h.ints(G(), 3).shape == () and h.ints(G(), []).dtype == np.int64


def test_normalize_dim():
    assert h.normalize_dim(-1, 3) == 2
    assert h.normalize_dim(1, 3) == 1
