"""A rule that misbehaves gets an error naming the op, the rule and what was wrong, under both exporters."""

from __future__ import annotations

import io

import pytest
import torch

import symreg
from symreg.errors import ExportError, RuleError
from symreg.ops._helpers import reduce

EXPORTERS = [("torchscript", 13), ("dynamo", 18)]
RULE = r"the rule (tests\.)?test_rule_errors\."


class Sinh(torch.nn.Module):
    def forward(self, x):
        return torch.sinh(x) + 1


class MaxDim(torch.nn.Module):
    def forward(self, x):
        values, indices = torch.max(x, dim=1)
        return values + 1, indices


def _export(model, exporter, opset):
    symreg.export(model, (torch.randn(2, 3),), io.BytesIO(), opset_version=opset, dynamo=exporter == "dynamo")


def two_values(g, x):
    return g.op("Sinh", x), g.op("Sinh", x)


def one_value(g, x, dim: int, keepdim: bool):
    return g.op("ArgMax", x, axis=dim, keepdims=int(keepdim))


def max_dim(g, x, dim: int, keepdim: bool):
    return reduce(g, "ReduceMax", x, [dim], keepdim), g.op("ArgMax", x, axis=dim, keepdims=int(keepdim))


def returns_none(g, x):
    g.op("Sinh", x)


def returns_number(g, x):
    return 3.0


def raises(g, x):
    raise ValueError("boom")


def extra_parameter(g, x, extra: int):
    return g.op("Sinh", x)


def no_such_op(g, x):
    return g.op("NoSuchOnnxOp", x)


def too_new(g, x):
    return g.op("Gelu", x)  # opset 20


def undeclared_domain(g, x):
    return g.op("nodomain::Sinh", x)


@pytest.mark.parametrize("exporter,opset", EXPORTERS)
@pytest.mark.parametrize(
    "name,model,rule,message",
    [
        ("aten::sinh", Sinh, two_values, r"two_values returned 2 values; the op has 1 output: return one value"),
        ("aten::max.dim", MaxDim, one_value, r"one_value returned one value; the op has 2 outputs"),
        ("aten::sinh", Sinh, returns_none, r"returns_none returned None, not a graph value; return the value"),
        ("aten::sinh", Sinh, returns_number, r"returns_number returned 3\.0 \(a float\), not a graph value"),
        ("aten::sinh", Sinh, raises, r"raises raised ValueError: boom"),
    ],
)
def test_a_misbehaving_rule_is_named_with_what_it_did(exporter, opset, name, model, rule, message):
    with symreg.scope():
        symreg.op(name, opset=9, replace=True)(rule)
        with pytest.raises(RuleError, match=r"^aten::(sinh|max\.dim): " + RULE + message):
            _export(model(), exporter, opset)


@pytest.mark.parametrize("exporter,opset", EXPORTERS)
def test_a_rule_with_a_parameter_the_op_lacks_names_it(exporter, opset):
    with symreg.scope():
        symreg.op("aten::sinh", opset=9, replace=True)(extra_parameter)
        with pytest.raises(
            ExportError,
            match=r"^aten::sinh: the model passes 1 arguments but " + RULE + "extra_parameter also needs 'extra'",
        ):
            _export(Sinh(), exporter, opset)


@pytest.mark.parametrize("exporter,opset", EXPORTERS)
@pytest.mark.parametrize(
    "rule,message",
    [
        (no_such_op, r"'NoSuchOnnxOp', which ONNX does not have at opset \d+; no ONNX version has it"),
        (too_new, r"'Gelu', which ONNX does not have at opset \d+; it exists from opset 20"),
        (undeclared_domain, r"custom op 'nodomain::Sinh' has no declared schema; declare it with symreg.schema"),
    ],
)
def test_a_node_type_onnx_lacks_is_refused_when_the_rule_emits_it(exporter, opset, rule, message):
    with symreg.scope():
        symreg.op("aten::sinh", opset=9, replace=True)(rule)
        with pytest.raises(ExportError, match=r"^aten::sinh: (the rule emits )?" + message):
            _export(Sinh(), exporter, opset)


def test_a_well_behaved_rule_still_exports():
    with symreg.scope():
        symreg.op("aten::max.dim", opset=9, replace=True)(max_dim)
        for exporter, opset in EXPORTERS:
            _export(MaxDim(), exporter, opset)
