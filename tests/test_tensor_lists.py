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


def _histogramdd_as_lists(g, x, bins, range=None, weight=None, density=False):
    return g.op("Neg", x), [g.op("Abs", x), g.op("Relu", x)]


def _histogramdd_list_first(g, x, bins, range=None, weight=None, density=False):
    return [g.op("Neg", x)], [g.op("Abs", x)]


@pytest.mark.parametrize("opset", [e[1] for e in EXPORTS if e[0] == "torchscript" and e[1] >= 11])
def test_a_rule_returns_a_tensor_and_a_tensor_list(opset):
    # aten::histogramdd returns (Tensor, Tensor[]): the list is the rule's second value; under dynamo
    # torch.export decomposes the op, so only the TorchScript exporter meets such a schema.
    x = torch.randn(4, 2)
    with symreg.scope():
        symreg.op("aten::histogramdd", opset=11, replace=True)(_histogramdd_as_lists)
        model = Fn(lambda x: (lambda h, e: (h, *e))(*torch.histogramdd(x, [2, 3])))
        proto = export(model, (x,), "torchscript", opset, dynamic=False)
    for got, want in zip(run(proto, [x]), (-x, x.abs(), x.relu())):
        assert_matches(got, want, rtol=0, atol=0)


def test_a_list_where_the_schema_has_a_tensor_is_an_error():
    x = torch.randn(4, 2)
    with symreg.scope():
        symreg.op("aten::histogramdd", opset=11, replace=True)(_histogramdd_list_first)
        model = Fn(lambda x: (lambda h, e: (h, *e))(*torch.histogramdd(x, [2, 3])))
        with pytest.raises(Exception, match="returned a list as output 0, which is a Tensor"):
            export(model, (x,), "torchscript", 17, dynamic=False)
