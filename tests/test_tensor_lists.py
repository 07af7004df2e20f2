"""Rules of ops that take or return a list of tensors (``Tensor[]``), under both exporters.

A ``Tensor[]`` argument reaches the rule as a Python list of values; a rule of an op that
returns ``Tensor[]`` returns a list or tuple of values. ``g.op("Split", ..., outputs=n)``
works with and without a ``split`` input.
"""

from __future__ import annotations

import pytest
import torch
from ortcheck import EXPORTS, Fn, assert_matches, export, run

import symreg


def _block_diag_of_two_3_wide(g, tensors):
    assert isinstance(tensors, list), f"Tensor[] reached the rule as {type(tensors).__name__}"
    a, b = tensors
    return g.op("Concat", g.op("Pad", a, g.constant([0, 0, 0, 3])), g.op("Pad", b, g.constant([0, 3, 0, 0])), axis=0)


def _unbind(g, x, dim: int):
    sizes = g.constant([1, 1, 1])
    return [g.op("Squeeze", part, g.constant([dim])) for part in g.op("Split", x, sizes, axis=dim, outputs=3)]


def _unbind_equal(g, x, dim: int):
    parts = g.op("Split", x, axis=dim, outputs=3)  # equal parts: opset 13-17 count outputs, 18 needs num_outputs
    return [g.op("Squeeze", part, g.constant([dim])) for part in parts]


@pytest.mark.parametrize("exporter, opset", [e for e in EXPORTS if e[1] >= 13])
def test_a_tensor_list_argument_is_a_list(exporter, opset):
    a, b = torch.randn(2, 3), torch.randn(4, 3)
    with symreg.scope():
        symreg.op("aten::block_diag", opset=9, replace=True)(_block_diag_of_two_3_wide)
        proto = export(Fn(lambda a, b: torch.block_diag(a, b)), (a, b), exporter, opset, dynamic=False)
    (y,) = run(proto, [a, b])
    assert_matches(y, torch.block_diag(a, b), rtol=0, atol=0)


@pytest.mark.parametrize("rule", [_unbind, _unbind_equal])
@pytest.mark.parametrize("exporter, opset", [e for e in EXPORTS if e[1] >= 13])
def test_a_rule_returns_a_tensor_list(exporter, opset, rule):
    x = torch.randn(3, 5)
    with symreg.scope():
        symreg.op("aten::unbind_copy", opset=9, replace=True)(rule)
        proto = export(Fn(lambda x: torch.unbind_copy(x, 0)), (x,), exporter, opset, dims=(1,))
        consumed = export(Fn(lambda x: torch.cat(torch.unbind_copy(x, 0))), (x,), exporter, opset, dims=(1,))
    for got, want in zip(run(proto, [x]), torch.unbind(x)):
        assert_matches(got, want, rtol=0, atol=0)
    assert_matches(run(consumed, [x])[0], x.reshape(-1), rtol=0, atol=0)
