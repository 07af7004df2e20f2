"""docs/known-issues.md stays true: its example runs and shows what it says (a torch upgrade that
fixes the behaviour fails this test, so that the page and the op table's expected failures go)."""

from __future__ import annotations

import re
from pathlib import Path

import onnx

PAGE = Path(__file__).resolve().parents[1] / "docs" / "known-issues.md"


def _python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", PAGE.read_text(), flags=re.S)


def test_the_torchscript_0d_float64_example_still_computes_in_float32(capsys):
    (block,) = _python_blocks()
    namespace: dict = {}
    exec(compile(block, str(PAGE), "exec"), namespace)  # noqa: S102 - the page's own example
    graph = onnx.load_from_string(namespace["f"].getvalue()).graph
    assert graph.input[0].type.tensor_type.elem_type == onnx.TensorProto.DOUBLE
    assert graph.output[0].type.tensor_type.elem_type == onnx.TensorProto.FLOAT
    assert "Cast <to: int = 1>" in capsys.readouterr().out
