"""Fix "Unsupported model IR version: N, max supported IR version: M" by lowering the IR version.

A model's IR version says which edition of the ONNX file format it uses. Writers stamp
the newest they know (onnx 1.23's ``onnx.helper.make_model`` stamps 14), and a runtime
built against an older onnx refuses anything newer than it reads, although the model
uses nothing that needs it. ``symreg.tools.convert(model, out, ir_version=N)`` (or
``symreg convert MODEL OUT --ir-version N``) restamps it after checking that nothing
in the model needs IR >= N, and refuses with the reason otherwise.

The installed onnxruntime reads today's IR versions, so this example plays the older
runtime by stamping one IR version more than it reads.

Run: .venv/bin/python examples/lower_ir_version.py
"""

import re
import tempfile
from pathlib import Path

import numpy as np
import onnx
import onnxruntime
import torch
from onnx import TensorProto, helper

import symreg
from symreg import tools


def newest_ir_version_read_by_onnxruntime() -> int:
    """Asks the installed onnxruntime: its error for a far-future IR version says its limit."""
    graph = helper.make_graph(
        [helper.make_node("Relu", ["x"], ["y"])],
        "probe",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=1000)
    try:
        onnxruntime.InferenceSession(model.SerializeToString())
    except Exception as e:  # noqa: BLE001 - onnxruntime raises its own exception types
        return int(re.search(r"max supported IR version: (\d+)", str(e)).group(1))
    raise AssertionError("onnxruntime accepted IR version 1000")


def main() -> None:
    out_dir = Path(tempfile.mkdtemp(prefix="symreg-ir-"))
    # y = erfinv(relu(x)) with symreg's custom op, opset 17 (which needs IR version >= 8).
    x_info = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 4])
    y_info = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 4])
    nodes = [helper.make_node("Relu", ["x"], ["r"]), helper.make_node("Erfinv", ["r"], ["y"], domain="symreg")]
    opsets = [helper.make_opsetid("", 17), helper.make_opsetid("symreg", 1)]
    model = helper.make_model(helper.make_graph(nodes, "g", [x_info], [y_info]), opset_imports=opsets)

    newest = newest_ir_version_read_by_onnxruntime()
    model.ir_version = newest + 1  # what a runtime one IR version behind sees
    path = out_dir / "model.onnx"
    onnx.save(model, path)
    print(f"onnxruntime {onnxruntime.__version__} reads IR versions up to {newest}; the model has {model.ir_version}")
    try:
        symreg.ort.InferenceSession(str(path))
    except Exception as e:  # noqa: BLE001 - onnxruntime raises its own exception types
        print("onnxruntime refuses it:", re.search(r"Unsupported model IR version.*", str(e)).group(0))
    print("symreg check says:", tools.check(path).problems[-1].message)

    print("the model needs IR version >=", tools.min_ir_version(path), "because:")
    for requirement in tools.ir_requirements(path):
        print("  ", requirement)
    fixed = out_dir / "model_ir8.onnx"
    result = tools.convert(path, fixed, ir_version=8)
    print(f"converted: IR version {result.ir_version[0]} -> {result.ir_version[1]} ({fixed.name})")

    x = np.array([[-1.0, 0.0, 0.5, 0.9]], dtype=np.float32)
    (y,) = symreg.ort.InferenceSession(str(fixed)).run(None, {"x": x})
    expected = torch.erfinv(torch.relu(torch.from_numpy(x))).numpy()
    np.testing.assert_allclose(y, expected, rtol=1e-6)
    print("it runs:", np.array2string(y, precision=4))

    try:
        tools.convert(path, None, ir_version=7)
    except tools.ConversionError as e:
        print("IR version 7 is refused:", e)


if __name__ == "__main__":
    main()
