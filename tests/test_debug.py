"""symreg.debug: probes, per-layer divergence under both exporters, reports and plots."""

from __future__ import annotations

import io
import subprocess
import sys
import warnings
from collections import OrderedDict
from pathlib import Path

import onnx
import pytest
import torch

import symreg
from symreg.debug import LayerRow, collect, layers, probe

REPO = Path(__file__).resolve().parent.parent
EXPORTERS = [pytest.param(False, 17, id="torchscript"), pytest.param(True, 18, id="dynamo")]


class Sinh(torch.nn.Module):
    def forward(self, x):
        return torch.sinh(x)


class Split(torch.nn.Module):
    def forward(self, x):
        return x[:, :4], x[:, 4:]


class Probed(torch.nn.Module):
    """Manual probes around a sinh in the middle of the model."""

    def __init__(self):
        super().__init__()
        self.fc1, self.fc2 = torch.nn.Linear(6, 8), torch.nn.Linear(8, 3)

    def forward(self, x):
        h = probe(torch.tanh(self.fc1(x)), "hidden")
        h = probe(torch.sinh(h), "sinh")
        return probe(self.fc2(h), "out") * 2


def sequential() -> torch.nn.Module:
    """Leaf modules only, for automatic mode; sinh (module "sinh") in the middle."""
    return torch.nn.Sequential(
        OrderedDict(
            fc1=torch.nn.Linear(6, 8), act=torch.nn.Tanh(), sinh=Sinh(), fc2=torch.nn.Linear(8, 3), relu=torch.nn.ReLU()
        )
    ).eval()


def wrong_sinh(g, x):
    return g.op("Cosh", x)


def export_plain(model, x, dynamo, opset) -> onnx.ModelProto:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if dynamo:
            return symreg.export(model, (x,), None, opset_version=opset, dynamo=True, verbose=False).model_proto
        buffer = io.BytesIO()
        symreg.export(model, (x,), buffer, opset_version=opset)
        return onnx.load_from_string(buffer.getvalue())


def test_probe_outside_a_session_returns_its_input():
    x = torch.randn(3)
    assert probe(x, "x") is x
    with pytest.raises(TypeError, match="non-empty str"):
        probe(x, 3)
    with pytest.raises(ValueError, match="non-empty str"):
        probe(x, "")
    with pytest.raises(TypeError, match="expected a torch.Tensor"):
        probe([1.0], "x")


def test_collect_records_in_execution_order_and_refuses_duplicates():
    model = Probed().eval()
    x = torch.randn(2, 6)
    with collect() as values:
        y = model(x)
    assert list(values) == ["hidden", "sinh", "out"]
    torch.testing.assert_close(values["out"] * 2, y)
    with collect(), pytest.raises(ValueError, match="'a' is used twice"):
        probe(probe(x, "a") + 1, "a")


@pytest.mark.parametrize("dynamo,opset", EXPORTERS)
def test_probes_leave_no_trace_in_plain_exports(dynamo, opset):
    proto = export_plain(Probed().eval(), torch.randn(2, 6), dynamo, opset)
    assert len(proto.graph.output) == 1
    assert not [n for n in proto.graph.node if n.op_type in ("Identity", "Probe") or n.domain == "symreg_debug"]
    assert "symreg_debug" not in {o.domain for o in proto.opset_import}


@pytest.mark.parametrize("dynamo,opset", EXPORTERS)
def test_manual_probes_find_the_divergent_layer(dynamo, opset, tmp_path):
    model, x = Probed().eval(), torch.randn(4, 6)
    with symreg.scope():
        symreg.op("aten::sinh", opset=9, replace=True)(wrong_sinh)
        report = layers(model, (x,), opset_version=opset, dynamo=dynamo)
    assert [r.name for r in report] == ["hidden", "sinh", "out"]
    assert [r.passed for r in report] == [True, False, False]
    assert report.first_divergent == "sinh" and not report.passed
    assert isinstance(report["sinh"], LayerRow) and report["sinh"].max_abs > 0.1
    outputs = [o.name for o in report.model.graph.output]
    assert outputs[-3:] == ["hidden", "sinh", "out"] and len(outputs) == 4
    identities = {n.output[0] for n in report.model.graph.node if n.op_type == "Identity"}
    assert {"hidden", "sinh", "out"} <= identities
    assert "symreg_debug" not in {o.domain for o in report.model.opset_import}
    with pytest.raises(AssertionError, match=r"probe 'sinh' \(#1\) is the first to diverge"):
        report.raise_if_failed()
    text = str(report)
    assert "first divergent probe: sinh" in text and "FIRST DIVERGENCE" in text
    report.plot(tmp_path / "layers.png")
    assert (tmp_path / "layers.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("dynamo,opset", EXPORTERS)
def test_automatic_mode_probes_leaf_modules(dynamo, opset):
    model, x = sequential(), torch.randn(4, 6)
    report = layers(model, x, opset_version=opset, dynamo=dynamo)  # no manual probes: auto
    assert [r.name for r in report] == ["fc1", "act", "sinh", "fc2", "relu"]
    assert report.passed and report.first_divergent is None
    report.raise_if_failed()
    with symreg.scope():
        symreg.op("aten::sinh", opset=9, replace=True)(wrong_sinh)
        report = layers(model, x, opset_version=opset, dynamo=dynamo)
    assert report.first_divergent == "sinh"
    assert [r.passed for r in report] == [True, True, False, False, False]


def test_auto_default_prefers_manual_probes_and_auto_true_adds_leaves():
    model, x = Probed().eval(), torch.randn(2, 6)
    assert [r.name for r in layers(model, x, opset_version=17)] == ["hidden", "sinh", "out"]
    names = [r.name for r in layers(model, x, opset_version=17, auto=True)]
    assert names == ["fc1", "hidden", "sinh", "fc2", "out"]


def test_modules_called_twice_and_tuple_outputs_get_distinct_names():
    class Twice(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc, self.act, self.split = torch.nn.Linear(8, 8), torch.nn.Tanh(), Split()

        def forward(self, x):
            a, b = self.split(self.act(self.fc(self.act(x))))
            return a * b

    report = layers(Twice().eval(), torch.randn(2, 8), opset_version=17)
    assert [r.name for r in report] == ["act", "fc", "act#2", "split.0", "split.1"]
    assert report.passed, report


def test_no_probes_and_duplicate_names_are_errors():
    assert len(layers(Probed().eval(), torch.randn(2, 6), opset_version=17, auto=False)) == 3
    with pytest.raises(ValueError, match="computes no probes"):
        layers(sequential(), torch.randn(2, 6), opset_version=17, auto=False)

    class Dup(torch.nn.Module):
        def forward(self, x):
            return probe(probe(x + 1, "v") * 2, "v")

    with pytest.raises(ValueError, match="'v' is used twice"):
        layers(Dup(), torch.randn(3), opset_version=17)


def test_probe_named_like_a_model_input_is_an_error():
    class Named(torch.nn.Module):
        def forward(self, x):
            return probe(x * 2, "inp") + 1

    with pytest.raises(ValueError, match="'inp' is also the name of a model input"):
        layers(Named(), torch.randn(3), opset_version=17, input_names=["inp"])


def test_plot_without_divergence_and_without_matplotlib(tmp_path, monkeypatch):
    report = layers(sequential(), torch.randn(2, 6), opset_version=17)
    report.plot(tmp_path / "ok.svg")
    assert b"<svg" in (tmp_path / "ok.svg").read_bytes()[:500]
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(ImportError, match=r'pip install matplotlib.*"symreg-onnx\[plot\]"'):
        report.plot(tmp_path / "never.png")


def test_example_debug_layers():
    result = subprocess.run(
        [sys.executable, str(REPO / "examples" / "debug_layers.py")], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "first divergent layer: block.act" in result.stdout
    assert "built-in rule, first divergent layer: None" in result.stdout
    plot = Path(result.stdout.split("plot: ")[1].split()[0])
    assert plot.read_bytes()[:4] == b"\x89PNG"
