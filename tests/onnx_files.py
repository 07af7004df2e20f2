"""Small ONNX files for the model-tool tests (tests/test_tools.py, tests/test_cli.py)."""

from __future__ import annotations

import warnings
from pathlib import Path

import onnx
import torch
from onnx import TensorProto, helper

import symreg


class ErfinvNet(torch.nn.Module):
    """y = relu(linear(erfinv(tanh(x)))): a symreg::Erfinv node between standard ops."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.lin = torch.nn.Linear(4, 4)

    def forward(self, x):
        return torch.relu(self.lin(torch.erfinv(torch.tanh(x))))


def erfinv_model(path: Path, opset: int = 13) -> Path:
    """ErfinvNet exported by symreg (TorchScript), input "x" with a symbolic "batch" dim; IR 7 at opset 13."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        symreg.export(
            ErfinvNet().eval(),
            (torch.randn(2, 4),),
            str(path),
            opset_version=opset,
            input_names=["x"],
            output_names=["y"],
            dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}},
        )
    return path


def graph_model(path: Path | None, nodes, *, opset: int = 17, ir_version: int = 10, domains=()) -> onnx.ModelProto:
    """x (N, 3) float -> nodes -> y (N, 3) float; ``domains`` are extra (domain, version) imports."""
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 3])
    opsets = [helper.make_opsetid("", opset)] + [helper.make_opsetid(d, v) for d, v in domains]
    model = helper.make_model(helper.make_graph(nodes, "g", [x], [y]), opset_imports=opsets, ir_version=ir_version)
    if path is not None:
        onnx.save(model, path)
    return model


def unknown_op_model(path: Path) -> Path:
    """y = relu(mydomain::Foo(x)): a custom op with no kernel and no schema."""
    nodes = [helper.make_node("Foo", ["x"], ["t"], domain="mydomain"), helper.make_node("Relu", ["t"], ["y"])]
    graph_model(path, nodes, domains=[("mydomain", 1)])
    return path


def deform_conv2d_model(path: Path, **attrs) -> Path:
    """y = symreg::DeformConv2d(x (1, 4, 6, 6), w (6, 4, 3, 3), offset (1, 18, 4, 4)) with ``attrs``."""
    shapes = {"x": [1, 4, 6, 6], "w": [6, 4, 3, 3], "offset": [1, 18, 4, 4]}
    inputs = [helper.make_tensor_value_info(n, TensorProto.FLOAT, d) for n, d in shapes.items()]
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 6, 4, 4])
    node = helper.make_node("DeformConv2d", list(shapes), ["y"], domain="symreg", **attrs)
    opsets = [helper.make_opsetid("", 17), helper.make_opsetid("symreg", 1)]
    graph = helper.make_graph([node], "deform_conv2d", inputs, [y])
    onnx.save(helper.make_model(graph, opset_imports=opsets, ir_version=10), path)
    return path


def relu_model(path: Path, *, opset: int = 17, ir_version: int = 10) -> Path:
    """y = relu(x) at ``opset``, stamped ``ir_version``."""
    graph_model(path, [helper.make_node("Relu", ["x"], ["y"])], opset=opset, ir_version=ir_version)
    return path


def restamped(source: Path, path: Path, ir_version: int) -> Path:
    """``source`` with its IR version replaced by ``ir_version`` (e.g. 99: newer than any runtime)."""
    model = onnx.load(source)
    model.ir_version = ir_version
    onnx.save(model, path)
    return path


def late_broadcast_model(path: Path) -> Path:
    """y = x (N, M) + b (4,): valid, loads, and fails at its first run unless M is 4 (or 1)."""
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", "M"])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 4])
    b = helper.make_tensor("b", TensorProto.FLOAT, [4], [1.0, 2.0, 3.0, 4.0])
    graph = helper.make_graph([helper.make_node("Add", ["x", "b"], ["y"])], "g", [x], [y], initializer=[b])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=10), path)
    return path
