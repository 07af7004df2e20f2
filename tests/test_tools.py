"""symreg.tools: report, check, extract and convert, as Python functions."""

import re

import numpy as np
import onnx
import onnxruntime
import pytest
import torch
from onnx import TensorProto, helper
from onnx_files import (
    ErfinvNet,
    erfinv_model,
    graph_model,
    late_broadcast_model,
    relu_model,
    restamped,
    unknown_op_model,
)

import symreg
from symreg import tools
from symreg.tools import _model


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    d = tmp_path_factory.mktemp("tools")
    erfinv = erfinv_model(d / "erfinv.onnx")
    return {
        "erfinv": erfinv,
        "unknown_op": unknown_op_model(d / "unknown_op.onnx"),
        "ir99": restamped(erfinv, d / "ir99.onnx", 99),
        "relu21": relu_model(d / "relu21.onnx", opset=21, ir_version=10),
        "relu17": relu_model(d / "relu17.onnx", opset=17, ir_version=10),
        "dir": d,
    }


def _run(path, x: np.ndarray) -> np.ndarray:
    session = symreg.ort.InferenceSession(str(path))
    return session.run(None, {session.get_inputs()[0].name: x})[0]


# --- report --------------------------------------------------------------------------------


def test_report_of_an_exported_model_with_a_custom_op(models):
    r = tools.report(models["erfinv"])
    assert r.ir_version == 7 and r.opsets == {"ai.onnx": 13, "symreg": 1}
    assert r.producer.startswith("pytorch")
    assert {(d, op): n for d, op, n in r.op_counts} == {
        ("", "Tanh"): 1,
        ("symreg", "Erfinv"): 1,
        ("", "Gemm"): 1,
        ("", "Relu"): 1,
    }
    assert [(op.qualified_name, op.version, op.count, op.kernel, op.schema) for op in r.custom_ops] == [
        ("symreg::Erfinv", 1, 1, "C++", True)
    ]
    assert (r.parameters, r.parameter_bytes, r.external_bytes) == (20, 80, 0)  # Linear(4, 4), float32
    assert [(t.name, t.dtype, t.shape) for t in r.inputs] == [("x", "float", ("batch", 4))]
    assert r.outputs[0].shape_text() == "(batch, 4)"
    text = str(r)
    assert "(batch, 4)" in text and "symreg::Erfinv" in text and "C++" in text


def test_report_counts_external_data_without_loading_it(models, tmp_path):
    model = onnx.load(models["erfinv"])
    onnx.save(model, tmp_path / "ext.onnx", save_as_external_data=True, location="ext.data", size_threshold=0)
    r = tools.report(tmp_path / "ext.onnx")
    assert (r.parameters, r.parameter_bytes, r.external_bytes) == (20, 80, 80)
    (tmp_path / "ext.data").unlink()  # sizes come from the tensors' "length" entries
    assert tools.report(tmp_path / "ext.onnx").parameter_bytes == 80


def test_report_names_a_custom_op_without_kernel(models):
    r = tools.report(models["unknown_op"])
    assert [(op.qualified_name, op.kernel, op.schema) for op in r.custom_ops] == [("mydomain::Foo", "none", False)]
    assert r.missing_kernels == r.custom_ops
    assert r.inputs[0].shape == ("N", 3)


def test_kernel_for_tells_onnxruntime_cpp_python_and_none():
    assert tools.kernel_for("symreg::Erfinv") == "C++"
    assert tools.kernel_for("com.microsoft::Gelu") == "onnxruntime"
    assert tools.kernel_for("toolstest::Nothing") == "none"
    symreg.kernel("toolstest::Twice", inputs=["float"], outputs=["float"])(lambda x: 2 * x)
    try:
        assert tools.kernel_for("toolstest::Twice") == "Python"
    finally:
        symreg.unregister_kernel("toolstest::Twice")


def test_library_info():
    info = tools.library_info()
    assert info.path == symreg.ort.library_path() and info.error is None
    assert info.min_ort_version == symreg.ort.MIN_ORT_VERSION and info.ort_version == onnxruntime.__version__
    assert "symreg::Erfinv" in info.ops


# --- loading errors -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, r"no such file"),
        (b"", r"empty file"),
        (b"hello, I am text\n", r"not an ONNX model"),
        ("truncated", r"truncated or corrupt ONNX file|truncated or was not written completely"),
    ],
)
def test_unusable_files_raise_one_clear_error(models, tmp_path, content, message):
    path = tmp_path / "bad.onnx"
    if content == "truncated":
        path.write_bytes(models["erfinv"].read_bytes()[:300])
    elif content is not None:
        path.write_bytes(content)
    error = FileNotFoundError if content is None else tools.ModelError
    for fn in (tools.report, tools.check, tools.min_ir_version):
        with pytest.raises(error, match=message):
            fn(path)


# --- check ----------------------------------------------------------------------------------


def test_check_passes_an_exported_model(models):
    result = tools.check(models["erfinv"])
    assert result.ok, str(result)
    assert [f.step for f in result.findings] == ["checker", "kernels", "onnxruntime", "run"]
    assert result.findings[-1].message == "runs on generated inputs (x: float32[2, 4]): 1 output(s)"


def test_check_names_the_custom_op_without_kernel(models):
    result = tools.check(models["unknown_op"])
    assert not result.ok
    (missing,) = [f for f in result.problems if f.step == "kernels"]
    assert "mydomain::Foo (version 1) has no kernel" in missing.message
    assert "custom-op library of domain 'mydomain'" in missing.message and "@symreg.kernel" in missing.message


def test_check_runs_a_custom_op_with_a_python_kernel(models):
    symreg.kernel("mydomain::Foo", inputs=["float"], outputs=["float"])(lambda x: x - 1)
    try:
        result = tools.check(models["unknown_op"])
        assert result.ok, str(result)
        assert "mydomain::Foo (version 1): Python" in str(result)
    finally:
        symreg.unregister_kernel("mydomain::Foo")


def test_check_diagnoses_an_ir_version_too_new_for_onnxruntime(models):
    result = tools.check(models["ir99"])
    (ort,) = [f for f in result.problems if f.step == "onnxruntime"]
    m = re.fullmatch(r"IR version 99 is too new for onnxruntime \S+ \(it reads up to (\d+)\); lower it: "
                     r"symreg convert \S+ir99.onnx OUT --ir-version (\d+)", ort.message)  # fmt: skip
    assert m and m.group(1) == m.group(2), ort.message


def test_check_diagnoses_an_opset_too_new_for_onnxruntime(tmp_path):
    newest = onnx.defs.onnx_opset_version()
    path = relu_model(tmp_path / "future.onnx", opset=newest + 2, ir_version=10)
    (ort,) = [f for f in tools.check(path).problems if f.step == "onnxruntime"]
    assert re.search(rf"opset ai.onnx {newest + 2} is unsupported .*--opset \d+$", ort.message), ort.message


def test_check_runs_the_model_once(tmp_path):
    """A model that loads and fails at its first run fails check; the shape a user gives makes it run."""
    path = late_broadcast_model(tmp_path / "late.onnx")
    result = tools.check(path)
    (problem,) = result.problems
    assert problem.step == "run", str(result)
    assert problem.message.startswith("the model fails at its first run on generated inputs (x: float32[2, 2]): ")
    assert "Add" in problem.message
    assert tools.check(path, shapes={"x": (3, 4)}).ok


@pytest.mark.parametrize(
    ("shapes", "message"),
    [
        ({"image": (1, 3)}, r"a shape is given for image: not an input of the model \(its inputs: x\)"),
        ({"x": (2, 3, 4)}, r"the shape given for x has 3 dims; the model declares 2: \[N, M\]"),
    ],
)
def test_check_refuses_shapes_that_do_not_fit(tmp_path, shapes, message):
    with pytest.raises(tools.FeedError, match=message):
        tools.check(late_broadcast_model(tmp_path / "late.onnx"), shapes=shapes)


@pytest.mark.parametrize("opset", [1, 6])
def test_check_advises_converting_a_model_older_than_every_kernel(tmp_path, opset):
    """ORT's kernels start at opset 7: the fix for Add at opset 6 is converting the model, not another dtype."""
    path = tmp_path / "old.onnx"
    graph_model(path, [helper.make_node("Add", ["x", "x"], ["y"])], opset=opset, ir_version=3)
    (ort,) = tools.check(path).problems
    assert re.search(r"no kernel for Add at opset \d.*convert to a newer opset: symreg convert \S+ OUT --opset 13$",
                     ort.message), ort.message  # fmt: skip


# --- extract --------------------------------------------------------------------------------


def test_extract_cuts_a_submodel_that_runs(models, tmp_path):
    out = tmp_path / "middle.onnx"
    sub = tools.extract(models["erfinv"], out, inputs=["/Tanh_output_0"], outputs=["/lin/Gemm_output_0"])
    assert [n.op_type for n in sub.graph.node] == ["Erfinv", "Gemm"]
    assert [v.name for v in sub.graph.input] == ["/Tanh_output_0"]
    assert {o.domain: o.version for o in sub.opset_import} == {"": 13, "symreg": 1}
    assert tools.report(out).inputs[0].shape == ("batch", 4)  # symbolic dim kept
    net = ErfinvNet().eval()
    t = torch.tanh(torch.randn(5, 4)) * 0.9
    with torch.no_grad():
        expected = net.lin(torch.erfinv(t)).numpy()
    np.testing.assert_allclose(_run(out, t.numpy()), expected, rtol=1e-5, atol=1e-6)


def test_extract_defaults_to_the_model_inputs(models):
    sub = tools.extract(models["erfinv"], None, outputs=["/Erfinv_output_0"])
    assert [v.name for v in sub.graph.input] == ["x"] and [n.op_type for n in sub.graph.node] == ["Tanh", "Erfinv"]


def test_extract_refuses_unknown_names_with_near_matches(models):
    with pytest.raises(
        tools.TensorNameError, match=r"unknown output tensor '/lin/Gemm_outpt_0'; did you mean '/lin/Gemm_output_0'"
    ):
        tools.extract(models["erfinv"], None, outputs=["/lin/Gemm_outpt_0"])
    with pytest.raises(tools.TensorNameError, match=r"unknown input tensor 'zzz' \(`symreg inspect"):
        tools.extract(models["erfinv"], None, inputs=["zzz"], outputs=["y"])


def test_extract_refuses_a_name_given_twice(models):
    with pytest.raises(ValueError, match=r"^extract: output '/Erfinv_output_0' is given twice$"):
        tools.extract(models["erfinv"], None, outputs=["/Erfinv_output_0", "/Erfinv_output_0"])
    with pytest.raises(ValueError, match=r"^extract: input 'x' is given twice$"):
        tools.extract(models["erfinv"], None, inputs=["x", "x"], outputs=["/Erfinv_output_0"])


def test_extract_refuses_outputs_the_inputs_do_not_compute(models):
    with pytest.raises(tools.TensorNameError, match=r"depend on tensor 'x'.*add it to --inputs"):
        tools.extract(models["erfinv"], None, inputs=["/Erfinv_output_0"], outputs=["/Tanh_output_0"])


# --- convert --------------------------------------------------------------------------------


def test_convert_lowers_the_ir_version_when_the_opset_allows(models, tmp_path):
    out = tmp_path / "ir8.onnx"
    result = tools.convert(models["relu17"], out, ir_version=8)
    assert result.ir_version == (10, 8) and result.opset == (17, 17)
    assert onnx.load(out).ir_version == 8
    x = np.array([[-1, 2, -3]], dtype=np.float32)
    np.testing.assert_array_equal(_run(out, x), np.maximum(x, 0))


def test_convert_refuses_an_ir_version_the_opset_forbids(models, tmp_path):
    assert tools.min_ir_version(models["relu21"]) == 10
    with pytest.raises(
        tools.ConversionError, match=r"cannot lower IR version 10 to 8: opset ai.onnx 21 needs IR version >= 10"
    ):
        tools.convert(models["relu21"], tmp_path / "no.onnx", ir_version=8)
    assert not (tmp_path / "no.onnx").exists()


def test_ir_requirements_see_types_and_functions():
    w = helper.make_tensor("w", TensorProto.FLOAT8E4M3FN, [3], [1.0, 2.0, 3.0])
    model = graph_model(None, [helper.make_node("Relu", ["x"], ["y"])], opset=13, ir_version=10)
    model.graph.initializer.append(w)
    model.functions.append(
        helper.make_function(
            "f", "F", ["a"], ["b"], [helper.make_node("Relu", ["a"], ["b"])], [helper.make_opsetid("", 13)]
        )
    )
    reasons = [str(r) for r in tools.ir_requirements(model)]
    assert reasons[0] == "type float8e4m3fn (initializer 'w') needs IR version >= 9"
    assert "model-local functions needs IR version >= 8" in reasons
    assert tools.min_ir_version(model) == 9


def test_convert_drops_node_metadata_below_ir_10(models):
    model = onnx.load(models["relu17"])
    model.graph.node[0].metadata_props.add(key="pkg.torch.onnx.stack_trace", value="...")
    result = tools.convert(model, None, ir_version=9)
    assert not result.model.graph.node[0].metadata_props
    assert result.notes == ("dropped metadata_props of 1 graph(s)/node(s)/function(s) (IR >= 10 only)",)


def test_convert_opset_keeps_custom_domains(models, tmp_path):
    out = tmp_path / "opset17.onnx"
    result = tools.convert(models["erfinv"], out, opset=17)
    assert result.opset == (13, 17) and result.ir_version == (7, 8)  # opset 17 needs IR >= 8
    converted = onnx.load(out)
    assert {o.domain: o.version for o in converted.opset_import} == {"": 17, "symreg": 1}
    assert [n.op_type for n in converted.graph.node if n.domain == "symreg"] == ["Erfinv"]
    onnx.checker.check_model(converted, full_check=True)
    x = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)
    np.testing.assert_allclose(_run(out, x), _run(models["erfinv"], x), rtol=1e-6)


def test_convert_refuses_opsets_onnx_does_not_know(models):
    with pytest.raises(tools.ConversionError, match=r"opset 999 is outside what the installed onnx"):
        tools.convert(models["erfinv"], None, opset=999)
    with pytest.raises(ValueError, match=r"give ir_version, opset or both"):
        tools.convert(models["erfinv"], None)


# --- which models need symreg's op pack (and so torch) -------------------------------------


def _calls_local_function(body_op: tuple[str, str]) -> onnx.ModelProto:
    """y = local::F(x), F's body one node of ``body_op`` (domain, op)."""
    domain, op = body_op
    body = [helper.make_node(op, ["a"], ["b"], domain=domain)]
    imports = [helper.make_opsetid("", 17)] + ([helper.make_opsetid(domain, 1)] if domain else [])
    model = graph_model(None, [helper.make_node("F", ["x"], ["y"], domain="local")], domains=[("local", 1)])
    model.functions.append(helper.make_function("local", "F", ["a"], ["b"], body, imports))
    return model


def _in_a_branch(domain: str) -> onnx.ModelProto:
    """A custom op of ``domain`` inside an If's then-branch."""
    out = helper.make_tensor_value_info("b", TensorProto.FLOAT, None)
    branch = helper.make_graph([helper.make_node("Foo", ["x"], ["b"], domain=domain)], "then", [], [out])
    node = helper.make_node("If", ["c"], ["y"], then_branch=branch, else_branch=branch)
    return graph_model(None, [node])


@pytest.mark.parametrize(
    ("model", "custom"),
    [
        (graph_model(None, [helper.make_node("Relu", ["x"], ["y"])]), False),
        (graph_model(None, [helper.make_node("Foo", ["x"], ["y"], domain="mydomain")]), True),
        (graph_model(None, [helper.make_node("Gelu", ["x"], ["y"], domain="com.microsoft")]), True),
        (_calls_local_function(("", "Relu")), False),  # the model defines local::F
        (_calls_local_function(("mydomain", "Foo")), True),
        (_in_a_branch("mydomain"), True),
    ],
    ids=["standard", "custom", "contrib", "local_function", "in_local_function", "in_subgraph"],
)
def test_uses_custom_ops_sees_graphs_subgraphs_and_functions(model, custom):
    assert _model.uses_custom_ops(model) is custom
