"""Python-prototyped kernels (symreg.kernel): the three ways users define custom ops, end to end.

1. a ``torch.library.custom_op`` with a symreg rule emitting ``pkdomain::SoftClip``;
2. a ``torch.autograd.Function`` whose ``symbolic`` emits ``pkdomain::FastGelu``;
3. an ATen op no exporter supports (``aten::i0``) with a rule emitting ``pkdomain::I0``.
Each runs in symreg.ort.InferenceSession through its Python kernel and is compared with eager.
"""

from __future__ import annotations

import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import onnx
import onnxruntime
import pytest
import torch
from onnx import TensorProto, helper
from ortcheck import assert_matches, export

import symreg
import symreg.ort
from symreg import pykernels

REPO = Path(__file__).resolve().parent.parent
DTYPES = [torch.float32, torch.float64]
RTOL = {torch.float32: 1e-6, torch.float64: 1e-12}  # NumPy kernels compute what torch computes
ELEM = {np.float32: TensorProto.FLOAT, np.float64: TensorProto.DOUBLE}


# --- 1. torch.library.custom_op ----------------------------------------------------------
@torch.library.custom_op("pktest::softclip", mutates_args=())
def softclip(x: torch.Tensor, limit: float) -> torch.Tensor:
    return limit * torch.tanh(x / limit)


@softclip.register_fake
def _(x, limit):
    return torch.empty_like(x)


class SoftClip(torch.nn.Module):
    def forward(self, x):
        return softclip(x, 2.5) * 2


# --- 2. torch.autograd.Function with a symbolic ------------------------------------------
class FastGeluFn(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x * torch.sigmoid(1.702 * x)

    @staticmethod
    def symbolic(g, x):  # torch's TorchScript GraphContext, not symreg's builder
        y = g.op("pkdomain::FastGelu", x)
        y.setType(x.type())
        return y


class FastGelu(torch.nn.Module):
    def forward(self, x):
        return FastGeluFn.apply(x) - 1


class MulAddFn(torch.autograd.Function):
    """2*a + b: a symbolic in standard ops needs no kernel at all."""

    @staticmethod
    def forward(ctx, a, b):
        return 2 * a + b

    @staticmethod
    def symbolic(g, a, b):
        two = g.op("Constant", value_t=torch.tensor(2.0, dtype=torch.float32))
        return g.op("Add", g.op("Mul", a, g.op("CastLike", two, a)), b)


class MulAdd(torch.nn.Module):
    def forward(self, a, b):
        return MulAddFn.apply(a, b)


# --- 3. an ATen op with no rule in either exporter ---------------------------------------
class I0(torch.nn.Module):
    def forward(self, x):
        return torch.i0(x) + x


calls: dict[str, int] = {}


def _count(name: str) -> None:
    calls[name] = calls.get(name, 0) + 1


def _declare() -> None:
    same = symreg.same_as_input(0)
    floats = {"T": ["float", "double"]}
    symreg.schema("pkdomain::SoftClip", inputs=["X: T"], outputs=["Y: T"], types=floats, attrs={"limit": float}, infer=same)
    symreg.schema("pkdomain::FastGelu", inputs=["X: T"], outputs=["Y: T"], types=floats, infer=same)
    symreg.schema("pkdomain::I0", inputs=["X: T"], outputs=["Y: T"], types=floats, infer=same)

    @symreg.op("pktest::softclip", opset=9)
    def softclip_rule(g, x, limit: float):
        return g.op("pkdomain::SoftClip", x, limit=limit)

    @symreg.op("aten::i0", opset=9, replace=True)  # over symreg's own i0 rule, for this scope only
    def i0_rule(g, x):
        return g.op("pkdomain::I0", x)

    @symreg.kernel("pkdomain::SoftClip")
    def softclip_kernel(x, *, limit):
        _count("SoftClip")
        return limit * np.tanh(x / limit)

    @symreg.kernel("pkdomain::FastGelu")
    def fast_gelu_kernel(x):
        _count("FastGelu")
        return x / (1 + np.exp(-1.702 * x))

    @symreg.kernel("pkdomain::I0")
    def i0_kernel(x):
        _count("I0")
        return np.i0(x)


@pytest.fixture
def declared():
    """The three ops' schemas, rules and kernels, removed again afterwards."""
    saved = pykernels.snapshot()
    with symreg.scope():
        _declare()
        calls.clear()
        yield
    pykernels.restore(saved)


def _run(proto: onnx.ModelProto, args: tuple[torch.Tensor, ...]) -> list[np.ndarray]:
    session = symreg.ort.InferenceSession(proto.SerializeToString())
    return session.run(None, {i.name: a.numpy() for i, a in zip(session.get_inputs(), args)})


def _custom_nodes(proto: onnx.ModelProto) -> set[str]:
    return {f"{n.domain}::{n.op_type}" for n in proto.graph.node if n.domain}


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize(
    "exporter,opset,model,op",
    [
        ("torchscript", 13, SoftClip(), "SoftClip"),
        ("dynamo", 18, SoftClip(), "SoftClip"),
        ("torchscript", 13, FastGelu(), "FastGelu"),
        ("torchscript", 17, I0(), "I0"),
        ("dynamo", 18, I0(), "I0"),
    ],
    ids=["custom_op-torchscript", "custom_op-dynamo", "autograd-torchscript", "aten-torchscript", "aten-dynamo"],
)
def test_custom_domain_op_runs_its_python_kernel(declared, exporter, opset, model, op, dtype):
    x = torch.randn(4, 5, dtype=dtype) * 3
    proto = export(model, (x,), exporter, opset)
    assert _custom_nodes(proto) == {f"pkdomain::{op}"}
    for shape in ((4, 5), (7, 5)):
        x2 = torch.randn(shape, dtype=dtype) * 3
        (y,) = _run(proto, (x2,))
        assert_matches(y, model(x2), rtol=RTOL[dtype], atol=RTOL[dtype], what=f"{op} {exporter}")
    assert calls[op] == 2


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_dynamo_traces_through_autograd_function(declared, dtype):
    """The dynamo exporter ignores ``symbolic``: forward's ops are exported, no custom node."""
    # A fixed input: an output near 0 (x * sigmoid(1.702 x) near 1, then - 1) carries the 1-ulp difference of ORT's
    # and torch's float32 sigmoid at magnitude 1 (1.2e-7 > atol), which 2.4% of random draws hit.
    x = torch.randn(3, 4, dtype=dtype, generator=torch.Generator().manual_seed(0))
    proto = export(FastGelu(), (x,), "dynamo", 18)
    assert _custom_nodes(proto) == set()
    assert {"Sigmoid", "Mul"} <= {n.op_type for n in proto.graph.node}
    (y,) = _run(proto, (x,))
    # The exported graph holds forward's scalar 1.702 as a float32 constant, even for float64.
    assert_matches(y, FastGelu()(x), rtol=1e-6, atol=1e-7)
    assert "FastGelu" not in calls


@pytest.mark.parametrize("exporter,opset", [("torchscript", 15), ("dynamo", 18)])
def test_autograd_function_in_standard_ops_needs_no_kernel(exporter, opset):
    a, b = torch.randn(3, 4), torch.randn(3, 4)
    proto = export(MulAdd(), (a, b), exporter, opset)
    assert [n.op_type for n in proto.graph.node if n.op_type in ("Mul", "Add")] == ["Mul", "Add"]
    (y,) = _run(proto, (a, b))
    assert_matches(y, MulAdd()(a, b), rtol=1e-6)


def test_aten_op_is_refused_without_the_rule():
    with symreg.scope(), pytest.raises(Exception, match="i0"), warnings.catch_warnings():
        symreg.unregister("aten::i0")  # symreg's own rule, back after the scope
        warnings.simplefilter("ignore")
        export(I0(), (torch.randn(3),), "torchscript", 17)


# --- C++ precedence ----------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
def test_cpp_kernel_takes_precedence(custom_op_model, dtype):
    used = []

    @symreg.kernel("symreg::Erfinv")  # symreg's own schema supplies the types
    def fake_erfinv(x):
        used.append(x.shape)
        return np.full_like(x, 42.0)

    try:
        assert symreg.ort.has_native_kernel("symreg::Erfinv")
        x = np.linspace(-0.9, 0.9, 11, dtype=dtype)
        session = symreg.ort.InferenceSession(custom_op_model("Erfinv", ELEM[dtype], ["n"]))
        (y,) = session.run(None, {"x": x})
        assert type(session) is onnxruntime.InferenceSession and not used
        np.testing.assert_allclose(y, torch.erfinv(torch.from_numpy(x)).numpy(), rtol=RTOL[torch.float32])
        proto = export(_Erfinv(), (torch.from_numpy(x),), "dynamo", 18)
        (y,) = _run(proto, (torch.from_numpy(x),))
        assert not used and np.abs(y).max() < 42
    finally:
        symreg.unregister_kernel("symreg::Erfinv")


class _Erfinv(torch.nn.Module):
    def forward(self, x):
        return torch.erfinv(x)


def test_native_kernel_probe():
    assert symreg.ort.has_native_kernel("symreg::Erfinv")
    assert not symreg.ort.has_native_kernel("symreg::NoSuchOp")
    assert not symreg.ort.has_native_kernel("pkdomain::SoftClip", 3)
    with pytest.raises(ValueError, match="namespace::op"):
        symreg.ort.has_native_kernel("Erfinv")
    # ORT's own kernels, dotted domains included, with and without symreg's library
    assert symreg.ort.has_native_kernel("com.microsoft::Gelu", with_library=False)
    assert not symreg.ort.has_native_kernel("symreg::Erfinv", with_library=False)


# --- the model file, sessions, listing -----------------------------------------------------
@pytest.mark.parametrize("as_path", [str, Path], ids=["str", "Path"])
def test_model_file_is_not_modified(declared, tmp_path, as_path):
    path = tmp_path / "softclip.onnx"
    x = torch.randn(3, 4)
    path.write_bytes(export(SoftClip(), (x,), "torchscript", 13).SerializeToString())
    before = path.read_bytes()
    session = symreg.ort.InferenceSession(as_path(path))
    (y,) = session.run(None, {session.get_inputs()[0].name: x.numpy()})
    assert_matches(y, SoftClip()(x), rtol=1e-6)
    assert path.read_bytes() == before
    assert _custom_nodes(onnx.load(path)) == {"pkdomain::SoftClip"}


def test_models_without_python_kernel_ops_are_not_rewritten(declared, custom_op_model):
    session = symreg.ort.InferenceSession(custom_op_model("Erfinv", TensorProto.FLOAT, ["n"]))
    assert type(session) is onnxruntime.InferenceSession


def test_listing_and_unregistering(declared):
    listed = symreg.kernels()
    assert {"pkdomain::SoftClip", "pkdomain::FastGelu", "pkdomain::I0"} <= set(listed)
    softclip_kernel = listed["pkdomain::SoftClip"]
    assert softclip_kernel.types == (("T", ("float", "double")),) and softclip_kernel.attrs[0][:2] == ("limit", float)
    proto = _one_node("SoftClip", TensorProto.FLOAT, limit=1.0).SerializeToString()
    before = symreg.ort.InferenceSession(proto)
    symreg.unregister_kernel("pkdomain::SoftClip")
    assert "pkdomain::SoftClip" not in symreg.kernels()
    with pytest.raises(Exception, match="is not a registered function/op"):
        symreg.ort.InferenceSession(proto)
    x = np.linspace(-3, 3, 7, dtype=np.float32)
    np.testing.assert_allclose(before.run(None, {"x": x})[0], np.tanh(x), rtol=1e-6)  # keeps its kernel
    with pytest.raises(KeyError, match="no Python kernel"):
        symreg.unregister_kernel("pkdomain::SoftClip")


def test_replaced_kernel_serves_new_sessions_only(declared):
    proto = _one_node("SoftClip", TensorProto.FLOAT, limit=1.0).SerializeToString()
    old = symreg.ort.InferenceSession(proto)
    symreg.kernel("pkdomain::SoftClip", replace=True)(lambda x, *, limit: x * 0 + limit)
    new = symreg.ort.InferenceSession(proto)
    x = np.array([0.5, -2.0], dtype=np.float32)
    np.testing.assert_allclose(old.run(None, {"x": x})[0], np.tanh(x), rtol=1e-6)
    np.testing.assert_array_equal(new.run(None, {"x": x})[0], [1.0, 1.0])


def _one_node(op, elem, outputs=1, domain="pkdomain", **attrs) -> onnx.ModelProto:
    x = helper.make_tensor_value_info("x", elem, ["n"])
    names = [f"y{i}" for i in range(outputs)]
    ys = [helper.make_tensor_value_info(n, elem, None) for n in names]
    graph = helper.make_graph([helper.make_node(op, ["x"], names, domain=domain, **attrs)], "g", [x], ys)
    opsets = [helper.make_opsetid("", 17), helper.make_opsetid(domain, 1)]
    return helper.make_model(graph, opset_imports=opsets, ir_version=10)


# --- attributes, several outputs, explicit types -------------------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
def test_attributes_and_several_outputs(dtype):
    seen = []
    with symreg.scope():
        symreg.schema(
            "pkdomain::Stats",
            inputs=["X: T"],
            outputs=["Scaled: T", "Total: T", "Count: I"],
            types={"T": ["float", "double"], "I": ["int64"]},
            attrs={"alpha": float, "repeat": 1, "negate": False, "mode": "sum", "weights": (1.0,), "axes": (0,)},
        )

        @symreg.kernel("pkdomain::Stats")
        def stats(x, *, alpha, repeat, negate, mode, weights, axes):
            seen.append(dict(alpha=alpha, repeat=repeat, negate=negate, mode=mode, weights=weights, axes=axes))
            scaled = np.tile(-alpha * x if negate else alpha * x, repeat)
            total = x.sum(axis=tuple(axes)) if mode == "sum" else x.max(axis=tuple(axes))
            return scaled, total * weights[0], np.array(x.size)  # int64 and float64 results get cast

        try:
            attrs = dict(alpha=0.5, repeat=2, negate=True, mode="max", weights=[3.0, 4.0])
            proto = _one_node("Stats", ELEM[dtype], 3, **attrs)
            proto.graph.output[2].type.tensor_type.elem_type = TensorProto.INT64
            session = symreg.ort.InferenceSession(proto.SerializeToString())
            x = np.array([1.0, -2.0, 4.0], dtype=dtype)
            scaled, total, count = session.run(None, {"x": x})
        finally:
            symreg.unregister_kernel("pkdomain::Stats")
    assert seen == [dict(alpha=0.5, repeat=2, negate=True, mode="max", weights=[3.0, 4.0], axes=[0])]
    assert type(seen[0]["negate"]) is bool and type(seen[0]["repeat"]) is int
    np.testing.assert_array_equal(scaled, np.tile(-0.5 * x, 2))
    assert scaled.dtype == dtype and total.dtype == dtype and count.dtype == np.int64
    assert total == 12.0 and count == 3


def test_explicit_types_without_schema():
    try:

        @symreg.kernel("pkdomain::Bits", inputs=["int32"], outputs=["int32", "bool"], attrs={"shift": int})
        def bits(x, *, shift):
            return x << shift, x > 0

        proto = _one_node("Bits", TensorProto.INT32, 1, shift=3)
        proto.graph.node[0].output.append("y1")
        proto.graph.output.append(helper.make_tensor_value_info("y1", TensorProto.BOOL, None))
        x = np.array([1, -2, 0], dtype=np.int32)
        shifted, positive = symreg.ort.InferenceSession(proto.SerializeToString()).run(None, {"x": x})
        np.testing.assert_array_equal(shifted, [8, -16, 0])
        np.testing.assert_array_equal(positive, [True, False, False])
    finally:
        symreg.unregister_kernel("pkdomain::Bits")


# --- errors ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name,kwargs,error,message",
    [
        ("Erfinv", {}, ValueError, 'name must be "namespace::op"'),
        ("pk.dom::Op", {}, ValueError, 'name must be "namespace::op"'),
        ("onnx::Relu", {}, ValueError, "ONNX domain is not custom"),
        ("pkdomain::Nothing", {}, ValueError, r"no symreg.schema is declared.*inputs=\['float'\]"),
        ("pkdomain::Nothing", dict(inputs=["float"]), ValueError, "no symreg.schema"),
        ("pkdomain::Nothing", dict(inputs=["bfloat16"], outputs=["float"]), TypeError, "'bfloat16'"),
        ("pkdomain::Nothing", dict(inputs=["string"], outputs=["float"]), TypeError, "'string'"),
        ("pkdomain::Nothing", dict(inputs="float", outputs="float"), TypeError, "lists of element type"),
        ("pkdomain::Nothing", dict(inputs=["float"], outputs=[]), ValueError, "at least one output"),
        ("symreg::Erfinv", dict(inputs=["float"], outputs=["float"]), TypeError, "drop inputs="),
    ],
)
def test_registration_errors(name, kwargs, error, message):
    with pytest.raises(error, match=message) as info:
        symreg.kernel(name, **kwargs)(lambda x: x)
    assert repr(name) in str(info.value) or name == "Erfinv"


def test_schema_types_python_cannot_run():
    with symreg.scope():
        symreg.schema("pkdomain::Half", inputs=["X: T"], outputs=["Y: T"], types={"T": ["bfloat16"]})
        symreg.schema("pkdomain::Many", inputs=["Xs...: T"], outputs=["Y: T"], types={"T": ["float"]})
        with pytest.raises(TypeError, match="'pkdomain::Half'.*bfloat16"):
            symreg.kernel("pkdomain::Half")(lambda x: x)
        with pytest.raises(TypeError, match="'pkdomain::Many'.*variadic"):
            symreg.kernel("pkdomain::Many")(lambda x: x)


def test_duplicate_registration(declared):
    with pytest.raises(ValueError, match=r"'pkdomain::I0'.*already registered.*replace=True"):
        symreg.kernel("pkdomain::I0")(np.i0)
    symreg.kernel("pkdomain::I0", replace=True)(np.i0)
    with pytest.raises(TypeError, match="decorates a function"):
        symreg.kernel("pkdomain::I0", replace=True)(42)


@pytest.mark.parametrize(
    "kernel_fn,message",
    [
        (lambda x, *, limit: 1 / 0, r"'pkdomain::SoftClip'\): ZeroDivisionError"),
        (lambda x, *, limit: (x, x), "returned 2 outputs; the op declares 1"),
        (lambda x, *, limit: "text", "ValueError"),
    ],
    ids=["raises", "output-count", "not-an-array"],
)
def test_kernel_failures_are_raised_by_run(declared, kernel_fn, message):
    symreg.kernel("pkdomain::SoftClip", replace=True)(kernel_fn)
    session = symreg.ort.InferenceSession(_one_node("SoftClip", TensorProto.FLOAT, limit=1.0).SerializeToString())
    x = np.ones(3, np.float32)
    with pytest.raises(symreg.KernelError, match=message):
        session.run(None, {"x": x})
    with pytest.raises(symreg.KernelError, match=message):  # the session keeps its kernel
        session.run(None, {"x": x})
    symreg.kernel("pkdomain::SoftClip", replace=True)(lambda x, *, limit: x)
    fixed = symreg.ort.InferenceSession(_one_node("SoftClip", TensorProto.FLOAT, limit=1.0).SerializeToString())
    np.testing.assert_array_equal(fixed.run(None, {"x": x})[0], x)


@pytest.mark.parametrize(
    "attrs,elem,message",
    [
        (dict(limit=1.0, extra=2), TensorProto.FLOAT, "attribute 'extra'"),
        ({}, TensorProto.FLOAT, "required attribute 'limit'"),
        (dict(limit=1.0), TensorProto.INT64, r"no variant for these types \(x: int64 -> y0: int64\)"),
    ],
)
def test_nodes_that_do_not_fit_the_kernel(declared, attrs, elem, message):
    with pytest.raises(ValueError, match=f"pkdomain::SoftClip.*{message}"):
        symreg.ort.InferenceSession(_one_node("SoftClip", elem, **attrs).SerializeToString())


def test_options_used_before_the_kernel_existed(declared):
    options = symreg.ort.session_options()
    symreg.ort.InferenceSession(_one_node("I0", TensorProto.FLOAT).SerializeToString(), options)
    symreg.kernel("pkdomain::Late", inputs=["float"], outputs=["float"])(np.negative)
    try:
        late = _one_node("Late", TensorProto.FLOAT).SerializeToString()
        with pytest.raises(ValueError, match="pass new options"):
            symreg.ort.InferenceSession(late, options)
        (y,) = symreg.ort.InferenceSession(late).run(None, {"x": np.ones(2, np.float32)})
        np.testing.assert_array_equal(y, [-1, -1])
    finally:
        symreg.unregister_kernel("pkdomain::Late")


def test_kernel_declared_after_a_session_leaves_that_session_working(declared):
    """PyOps sharing a domain move in memory when one is added; symreg gives each its own."""
    session = symreg.ort.InferenceSession(_one_node("I0", TensorProto.FLOAT).SerializeToString())
    for i in range(20):
        symreg.kernel(f"pkdomain::Filler{i}", inputs=["float"], outputs=["float"])(np.negative)
    try:
        x = np.array([0.0, 1.0], np.float32)
        np.testing.assert_allclose(session.run(None, {"x": x})[0], np.i0(x), rtol=1e-6)
    finally:
        for i in range(20):
            symreg.unregister_kernel(f"pkdomain::Filler{i}")


# --- examples ----------------------------------------------------------------------------
@pytest.mark.parametrize("script", ["python_kernel_then_cpp.py", "register_rule.py"])
def test_example_runs(script):
    result = subprocess.run(
        [sys.executable, str(REPO / "examples" / script)], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "agree" in result.stdout
