"""What ``symreg check`` advises when ONNX Runtime cannot create a session for a model of ONNX
``DeformConv`` (opset 19, the default lowering of torchvision::deform_conv2d there): which release
has the kernel, and the lowering that needs none.

onnxruntime < 1.25 is not installed here: its refusal is simulated with the message that 1.24.4
gives (measured by scripts/ort_versions.py, which also runs ``symreg check`` against each release).
"""

import onnxruntime
import pytest
from onnx import TensorProto, helper

from symreg import cli, tools
from symreg.tools.check import DEFORM_CONV_MIN_ORT, _diagnose, _older_than

#: onnxruntime 1.16.3 ... 1.24.4, for a DeformConv node named "deform" (scripts/ort_versions.py).
OLD_ORT_ERROR = (
    "[ONNXRuntimeError] : 9 : NOT_IMPLEMENTED : Could not find an implementation for DeformConv(19) node "
    "with name 'deform'"
)
ADVICE = (
    "ONNX DeformConv needs onnxruntime >= 1.25; upgrade, "
    "or export with lowerings={'torchvision::deform_conv2d': 'custom'}"
)


def deform_conv_model(path=None):
    """y = DeformConv(x (1, 2, 5, 5), w (3, 2, 3, 3), offset (1, 18, 3, 3)), ONNX's op at opset 19;
    saved to ``path`` (returned) if given, else returned as a ModelProto."""
    shapes = {"x": [1, 2, 5, 5], "w": [3, 2, 3, 3], "offset": [1, 18, 3, 3]}
    node = helper.make_node("DeformConv", list(shapes), ["y"], name="deform")
    inputs = [helper.make_tensor_value_info(name, TensorProto.FLOAT, shape) for name, shape in shapes.items()]
    output = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3, 3, 3])
    graph = helper.make_graph([node], "deform_conv", inputs, [output])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 19)], ir_version=9)
    if path is None:
        return model
    path.write_bytes(model.SerializeToString())
    return path


@pytest.fixture
def old_onnxruntime(monkeypatch):
    """onnxruntime 1.24.4 as check sees it: its version, and its refusal of DeformConv."""

    def refuse(*args, **kwargs):
        raise RuntimeError(OLD_ORT_ERROR)

    monkeypatch.setattr(onnxruntime, "__version__", "1.24.4")
    monkeypatch.setattr(onnxruntime, "InferenceSession", refuse)


@pytest.mark.parametrize("version", ["1.16.3", "1.21.1", "1.24.4", "1.24.5.dev20260101"])
def test_an_onnxruntime_without_deform_conv_gets_the_release_that_has_it(monkeypatch, version):
    monkeypatch.setattr(onnxruntime, "__version__", version)
    advice = _diagnose(OLD_ORT_ERROR, deform_conv_model(), "model.onnx", [])
    assert advice == f"onnxruntime {version} has no kernel for DeformConv (opset 19, node 'deform'): {ADVICE}"


@pytest.mark.parametrize("version", ["1.25.0", "1.32.0", "2.0.0"])
def test_an_onnxruntime_with_deform_conv_that_refuses_it_gets_the_general_advice(monkeypatch, version):
    """From 1.25 the kernel exists: a refusal is about the node's input types, not the release."""
    monkeypatch.setattr(onnxruntime, "__version__", version)
    advice = _diagnose(OLD_ORT_ERROR, deform_conv_model(), "model.onnx", [])
    assert advice == (
        f"onnxruntime {version} has no kernel for DeformConv (opset 19) with the input types of node 'deform'; "
        "export with another dtype or lowering"
    )


def test_check_names_the_release_for_onnx_deform_conv(tmp_path, old_onnxruntime):
    result = tools.check(deform_conv_model(tmp_path / "deform.onnx"))
    (problem,) = result.problems
    assert problem.step == "onnxruntime" and problem.message.endswith(ADVICE), str(result)


def test_the_command_prints_the_advice(tmp_path, capsys, old_onnxruntime):
    code = cli.main(["check", str(deform_conv_model(tmp_path / "deform.onnx"))])
    out = capsys.readouterr().out
    assert code == 1 and f"onnxruntime 1.24.4 has no kernel for DeformConv (opset 19, node 'deform'): {ADVICE}" in out


def test_check_passes_onnx_deform_conv_with_the_installed_onnxruntime(tmp_path):
    """The installed release (>= 1.25) runs the same model: no advice."""
    assert not _older_than(onnxruntime.__version__, DEFORM_CONV_MIN_ORT)
    result = tools.check(deform_conv_model(tmp_path / "deform.onnx"))
    assert result.ok, str(result)
