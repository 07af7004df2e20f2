"""User-defined ops: typed arguments through both exporters, custom-domain schemas, errors."""

from __future__ import annotations

import io
import warnings

import numpy as np
import onnx
import pytest
import torch
from ortcheck import export, run

import symreg


@torch.library.custom_op("symregtest::scale_roll", mutates_args=())
def scale_roll(x: torch.Tensor, shift: int, alpha: float, negate: bool, dims: list[int]) -> torch.Tensor:
    y = torch.roll(x * alpha, shifts=[shift] * len(dims), dims=dims)
    return -y if negate else y


@scale_roll.register_fake
def _(x, shift, alpha, negate, dims):
    return torch.empty_like(x)


seen: list[tuple] = []


@symreg.op("symregtest::scale_roll", opset=11)
def scale_roll_rule(g, x, shift: int, alpha: float, negate: bool, dims: list[int]):
    seen.append((type(shift), type(alpha), type(negate), type(dims), tuple(type(d) for d in dims)))
    y = g.op("Mul", x, g.constant(alpha, dtype=g.dtype(x)))
    shape = g.op("Shape", x)
    for d in dims:  # roll by `shift` along d: concat(x[-shift:], x[:-shift]) with a dynamic length
        n = g.op("Gather", shape, g.constant([d]), axis=0)
        k = g.op("Mod", g.constant([-shift]), n)
        head = g.op("Slice", y, k, n, g.constant([d]))
        tail = g.op("Slice", y, g.constant([0]), k, g.constant([d]))
        y = g.op("Concat", head, tail, axis=d)
    return g.op("Neg", y) if negate else y


class ScaleRoll(torch.nn.Module):
    def __init__(self, shift=1, alpha=0.5, negate=True, dims=(0, 1)):
        super().__init__()
        self.args = (shift, alpha, negate, list(dims))

    def forward(self, x):
        return scale_roll(x, *self.args)


@pytest.mark.parametrize("exporter,opset", [("torchscript", 11), ("torchscript", 17), ("dynamo", 18)])
@pytest.mark.parametrize(
    "shift,alpha,negate,dims", [(1, 0.5, True, (0, 1)), (-2, 3, False, (1,)), (0, 1.0, True, (0,))]
)
def test_typed_arguments_arrive_as_python_values(exporter, opset, shift, alpha, negate, dims):
    model = ScaleRoll(shift, alpha, negate, dims)
    seen.clear()
    x = torch.randn(4, 5)
    proto = export(model, (x,), exporter, opset)
    assert seen and seen[-1][:4] == (int, float, bool, list) and set(seen[-1][4]) <= {int}
    for shape in ((4, 5), (6, 3)):
        x2 = torch.randn(shape)
        (y,) = run(proto, [x2])
        np.testing.assert_allclose(y, model(x2).numpy(), rtol=1e-6)


@torch.library.custom_op("symregtest::scaled", mutates_args=())
def scaled(x: torch.Tensor, factor: int) -> torch.Tensor:
    return x * factor


@scaled.register_fake
def _(x, factor):
    return torch.empty_like(x)


class ScaledBySize(torch.nn.Module):
    def forward(self, x):
        return scaled(x, x.shape[0])


@torch.library.custom_op("symregtest::offset", mutates_args=())
def offset(x: torch.Tensor, amount: torch.Tensor) -> torch.Tensor:
    return x + amount


@offset.register_fake
def _(x, amount):
    return torch.empty_like(x)


class OffsetByMean(torch.nn.Module):
    def forward(self, x):
        return offset(x, x.mean())


@pytest.mark.parametrize(
    "model,name,dynamo",
    [
        (OffsetByMean(), "symregtest::offset", False),  # a computed tensor where the rule wants a float
        (OffsetByMean(), "symregtest::offset", True),
        (ScaledBySize(), "symregtest::scaled", True),  # a dynamic size (SymInt) where the rule wants an int
    ],
    ids=["tensor-torchscript", "tensor-dynamo", "symint-dynamo"],
)
def test_non_constant_argument_names_op_and_argument(model, name, dynamo):
    with symreg.scope():

        @symreg.op(name, opset=9)
        def rule(g, x, amount: float):
            return g.op("Add", x, g.constant(amount))

        dynamic = {"dynamic_shapes": ({0: torch.export.Dim("n")},)} if dynamo else {"dynamic_axes": {"x": {0: "n"}}}
        with pytest.raises(Exception) as info, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            symreg.export(
                model,
                (torch.randn(3, 2),),
                io.BytesIO(),
                opset_version=18 if dynamo else 13,
                dynamo=dynamo,
                input_names=["x"],
                verbose=False,
                **dynamic,
            )
        errors = [e for e in _chain(info.value) if isinstance(e, symreg.ConstantArgumentError)]
        assert errors, f"no ConstantArgumentError in {_chain(info.value)}"
        assert name in str(errors[0]) and "'amount'" in str(errors[0])


def _chain(error: BaseException) -> list[BaseException]:
    chain = [error]
    while chain[-1].__cause__ is not None:
        chain.append(chain[-1].__cause__)
    return chain


def test_wrong_constant_type_is_an_export_error():
    with symreg.scope():

        @symreg.op("symregtest::scaled", opset=9)
        def rule(g, x, factor: str):
            return x

        with pytest.raises(Exception) as info:
            export(ScaledFixed(), (torch.randn(3),), "torchscript", 13)
        assert any(isinstance(e, symreg.ExportError) and "'factor' expects str" in str(e) for e in _chain(info.value))


class ScaledFixed(torch.nn.Module):
    def forward(self, x):
        return scaled(x, 2)


# A custom-domain op declared by a user: schema, output typing, opset import, checker.
symreg.schema(
    "symregtest::Twice",
    inputs=["X: T"],
    outputs=["Y: T"],
    types={"T": ["float", "double"]},
    attrs={"gain": 2.0},
    infer=symreg.same_as_input(0),
)


@torch.library.custom_op("symregtest::twice", mutates_args=())
def twice(x: torch.Tensor) -> torch.Tensor:
    return 2 * x


@twice.register_fake
def _(x):
    return torch.empty_like(x)


@symreg.op("symregtest::twice", opset=9)
def twice_rule(g, x):
    return g.op("symregtest::Twice", x, gain=2.0)


class TwiceThenRelu(torch.nn.Module):
    def forward(self, x):
        return torch.relu(twice(x)) + 1


@pytest.mark.parametrize("exporter,opset", [("torchscript", 9), ("torchscript", 13), ("dynamo", 18)])
def test_custom_domain_node_is_typed_imported_and_checked(exporter, opset):
    proto = export(TwiceThenRelu(), (torch.randn(2, 3, dtype=torch.float64),), exporter, opset)
    assert {(o.domain, o.version) for o in proto.opset_import} >= {("symregtest", 1)}
    node = next(n for n in proto.graph.node if n.op_type == "Twice")
    assert node.domain == "symregtest"
    inferred = onnx.shape_inference.infer_shapes(proto, strict_mode=True, data_prop=True)
    types = {v.name: v.type.tensor_type for v in inferred.graph.value_info}
    types.update({v.name: v.type.tensor_type for v in inferred.graph.output})
    out = types[node.output[0]]
    assert out.elem_type == onnx.TensorProto.DOUBLE and len(out.shape.dim) == 2
    final = types[inferred.graph.output[0].name]  # shapes survive past the custom node
    assert final.elem_type == onnx.TensorProto.DOUBLE and len(final.shape.dim) == 2


def test_symreg_export_keeps_custom_domain_import_when_writing_a_file(tmp_path):
    path = tmp_path / "m.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        symreg.export(TwiceThenRelu(), (torch.randn(2, 3),), str(path), opset_version=18, dynamo=True, verbose=False)
    model = onnx.load(path)
    assert ("symregtest", 1) in {(o.domain, o.version) for o in model.opset_import}
    onnx.checker.check_model(model, full_check=True)


def test_custom_op_without_schema_is_a_clear_export_error():
    with symreg.scope():
        symreg.op("symregtest::twice", opset=9, replace=True)(lambda g, x: g.op("nowhere::Twice", x))
        with pytest.raises(Exception) as info:
            export(TwiceThenRelu(), (torch.randn(2),), "dynamo", 18)
        assert any("nowhere::Twice" in str(e) and "symreg.schema" in str(e) for e in _chain(info.value))


@pytest.mark.parametrize(
    "kwargs,message",
    [
        (dict(inputs=["X T"], outputs=["Y: T"], types={"T": ["float"]}), "cannot read 'X T'"),
        (dict(inputs=["X: U"], outputs=["Y: T"], types={"T": ["float"]}), "uses type 'U'"),
        (dict(inputs=["X: T"], outputs=["Y: T"], types={"T": ["floaty"]}), "unknown element type"),
        (dict(inputs=["X: T"], outputs=["Y: T"], types={"T": ["float"]}, attrs={"a": dict}), "attribute 'a'"),
    ],
)
def test_bad_schema_declarations(kwargs, message):
    with pytest.raises(ValueError, match=message):
        symreg.schema("symregtest::Bad", **kwargs)


_TWICE = dict(
    inputs=["X: T"], outputs=["Y: T"], types={"T": ["float", "double"]}, attrs={"gain": 2.0},
    infer=symreg.same_as_input(0),
)  # fmt: skip


def test_conflicting_schema_redeclaration():
    with pytest.raises(ValueError, match="different schema.*types"):
        symreg.schema("symregtest::Twice", inputs=["X: T"], outputs=["Y: T"], types={"T": ["float"]})


@pytest.mark.parametrize(
    "change,difference",
    [
        (dict(infer=symreg.same_as_input(1)), r"infer: same_as_input\(0\) -> same_as_input\(1\)"),
        (dict(infer=None), r"infer: same_as_input\(0\) -> None"),
        (dict(attrs={"gain": 3.0}), r"attrs: .*2\.0.* -> .*3\.0"),
        (dict(inputs=["Z: T"]), r"inputs: \(\('X', '', 'T'\),\) -> \(\('Z', '', 'T'\),\)"),
        (dict(version=2), "version: 1 -> 2"),
    ],
)
def test_schema_redeclaration_names_the_difference(change, difference):
    with pytest.raises(ValueError, match=r"symregtest::Twice.*different schema.*" + difference):
        symreg.schema("symregtest::Twice", **{**_TWICE, **change})


def test_identical_schema_redeclaration_is_a_no_op():
    assert symreg.schema("symregtest::Twice", **_TWICE) is symreg.schemas.declared()["symregtest::Twice"]


def test_optional_attribute_without_default():
    """``list[int] | None``: a node may omit the attribute (infer sees None) or carry it; the checker accepts both."""
    seen = []

    def infer(inputs, attrs):
        seen.append(attrs["sizes"])
        return [inputs[0]]

    symreg.schema(
        "symregtest::Sized", inputs=["X: T"], outputs=["Y: T"], types={"T": ["float"]},
        attrs={"sizes": list[int] | None}, infer=infer,
    )  # fmt: skip
    x = onnx.helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [2])
    y = onnx.helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, [2])
    for attrs, expected in (({}, None), ({"sizes": [3, 4]}, [3, 4])):
        node = onnx.helper.make_node("Sized", ["x"], ["y"], domain="symregtest", **attrs)
        graph = onnx.helper.make_graph([node], "g", [x], [y])
        opsets = [onnx.helper.make_opsetid("", 17), onnx.helper.make_opsetid("symregtest", 1)]
        model = onnx.helper.make_model(graph, opset_imports=opsets)
        onnx.checker.check_model(model, full_check=True)
        assert seen[-1] == expected
    bad = onnx.helper.make_node("Sized", ["x"], ["y"], domain="symregtest", sizes=1.5)
    model = onnx.helper.make_model(onnx.helper.make_graph([bad], "g", [x], [y]), opset_imports=opsets)
    with pytest.raises(onnx.checker.ValidationError, match="sizes"):
        onnx.checker.check_model(model, full_check=True)


def test_torchscript_user_call_gets_rules_without_symreg_export():
    """After `import symreg`, plain torch.onnx.export(..., dynamo=False) uses the rules."""
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(ScaleRoll(), (torch.randn(3, 4),), buffer, opset_version=13, dynamo=False)
    assert "Concat" in [n.op_type for n in onnx.load_from_string(buffer.getvalue()).graph.node]


@torch.library.custom_op("symregtest::kitchen", mutates_args=())
def kitchen(x: torch.Tensor) -> torch.Tensor:
    values, indices = torch.topk(x.t(), 2, dim=1)
    padded = torch.nn.functional.pad(values, (1, 1), mode="reflect")
    return torch.cat([padded + 0.5 + torch.tensor([1.0, 2.0, 3.0, 4.0]), indices.float()], dim=1)


@kitchen.register_fake
def _(x):
    return x.new_empty((x.shape[1], 6))


@symreg.op("symregtest::kitchen", opset=12)
def kitchen_rule(g, x):
    """Every attribute kind of g.op, a tensor attribute, and a two-output node."""
    t = g.op("Transpose", x, perm=[1, 0])  # list[int]
    values, indices = g.op("TopK", t, g.constant([2]), axis=1, outputs=2)  # int, two outputs
    padded = g.op("Pad", values, g.constant([0, 1, 0, 1]), mode="reflect")  # str
    half = g.op("ConstantOfShape", g.op("Shape", padded), value=np.array([0.5], dtype=np.float32))  # tensor
    ramp = g.op("Constant", value_floats=[1.0, 2.0, 3.0, 4.0])  # list[float]
    out = g.op("Add", g.op("Add", padded, half), ramp)
    return g.op("Concat", out, g.op("Cast", indices, to=1), axis=1)


class Kitchen(torch.nn.Module):
    def forward(self, x):
        return kitchen(x)


@pytest.mark.parametrize("exporter,opset", [("torchscript", 13), ("torchscript", 17), ("dynamo", 18)])
def test_builder_attribute_kinds_and_multiple_outputs(exporter, opset):
    proto = export(Kitchen(), (torch.randn(5, 3),), exporter, opset)
    for shape in ((5, 3), (7, 4)):
        x = torch.randn(shape)
        (y,) = run(proto, [x])
        np.testing.assert_allclose(y, Kitchen()(x).numpy(), rtol=1e-6)


@torch.library.custom_op("symregtest::tagged", mutates_args=())
def tagged(x: torch.Tensor, tag: str) -> torch.Tensor:
    return x.clone()


@tagged.register_fake
def _(x, tag):
    return torch.empty_like(x)


@pytest.mark.parametrize("exporter,opset", [("torchscript", 13), ("dynamo", 18)])
def test_str_argument_arrives_as_python_str(exporter, opset):
    seen_tags = []

    class Tagged(torch.nn.Module):
        def forward(self, x):
            return tagged(x, "hello")

    with symreg.scope():

        @symreg.op("symregtest::tagged", opset=9)
        def rule(g, x, tag: str):
            seen_tags.append(tag)
            return g.op("Identity", x)

        export(Tagged(), (torch.randn(2, 3),), exporter, opset)
    assert seen_tags and seen_tags[-1] == "hello"
