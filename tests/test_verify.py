"""symreg.verify: export, check, run in ORT, compare with eager PyTorch; the shared table helper."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import torch

import symreg
from symreg import _table
from symreg.verify import VerifyError, VerifyRow

REPO = Path(__file__).resolve().parent.parent
EXPORTERS = [pytest.param(False, 17, id="torchscript"), pytest.param(True, 18, id="dynamo")]


class Nested(torch.nn.Module):
    """Nested outputs (tuple with a dict inside), a symreg-only op (sinh) and an int output."""

    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(5, 3)

    def forward(self, x):
        h = torch.sinh(self.fc(x))
        return h, {"sum": h.sum(dim=1), "arg": h.argmax(dim=1)}


def wrong_sinh(g, x):
    return g.op("Cosh", x)


@pytest.mark.parametrize("dynamo,opset", EXPORTERS)
def test_verify_flattens_nested_outputs_and_passes(dynamo, opset):
    report = symreg.verify(Nested().eval(), (torch.randn(4, 5),), opset_version=opset, dynamo=dynamo)
    assert report.passed, report
    rows = list(report)
    assert [(r.shape, r.dtype) for r in rows] == [((4, 3), "float32"), ((4,), "float32"), ((4,), "int64")]
    assert all(isinstance(r, VerifyRow) and r.input_set == 0 and r.max_abs < 1e-5 for r in rows)
    assert [r.name for r in rows] == [o.name for o in report.model.graph.output]
    report.raise_if_failed()
    text = str(report)  # stdout is not a terminal under pytest: plain text
    assert "passed" in text and "max abs" in text and "\x1b[" not in text


@pytest.mark.parametrize("dynamo,opset", EXPORTERS)
def test_verify_reports_a_wrong_rule(dynamo, opset):
    with symreg.scope():
        symreg.op("aten::sinh", opset=9, replace=True)(wrong_sinh)
        report = symreg.verify(Nested().eval(), torch.randn(4, 5), opset_version=opset, dynamo=dynamo)
    assert not report.passed
    first, worst = list(report)[0], report.worst()
    assert not first.passed and first.max_abs > 0.1 and worst.max_abs >= first.max_abs
    with pytest.raises(AssertionError, match=rf"worst: output '{worst.name}' on the example input") as info:
        report.raise_if_failed()
    assert "FAILED" in str(info.value)


class BakedBatch(torch.nn.Module):
    """Reshapes with the batch size as a Python int: TorchScript tracing bakes it in."""

    def forward(self, x):
        return torch.sinh(x.reshape(int(x.shape[0]), -1))


@pytest.mark.filterwarnings("ignore::torch.jit.TracerWarning")
def test_extra_inputs_catch_a_shape_baked_in_by_tracing():
    x, other = torch.randn(2, 3, 4), (torch.randn(5, 3, 4),)
    dynamic = dict(input_names=["x"], dynamic_axes={"x": {0: "batch"}})
    report = symreg.verify(BakedBatch().eval(), (x,), opset_version=17, extra_inputs=[other], **dynamic)
    assert [r.passed for r in report] == [True, False]
    assert "shape baked in?" in report.rows[1].note
    with pytest.raises(AssertionError, match=r"extra input set 1.*shape baked in\?"):
        report.raise_if_failed()


@pytest.mark.filterwarnings("ignore::torch.jit.TracerWarning")
@pytest.mark.parametrize("dynamo,opset", EXPORTERS)
def test_extra_inputs_fail_in_ort_without_dynamic_dims(dynamo, opset):
    x, others = torch.randn(2, 3), [(torch.randn(2, 3),), (torch.randn(6, 3),)]
    report = symreg.verify(BakedBatch().eval(), x, opset_version=opset, dynamo=dynamo, extra_inputs=others)
    assert [r.passed for r in report] == [True, True, False]
    assert report.rows[2].note.startswith("ORT error (shape baked in?)")
    assert report.worst() is report.rows[2]


@pytest.mark.parametrize(
    "dynamo,opset,dynamic",
    [
        pytest.param(False, 17, dict(input_names=["x"], dynamic_axes={"x": {0: "batch"}}), id="torchscript"),
        pytest.param(True, 18, dict(dynamic_shapes=({0: torch.export.Dim("batch")},)), id="dynamo"),
    ],
)
def test_extra_inputs_pass_with_dynamic_batch(dynamo, opset, dynamic, monkeypatch):
    monkeypatch.setattr(_table, "is_terminal", lambda file=None: True)  # draws the progress bar
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh()).eval()
    others = [(torch.randn(n, 3),) for n in (1, 5, 9)]
    report = symreg.verify(
        model, (torch.randn(2, 3),), opset_version=opset, dynamo=dynamo, extra_inputs=others, **dynamic
    )
    assert report.passed and [r.shape for r in report] == [(2, 4), (1, 4), (5, 4), (9, 4)]
    assert "┃" in str(report)  # rich table on a "terminal"


def test_checker_error_surfaces_with_its_text():
    with symreg.scope():
        symreg.op("aten::sinh", opset=9, replace=True)(lambda g, x: g.op("Sinh", x, bogus=1))
        with pytest.raises(VerifyError, match=r"onnx\.checker.*bogus"):
            symreg.verify(Nested(), torch.randn(2, 5), opset_version=17)


def test_ort_load_error_surfaces():
    with symreg.scope():
        symreg.schema(
            "symregtest_verify::NoKernel",
            inputs=["X: T"],
            outputs=["Y: T"],
            types={"T": ["float"]},
            infer=symreg.same_as_input(0),
        )
        symreg.op("aten::sinh", opset=9, replace=True)(lambda g, x: g.op("symregtest_verify::NoKernel", x))
        with pytest.raises(VerifyError, match=r"ONNX Runtime cannot load.*NoKernel"):
            symreg.verify(Nested(), torch.randn(2, 5), opset_version=17)


@torch.library.custom_op("symreg_test::no_rule", mutates_args=())
def _no_rule(x: torch.Tensor) -> torch.Tensor:
    """An op that neither torch nor symreg can export."""
    return x.clone()


def test_export_errors_are_not_swallowed():
    class NoRule(torch.nn.Module):
        def forward(self, x):
            return _no_rule(x)

    with pytest.raises(Exception, match=r"no_rule"):
        symreg.verify(NoRule(), torch.randn(3), opset_version=17)


def test_table_render_plain_and_rich():
    rows = [("a", (2, 3), 1.5e-7, True), ("bb", (4,), float("inf"), False)]
    plain = _table.render("title", ["name", "shape", "err", "ok"], rows)
    assert plain.splitlines() == [
        "title",
        "name  shape       err  ok",
        "----  ------  -------  ---",
        "a     (2, 3)  1.5e-07  yes",
        "bb    (4,)        inf  no",
    ]
    rich = _table.render("title", ["name", "shape", "err", "ok"], rows, styled=True, width=60)
    assert "┃" in rich and "1.5e-07" in rich
    with pytest.raises(ValueError, match="2 cells, expected 4"):
        _table.render(None, ["name", "shape", "err", "ok"], [("a", 1)])


def test_example_verify_dynamic_batch():
    result = subprocess.run(
        [sys.executable, str(REPO / "examples" / "verify_dynamic_batch.py")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "caught: " in result.stdout and "shape baked in?" in result.stdout
    assert result.stdout.count("passed") >= 2
