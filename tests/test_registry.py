"""The registry's public API: declaring rules, errors at decoration time, scope/unregister."""

from __future__ import annotations

import functools
import io
import warnings
from typing import Optional

import pytest
import torch

import symreg


class Sinh(torch.nn.Module):
    def forward(self, x):
        return torch.sinh(x)


def torchscript_export(model, opset=13, x=None):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (torch.randn(3) if x is None else x,), io.BytesIO(), opset_version=opset, dynamo=False)


def torchscript_ops(model, opset=13):
    import onnx

    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (torch.randn(3),), buffer, opset_version=opset, dynamo=False)
    return [n.op_type for n in onnx.load_from_string(buffer.getvalue()).graph.node]


@pytest.mark.parametrize(
    "name,opset,message",
    [
        ("asinh", 9, 'name must be "namespace::op"'),
        ("aten::", 9, 'name must be "namespace::op"'),
        ("aten::a::b", 9, 'name must be "namespace::op"'),
        (3, 9, 'name must be "namespace::op"'),
        ("aten::asinh", 0, "outside what the installed onnx"),
        ("aten::asinh", 999, "outside what the installed onnx"),
        ("aten::asinh", "9", "outside what the installed onnx"),
        ("onnx::Sinh", 9, "onnx namespace"),
    ],
)
def test_bad_declarations_raise_value_error(name, opset, message):
    with pytest.raises(ValueError, match=message):
        symreg.op(name, opset=opset)(lambda g, x: x)


def test_duplicate_needs_replace():
    with symreg.scope():
        with pytest.raises(ValueError, match=r"aten::sinh.*already registered.*replace=True"):
            symreg.op("aten::sinh", opset=9)(lambda g, x: g.op("Sinh", x))
        symreg.op("aten::sinh", opset=9, replace=True)(lambda g, x: g.op("Neg", x))
        assert torchscript_ops(Sinh()) == ["Neg"]
    assert torchscript_ops(Sinh()) == ["Sinh"]


@pytest.mark.parametrize(
    "rule,args,message",
    [
        (lambda: None, None, "first positional parameter"),
        (lambda *xs: None, None, "first positional parameter"),
        (lambda g, *xs: None, None, "plain positional parameters"),
        (lambda g, x, *, k=1: None, None, "plain positional parameters"),
        (lambda g, x: None, "v,i", "describes 2 parameters"),
        (lambda g, x: None, "q", "unknown descriptor 'q'"),
    ],
)
def test_bad_rule_signatures_raise_type_error(rule, args, message):
    with pytest.raises(TypeError, match=message):
        symreg.op("mylib::bad", opset=9, args=args)(rule)
    assert "mylib::bad" not in symreg.rules()


def test_unsupported_annotation_names_the_parameter():
    def rule(g, x, k: dict):
        return x

    with pytest.raises(TypeError, match=r"mylib::bad.*'k'.*dict"):
        symreg.op("mylib::bad", opset=9)(rule)


def test_highest_applicable_opset_wins():
    with symreg.scope():
        symreg.unregister("aten::sinh")
        symreg.op("aten::sinh", opset=9)(lambda g, x: g.op("Neg", x))
        symreg.op("aten::sinh", opset=13)(lambda g, x: g.op("Abs", x))
        symreg.op("aten::sinh", opset=17)(lambda g, x: g.op("Sinh", x))
        assert symreg.rules()["aten::sinh"] == (9, 13, 17)
        assert torchscript_ops(Sinh(), 9) == ["Neg"]
        assert torchscript_ops(Sinh(), 12) == ["Neg"]
        assert torchscript_ops(Sinh(), 13) == ["Abs"]
        assert torchscript_ops(Sinh(), 16) == ["Abs"]
        assert torchscript_ops(Sinh(), 17) == ["Sinh"]
        assert torchscript_ops(Sinh(), 20) == ["Sinh"]


def test_rule_below_its_opset_is_not_used():
    with symreg.scope():
        symreg.unregister("aten::sinh")
        symreg.op("aten::sinh", opset=13)(lambda g, x: g.op("Sinh", x))
        torchscript_export(Sinh(), 13)
        with pytest.raises(torch.onnx.errors.UnsupportedOperatorError, match="aten::sinh"):
            torchscript_export(Sinh(), 11)


def test_unregister_restores_torchs_unsupported_error():
    """torch's own unregister leaves an empty entry ('min() arg is an empty sequence')."""
    with symreg.scope():
        symreg.unregister("aten::sinh")
        assert "aten::sinh" not in symreg.rules()
        for opset in (9, 13, 17, 20):
            with pytest.raises(torch.onnx.errors.UnsupportedOperatorError, match="aten::sinh"):
                torchscript_export(Sinh(), opset)
    torchscript_export(Sinh(), 13)


def test_unregister_one_opset():
    with symreg.scope():
        symreg.op("aten::sinh", opset=13)(lambda g, x: g.op("Abs", x))
        symreg.unregister("aten::sinh", opset=13)
        assert symreg.rules()["aten::sinh"] == (9,)
        assert torchscript_ops(Sinh(), 13) == ["Sinh"]


def test_unregister_unknown_raises_key_error():
    with pytest.raises(KeyError, match="mylib::nothing"):
        symreg.unregister("mylib::nothing")
    with pytest.raises(KeyError, match="at opset 12"):
        symreg.unregister("aten::sinh", opset=12)


def test_overriding_a_torch_builtin_and_restoring_it():
    class Relu(torch.nn.Module):
        def forward(self, x):
            return torch.relu(x)

    with symreg.scope():
        symreg.op("aten::relu", opset=9)(lambda g, x: g.op("Abs", x))
        assert torchscript_ops(Relu(), 9) == ["Abs"]
        assert torchscript_ops(Relu(), 14) == ["Abs"]  # torch has its own relu at 14: ours still wins
    assert torchscript_ops(Relu(), 14) == ["Relu"]


@functools.cache
def _ruleless_op():
    """``symregtest::twist``: a torch.library op that neither torch nor symreg has an ONNX rule for."""
    torch.library.define("symregtest::twist", "(Tensor x) -> Tensor")
    torch.library.impl("symregtest::twist", "CompositeExplicitAutograd")(lambda x: x.sin())
    return torch.ops.symregtest.twist


def test_users_own_torch_registration_survives_scope():
    def users(g, x):
        return g.op("Cos", x)

    twist = _ruleless_op()

    class Twist(torch.nn.Module):
        def forward(self, x):
            return twist(x)

    torch.onnx.register_custom_op_symbolic("symregtest::twist", users, 9)
    try:
        with symreg.scope():
            symreg.op("symregtest::twist", opset=9)(lambda g, x: g.op("Sin", x))
            assert torchscript_ops(Twist(), 13) == ["Sin"]
        assert torchscript_ops(Twist(), 13) == ["Cos"]
    finally:
        torch.onnx.unregister_custom_op_symbolic("symregtest::twist", 9)


def test_scope_removes_schemas_declared_inside():
    import onnx.defs

    with symreg.scope():
        symreg.schema("scopetest::Op", inputs=["X: T"], outputs=["Y: T"], types={"T": ["float"]})
        assert onnx.defs.has("Op", "scopetest")
    assert not onnx.defs.has("Op", "scopetest")


def test_translation_table_maps_overloads_to_rules():
    table = symreg.translation_table(18)
    assert torch.ops.aten.asinh.default in table
    assert torch.ops.aten.erfinv.default in table
    assert all(callable(v) for v in table.values())
    with symreg.scope():
        symreg.unregister("aten::asinh")
        assert torch.ops.aten.asinh.default not in symreg.translation_table(18)


def test_annotations_and_descriptors_agree():
    from symreg._typing import params_of

    def annotated(g, x, k: int, a: float, b: bool, s: str, dims: list[int], fs: list[float], o: Optional[int]):
        pass

    def described(g, x, k, a, b, s, dims, fs, o):
        pass

    assert [p.kind for p in params_of("m::a", annotated, None)] == [
        p.kind for p in params_of("m::a", described, "v,i,f,b,s,is,fs,i?")
    ]


def _sinh_by_lowering(g, x):
    return {"neg": lambda: g.op("Neg", x), "abs": lambda: g.op("Abs", x)}.get(g.lowering, lambda: g.op("Sinh", x))()


@pytest.mark.parametrize("dynamo", [False, True], ids=["torchscript", "dynamo"])
def test_forced_lowering_reaches_the_rule(dynamo):
    import onnx

    def exported_ops(**kwargs):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            program = symreg.export(Sinh(), (torch.randn(3),), None if dynamo else (buffer := io.BytesIO()),
                                    opset_version=18, dynamo=dynamo, verbose=False, **kwargs)  # fmt: skip
        proto = program.model_proto if dynamo else onnx.load_from_string(buffer.getvalue())
        return [n.op_type for n in proto.graph.node]

    with symreg.scope():
        symreg.op("aten::sinh", opset=9, replace=True, lowerings=("neg", "abs"))(_sinh_by_lowering)
        assert symreg.lowerings("aten::sinh") == ("neg", "abs")
        assert exported_ops() == ["Sinh"]
        symreg.set_lowering("aten::sinh", "neg")
        assert exported_ops() == ["Neg"]
        assert exported_ops(lowerings={"aten::sinh": "abs"}) == ["Abs"]
        assert exported_ops() == ["Neg"]
        symreg.set_lowering("aten::sinh", None)
        assert exported_ops() == ["Sinh"]


def test_lowering_choices_are_validated_and_scoped():
    with symreg.scope():
        symreg.op("aten::sinh", opset=9, replace=True, lowerings=("neg", "abs"))(_sinh_by_lowering)
        with pytest.raises(ValueError, match=r"aten::sinh has no lowering 'fast'; choose one of 'neg', 'abs'"):
            symreg.set_lowering("aten::sinh", "fast")
        with pytest.raises(ValueError, match="aten::cosh has no lowering 'x'; choose one of none"):
            symreg.set_lowering("aten::cosh", "x")
        with pytest.raises(TypeError, match="lowerings must be a tuple of names"):
            symreg.op("aten::sinh", opset=10, lowerings="neg")(_sinh_by_lowering)
        symreg.set_lowering("aten::sinh", "neg")
        assert torchscript_ops(Sinh()) == ["Neg"]
    assert symreg.lowerings("aten::sinh") == ()
    assert torchscript_ops(Sinh()) == ["Sinh"]


class Div(torch.nn.Module):
    def forward(self, x, y):
        return torch.div(x, y, rounding_mode="floor"), torch.div(x, y)


def _exported_ops(model, args, exporter, opset=13):
    import onnx

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if exporter == "dynamo":
            program = symreg.export(model, args, None, opset_version=18, dynamo=True, verbose=False)
            return [n.op_type for n in program.model_proto.graph.node]
        buffer = io.BytesIO()
        symreg.export(model, args, buffer, opset_version=opset)
        return [n.op_type for n in onnx.load_from_string(buffer.getvalue()).graph.node]


@pytest.mark.parametrize("exporter", ["torchscript", "dynamo"])
def test_an_overload_rule_serves_that_overload_only(exporter):
    args = (torch.randn(3), torch.randn(3))
    before = _exported_ops(Div(), args, exporter)
    assert "Neg" not in before
    with symreg.scope():

        @symreg.op("aten::div.Tensor_mode", opset=9)
        def div_mode(g, x, y, rounding_mode: Optional[str]):
            assert g.op_name == "aten::div.Tensor_mode" and g.overload == "aten::div.Tensor_mode"
            assert rounding_mode == "floor"
            return g.op("Neg", x)

        after = _exported_ops(Div(), args, exporter)
        assert after[0] == "Neg" and after.count("Div") == 1  # torch's own rule still serves aten::div.Tensor
        assert symreg.rules()["aten::div.Tensor_mode"] == (9,)
    assert _exported_ops(Div(), args, exporter) == before


class Reductions(torch.nn.Module):
    """Traced nodes of these overloads lose their schema (sum.dim_IntList, squeeze.dim) or are
    matched to an ``out=`` variant once scalars became tensors (max.dim read as max.out)."""

    def forward(self, x):
        return x.sum(dim=1), x.sum(), x.max(dim=1)[0], x.max(), x.squeeze(0), x.squeeze()


@pytest.mark.parametrize("exporter", ["torchscript", "dynamo"])
def test_overload_rules_serve_traced_nodes_without_a_schema(exporter):
    # The op pack has rules for some of these overloads: the test's own replace them.
    marks = {"aten::sum.dim_IntList": "Neg", "aten::max.dim": "Abs", "aten::squeeze.dim": "Sign"}
    with symreg.scope():

        @symreg.op("aten::sum.dim_IntList", opset=9, replace=True)
        def sum_dim(g, x, dim: Optional[list[int]], keepdim: bool, dtype: Optional[int]):
            return g.op("Neg", x)

        @symreg.op("aten::max.dim", opset=9, replace=True)
        def max_dim(g, x, dim: int, keepdim: bool):
            return g.op("Abs", x), g.op("Abs", x)

        @symreg.op("aten::squeeze.dim", opset=9, replace=True)
        def squeeze_dim(g, x, dim: int):
            return g.op("Sign", x)

        ops = _exported_ops(Reductions(), (torch.randn(1, 3),), exporter)
    for op_type in marks.values():
        assert ops.count(op_type) == 1, (op_type, ops)


@pytest.mark.parametrize("exporter", ["torchscript", "dynamo"])
def test_an_op_rule_receives_every_overload_and_errors_name_it(exporter):
    with symreg.scope():

        @symreg.op("aten::div", opset=9)
        def div(g, x, y, rounding_mode: Optional[int] = None):  # wrong annotation on purpose
            return g.op("Div", x, y)

        with pytest.raises(
            Exception, match=r"aten::div\.Tensor_mode: argument 'rounding_mode' expects Optional\[int\]"
        ):
            _exported_ops(Div(), (torch.randn(3), torch.randn(3)), exporter)


def test_aliases_share_one_rule_and_register_all_or_none():
    def rule(g, x):
        return g.op("Neg", x)

    with symreg.scope():
        symreg.op(("mylib::one", "mylib::two"), opset=11)(rule)
        assert symreg.rules()["mylib::one"] == symreg.rules()["mylib::two"] == (11,)
        with pytest.raises(ValueError, match="mylib::two.*already registered"):
            symreg.op(("mylib::three", "mylib::two"), opset=11)(rule)
        assert "mylib::three" not in symreg.rules()
    assert "mylib::one" not in symreg.rules()
    # the built-in pack registers torch.special's name for erfinv as an alias
    assert symreg.rules()["aten::special_erfinv"] == symreg.rules()["aten::erfinv"]


@pytest.mark.parametrize(
    "name,message",
    [
        ("aten::div.", 'name must be "namespace::op" or "namespace::op.overload"'),
        ("aten::div.a.b", 'name must be "namespace::op" or "namespace::op.overload"'),
        ((), "name the op"),
    ],
)
def test_bad_rule_names(name, message):
    with pytest.raises(ValueError, match=message):
        symreg.op(name, opset=9)(lambda g, x: x)


def test_exporters_are_validated():
    with pytest.raises(ValueError, match=r"exporters=\('tensorrt',\); choose one or more of"):
        symreg.op("aten::sinh", opset=9, exporters=("tensorrt",))
    with pytest.raises(ValueError, match="choose one or more of"):
        symreg.op("aten::sinh", opset=9, exporters=())


def test_a_torchscript_only_rule_leaves_dynamo_alone():
    class Frac(torch.nn.Module):
        def forward(self, x):
            return torch.frac(x)

    x = torch.tensor([1.5, -2.25, 3.0])
    with symreg.scope():
        symreg.op("aten::frac", opset=9, exporters=("torchscript",), replace=True)(lambda g, x: g.op("Neg", x))
        assert torch.ops.aten.frac.default not in symreg.translation_table(18)
        assert _exported_ops(Frac(), (x,), "torchscript") == ["Neg"]
        assert "Neg" not in _exported_ops(Frac(), (x,), "dynamo")
        symreg.op("aten::frac", opset=9, exporters=("dynamo",))(lambda g, x: g.op("Abs", x))
        assert torch.ops.aten.frac.default in symreg.translation_table(18)
        assert _exported_ops(Frac(), (x,), "dynamo") == ["Abs"]
        assert _exported_ops(Frac(), (x,), "torchscript") == ["Neg"]
