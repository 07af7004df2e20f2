"""The ATen fallback: ``symreg.export(..., fallback="python")`` and fallback nodes run by symreg.ort sessions.

Models are built from ops that torch and symreg both refuse: ``ctc_loss`` (no rule at any opset under
TorchScript; torch.export cannot trace it), user ``torch.library`` ops without rules, and a symreg rule that
refuses some of its calls. Each exported model is checked with onnx's full checker and run in ORT against eager.
"""

from __future__ import annotations

import io
import warnings

import numpy as np
import onnx
import pytest
import torch

import symreg
from symreg import _fallback_names
from symreg.tools import check


@torch.library.custom_op("symreg_test_fb::scale_shift", mutates_args=())
def _scale_shift(x: torch.Tensor, k: torch.Tensor, alpha: float, dims: list[int]) -> tuple[torch.Tensor, torch.Tensor]:
    if x.isnan().any():
        raise ValueError("x holds NaN")
    return x * alpha + k, x.sum(dims)


@_scale_shift.register_fake
def _(x, k, alpha, dims):
    return torch.empty_like(x), x.sum(dims)


@torch.library.custom_op("symreg_test_fb::split_in_two", mutates_args=())
def _split_in_two(x: torch.Tensor) -> list[torch.Tensor]:
    return [part.clone() for part in x.chunk(2)]


@_split_in_two.register_fake
def _(x):
    return [part.clone() for part in x.chunk(2)]


class _Ctc(torch.nn.Module):
    def forward(self, lp, tg, il, tl):
        return torch.nn.functional.ctc_loss(lp, tg, il, tl, reduction="none", blank=0)


class _CtcModel(torch.nn.Module):
    """Two ctc_loss calls (one in a submodule, one with another reduction) between standard ops."""

    def __init__(self):
        super().__init__()
        self.proj = torch.nn.Linear(5, 5)
        self.loss = _Ctc()

    def forward(self, lp, tg, il, tl):
        lp = self.proj(lp).log_softmax(2)
        per_sample = self.loss(lp, tg, il, tl)
        return per_sample * 2 + torch.nn.functional.ctc_loss(lp, tg, il, tl, reduction="sum", blank=0)


class _Inner(torch.nn.Module):
    def forward(self, x, k):
        return torch.ops.symreg_test_fb.scale_shift(x, k, 0.5, [1])


class _CustomModel(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.inner = _Inner()

    def forward(self, x, k):
        a, b = self.inner(x, k)
        return a * 2, b + 1


def _ctc_inputs(n: int = 2, seed: int = 0) -> tuple[torch.Tensor, ...]:
    gen = torch.Generator().manual_seed(seed)
    t, c, s = 12, 5, 4
    lp = torch.randn(t, n, c, generator=gen)
    tg = torch.randint(1, c, (n, s), generator=gen)
    il = torch.full((n,), t, dtype=torch.long)
    tl = torch.randint(1, s + 1, (n,), generator=gen)
    return lp, tg, il, tl


def _export(model, args, **kwargs) -> tuple[onnx.ModelProto, list[warnings.WarningMessage]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if kwargs.get("dynamo"):
            proto = symreg.export(model, args, fallback="python", **kwargs).model_proto
        else:
            f = io.BytesIO()
            symreg.export(model, args, f, fallback="python", **kwargs)
            proto = onnx.load_from_string(f.getvalue())
    return proto, [w for w in caught if issubclass(w.category, symreg.FallbackWarning)]


def _run(proto: onnx.ModelProto, args) -> list[np.ndarray]:
    session = symreg.ort.InferenceSession(proto.SerializeToString())
    return session.run(None, {i.name: a.numpy() for i, a in zip(session.get_inputs(), args)})


def _fallback_nodes(proto: onnx.ModelProto) -> list[onnx.NodeProto]:
    return [n for n in proto.graph.node if _fallback_names.is_fallback_node(n)]


@pytest.mark.parametrize("opset", [11, 17])
def test_torchscript_ctc_loss_runs_and_matches_eager(opset):
    model = _CtcModel().eval()
    args = _ctc_inputs()
    proto, caught = _export(
        model,
        args,
        opset_version=opset,
        input_names=["lp", "tg", "il", "tl"],
        dynamic_axes={"lp": {1: "n"}, "tg": {0: "n"}, "il": {0: "n"}, "tl": {0: "n"}},
    )
    onnx.checker.check_model(proto, full_check=True)
    nodes = _fallback_nodes(proto)
    assert [(n.domain, n.op_type) for n in nodes] == [("symreg.aten", "ctc_loss.Tensor")] * 2
    assert len(caught) == 1 and "aten::ctc_loss.Tensor (2)" in str(caught[0].message)
    assert "needs Python, torch" in str(caught[0].message)
    for n in (2, 5):  # the batch is dynamic: other sizes run too
        other = _ctc_inputs(n, seed=n)
        (got,) = _run(proto, other)
        np.testing.assert_allclose(got, model(*other).detach().numpy(), rtol=1e-5, atol=1e-5)


def test_fallback_node_carries_its_call():
    proto, _ = _export(_CtcModel().eval(), _ctc_inputs(), opset_version=11)
    node = _fallback_nodes(proto)[1]  # the second call: reduction="sum" is 2 in torch's enum
    attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
    assert attrs["arguments"].decode() == (
        '[{"input":0},{"input":1},{"input":2},{"input":3},{"value":0},{"value":2},{"value":false}]'
    )
    assert list(attrs["output_dtypes"]) == [onnx.TensorProto.FLOAT]
    assert len(node.input) == 4


def test_without_refusals_nothing_changes():
    model = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.ReLU())
    x = torch.randn(4, 3)
    plain, with_fallback = io.BytesIO(), io.BytesIO()
    symreg.export(model, (x,), plain, opset_version=17)
    with warnings.catch_warnings():
        warnings.simplefilter("error", symreg.FallbackWarning)
        symreg.export(model, (x,), with_fallback, opset_version=17, fallback="python")
    assert onnx.load_from_string(plain.getvalue()).graph == onnx.load_from_string(with_fallback.getvalue()).graph


@pytest.mark.parametrize("dynamo", [False, True])
def test_user_library_op_without_rule(dynamo):
    model, x, k = _CustomModel().eval(), torch.randn(3, 4), torch.randn(4)
    kwargs = {"dynamic_shapes": ({0: torch.export.Dim("b")}, None)} if dynamo else {
        "input_names": ["x", "k"], "dynamic_axes": {"x": {0: "b"}}
    }  # fmt: skip
    proto, caught = _export(model, (x, k), opset_version=18 if dynamo else 17, dynamo=dynamo, **kwargs)
    onnx.checker.check_model(proto, full_check=True)
    (node,) = _fallback_nodes(proto)
    assert (node.domain, node.op_type) == ("symreg.symreg_test_fb", "scale_shift")
    assert "symreg_test_fb::scale_shift (1)" in str(caught[0].message)
    x2 = torch.randn(6, 4)
    for got, want in zip(_run(proto, (x2, k)), model(x2, k)):
        np.testing.assert_allclose(got, want.numpy(), rtol=1e-6, atol=1e-6)


def test_dynamo_types_outputs_from_the_fake_implementation():
    proto, _ = _export(
        _CustomModel().eval(), (torch.randn(3, 4), torch.randn(4)), opset_version=18, dynamo=True,
        dynamic_shapes=({0: torch.export.Dim("b")}, None),
    )  # fmt: skip
    (node,) = _fallback_nodes(proto)
    types = {v.name: v.type.tensor_type for v in (*proto.graph.value_info, *proto.graph.output)}
    first = types[node.output[0]]
    assert first.elem_type == onnx.TensorProto.FLOAT
    assert [d.dim_param or d.dim_value for d in first.shape.dim] == ["b", 4]


def test_rule_refusing_one_call_falls_back_for_that_call_only():
    """A rule that raises for some arguments: those calls fall back, the others keep the rule's nodes."""

    class Model(torch.nn.Module):
        def forward(self, x, k):
            a, _ = torch.ops.symreg_test_fb.scale_shift(x, k, 0.5, [1])
            b, _ = torch.ops.symreg_test_fb.scale_shift(x, k, 3.0, [1])
            return a + b

    with symreg.scope():

        @symreg.op("symreg_test_fb::scale_shift", opset=9, exporters=("torchscript",))
        def rule(g, x, k, alpha: float, dims: list[int]):
            if alpha > 1:
                raise symreg.ExportError("symreg_test_fb::scale_shift: alpha > 1 is not supported by this rule")
            y = g.op("Add", g.op("Mul", x, g.constant(np.float32(alpha))), k)
            return y, g.op("ReduceSum", x, g.constant(np.array(dims, dtype=np.int64)), keepdims=0)

        x, k = torch.randn(3, 4), torch.randn(4)
        proto, caught = _export(Model(), (x, k), opset_version=17)
    (node,) = _fallback_nodes(proto)
    assert '{"value":3.0}' in onnx.helper.get_attribute_value(node.attribute[0]).decode()
    assert "Mul" in {n.op_type for n in proto.graph.node}
    (got,) = _run(proto, (x, k))
    np.testing.assert_allclose(got, Model()(x, k).numpy(), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("dynamo", [False, True])
def test_op_returning_a_tensor_list_cannot_fall_back(dynamo):
    class Model(torch.nn.Module):
        def forward(self, x):
            a, b = torch.ops.symreg_test_fb.split_in_two(x)
            return a * b

    with pytest.raises(Exception, match=r"symreg_test_fb::split_in_two.*no fallback node can stand for it"):
        _export(Model(), (torch.randn(4, 3),), opset_version=18 if dynamo else 17, dynamo=dynamo)


def test_kernel_error_reaches_run():
    proto, _ = _export(_CustomModel(), (torch.randn(3, 4), torch.randn(4)), opset_version=17)
    with pytest.raises(symreg.KernelError, match="x holds NaN"):
        _run(proto, (torch.full((3, 4), float("nan")), torch.randn(4)))


def test_fallback_argument_is_checked():
    with pytest.raises(ValueError, match="fallback is None or 'python'"):
        symreg.export(torch.nn.ReLU(), (torch.randn(2),), io.BytesIO(), fallback="torch")


def test_check_lists_fallback_ops_as_needing_a_rule(tmp_path):
    proto, _ = _export(_CtcModel().eval(), _ctc_inputs(), opset_version=11)
    path = tmp_path / "ctc.onnx"
    onnx.save(proto, path)
    report = check(path)
    (problem,) = report.problems
    assert problem.step == "kernels"
    assert "aten::ctc_loss.Tensor (2 nodes, domain symreg.aten) needs a rule" in problem.message
    assert {f.step for f in report.findings if f.ok} == {"checker", "onnxruntime", "run"}


def test_verify_and_layers_run_fallback_models():
    model, args = _CtcModel().eval(), _ctc_inputs()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", symreg.FallbackWarning)
        assert symreg.verify(model, args, opset_version=11, fallback="python").passed
        report = symreg.debug.layers(model, args, opset_version=11, fallback="python")
    assert report.passed and [row.name for row in report] == ["proj", "loss"]


@torch.library.custom_op("symreg_test_fb::total", mutates_args=())
def _total(x: torch.Tensor) -> torch.Tensor:
    return x.sum()


@_total.register_fake
def _(x):
    return x.new_empty(())


@pytest.mark.parametrize("dynamo", [False, True])
def test_zero_dim_outputs_stay_zero_dim(dynamo):
    """onnxruntime-extensions returns a 0-d output as shape (1,): the session reshapes it back (ctc_loss's
    default reduction, a sum)."""

    class Model(torch.nn.Module):
        def forward(self, x):
            return torch.ops.symreg_test_fb.total(x), torch.ops.symreg_test_fb.total(x) * x

    x = torch.randn(3, 4)
    proto, _ = _export(Model(), (x,), opset_version=18 if dynamo else 17, dynamo=dynamo)
    total, scaled = _run(proto, (x,))
    assert total.shape == () and scaled.shape == (3, 4)
    np.testing.assert_allclose(total, x.sum().numpy(), rtol=1e-6)
    np.testing.assert_allclose(scaled, (x.sum() * x).numpy(), rtol=1e-6)


def test_ctc_loss_mean_is_0d():
    args = _ctc_inputs()
    proto, _ = _export(_CtcMean(), args, opset_version=11)
    (got,) = _run(proto, args)
    assert got.shape == ()
    np.testing.assert_allclose(got, _CtcMean()(*args).numpy(), rtol=1e-5)


class _CtcMean(torch.nn.Module):
    def forward(self, lp, tg, il, tl):
        return torch.nn.functional.ctc_loss(lp.log_softmax(2), tg, il, tl)
