"""``symreg.doctor`` and ``symreg doctor``: every refused op of a model, once, with its count and modules.

Test models use ops that torch and symreg refuse: a ``torch.library`` op without a rule (both exporters),
``ctc_loss`` (no TorchScript rule; torch.export cannot trace it), and ``fmod``/``isinf``, which torch's
TorchScript exporter has from opset 10 only.
"""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path

import pytest
import torch

import symreg
from symreg import cli


@torch.library.custom_op("symreg_test_doctor::shift", mutates_args=())
def _shift(x: torch.Tensor, by: float) -> torch.Tensor:
    return x + by


@_shift.register_fake
def _(x, by):
    return torch.empty_like(x)


class _Attention(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = torch.nn.Linear(8, 8)

    def forward(self, x):
        q = torch.ops.symreg_test_doctor.shift(self.proj(x), 1.0)
        k = torch.ops.symreg_test_doctor.shift(x, 2.0)
        return torch.softmax(q @ k.transpose(-1, -2), -1) @ x


class _Model(torch.nn.Module):
    """Three calls of the library op in two modules, two of ``fmod`` (opset 10+ in TorchScript)."""

    def __init__(self):
        super().__init__()
        self.first, self.second = _Attention(), _Attention()

    def forward(self, x):
        y = self.second(torch.fmod(self.first(x), 1.5))
        return torch.fmod(torch.ops.symreg_test_doctor.shift(y, 3.0), 2.0)


def _x() -> torch.Tensor:
    return torch.randn(2, 3, 8)


def test_lists_every_refused_op_once_with_its_count_and_modules():
    report = symreg.doctor(_Model(), (_x(),), opset_version=9)
    ts = report.view("torchscript")
    assert ts.error is None
    found = {r.name: r for r in ts.refused}
    assert set(found) == {"symreg_test_doctor::shift", "aten::fmod.Tensor"}
    shift = found["symreg_test_doctor::shift"]
    assert shift.count == 5 and shift.modules == ("first", "second", "")
    assert found["aten::fmod.Tensor"].count == 2
    assert "TorchScript at opset 10" in found["aten::fmod.Tensor"].fixes
    assert any("fallback='python'" in fix for fix in shift.fixes)
    assert not any("TorchScript at opset" in fix for fix in shift.fixes)
    assert ts.exports_at is None  # the library op has no rule at any opset
    dynamo = report.view("dynamo")
    assert [r.name for r in dynamo.refused] == ["symreg_test_doctor::shift"]
    assert dynamo.refused[0].count == 5
    assert not report.ok


def test_advice_picks_the_exporter_that_refuses_least():
    report = symreg.doctor(_Model(), (_x(),), opset_version=17)
    assert [r.name for r in report.view("torchscript").refused] == ["symreg_test_doctor::shift"]
    assert "write a rule" in report.advice and "fallback='python'" in report.advice


def test_higher_opset_is_checked_by_exporting_there():
    class Fmod(torch.nn.Module):
        def forward(self, x):
            return torch.fmod(x, 1.5) + torch.isinf(x).float()

    report = symreg.doctor(Fmod(), (torch.randn(3, 4),), opset_version=9, exporters=["torchscript"])
    view = report.view("torchscript")
    assert {r.op for r in view.refused} == {"aten::fmod", "aten::isinf"}
    assert view.exports_at == 10
    assert report.advice.startswith("every op exports with TorchScript at opset 10")
    assert not report.ok  # not at the opset asked for


def test_a_model_that_exports():
    model = torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.GELU())
    report = symreg.doctor(model, (torch.randn(2, 4),), opset_version=17)
    assert report.ok and all(v.exports for v in report.views)
    assert report.advice == "every op exports with TorchScript: symreg.export(model, args, opset_version=17)"


def test_known_issues_of_ops_that_export():
    model = torch.nn.Conv2d(2, 2, 3).double()
    report = symreg.doctor(model, (torch.randn(1, 2, 5, 5, dtype=torch.float64),), opset_version=17)
    issues = [k for k in report.view("torchscript").known_issues if k.op == "aten::_convolution"]
    assert issues and issues[0].when == "float64" and "float64 Conv" in issues[0].reason


def test_an_export_that_stops_is_reported():
    class Ctc(torch.nn.Module):
        def forward(self, lp, tg, il, tl):
            return torch.nn.functional.ctc_loss(lp, tg, il, tl)

    args = (torch.randn(6, 2, 4).log_softmax(2), torch.randint(1, 4, (2, 3)), torch.full((2,), 6), torch.tensor([3, 2]))
    report = symreg.doctor(Ctc(), args, opset_version=17)
    assert [r.op for r in report.view("torchscript").refused] == ["aten::ctc_loss"]
    assert "DynamicOutputShapeException" in report.view("dynamo").error


def test_formats():
    report = symreg.doctor(_Model(), (_x(),), opset_version=17, exporters=["torchscript"])
    data = json.loads(report.to_json())
    assert data["ok"] is False and data["views"][0]["refused"][0]["op"] == "symreg_test_doctor::shift"
    markdown = report.to_markdown()
    assert "| `symreg_test_doctor::shift` | 5 | first, second, (model) |" in markdown
    assert "**Advice:**" in markdown
    assert "symreg_test_doctor::shift" in str(report)


def test_exporters_are_checked():
    with pytest.raises(ValueError, match="exporters are 'torchscript', 'dynamo'"):
        symreg.doctor(_Model(), (_x(),), exporters=["onnx"])


def test_known_failures_module_is_current():
    scripts = Path(__file__).resolve().parents[1] / "scripts"
    sys.path.insert(0, str(scripts))
    try:
        import known_failures
    finally:
        sys.path.remove(str(scripts))
    assert known_failures.OUTPUT.read_text() == known_failures.render(), "run scripts/known_failures.py"


# --- the command ---------------------------------------------------------------------------------


@pytest.fixture
def factories(tmp_path):
    path = tmp_path / "doctor_models.py"
    path.write_text(
        textwrap.dedent("""
        import torch

        def clean():
            return torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.ReLU()), (torch.randn(2, 4),)

        class Fmod(torch.nn.Module):
            def forward(self, x):
                return torch.fmod(x, 1.5)

        def fmod():
            return Fmod(), torch.randn(3)

        def broken():
            return 42
    """)
    )
    return path


def test_cli_json_and_exit_status(factories, capsys):
    assert cli.main(["doctor", f"{factories}:fmod", "--opset", "9", "--exporter", "torchscript", "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert [r["op"] for r in data["views"][0]["refused"]] == ["aten::fmod"]
    assert cli.main(["doctor", f"{factories}:clean", "--opset", "11"]) == 0
    assert "every op exports" in capsys.readouterr().out


def test_cli_markdown(factories, capsys):
    assert cli.main(["doctor", f"{factories}:fmod", "--opset", "9", "--markdown"]) == 1
    assert "## symreg doctor: `Fmod` at opset 9" in capsys.readouterr().out


def test_cli_errors(factories, capsys):
    assert cli.main(["doctor", "no_colon_here"]) == cli.EXIT_USAGE
    assert "is not FILE.py:FACTORY or MODULE:FACTORY" in capsys.readouterr().err
    assert cli.main(["doctor", f"{factories}:missing"]) == cli.EXIT_FAILURE
    assert "has no function 'missing'" in capsys.readouterr().err
    assert cli.main(["doctor", f"{factories}:broken"]) == cli.EXIT_FAILURE
    assert "must return (model, args)" in capsys.readouterr().err


def test_example_doctor_and_fallback(tmp_path):
    """examples/doctor_and_fallback.py: the doctor's list, the fallback model and the rule that replaces it."""
    import subprocess

    script = Path(__file__).resolve().parents[1] / "examples" / "doctor_and_fallback.py"
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "demo::rotary      2  attn" in done.stdout
    assert "fallback model, max abs error against PyTorch" in done.stdout
    assert "with a rule for demo::rotary, max abs error against PyTorch" in done.stdout
