"""The ``symreg`` command: each subcommand as a process (console script and ``python -m``),
every user-error path in process through ``symreg.cli.main``, and the examples it documents.

Processes that import torch pay ~2 s for it, so the module starts them all at once. The
console script imports torch only for commands that need it (``_symreg_launcher``):
``python -X importtime`` lists what a command imported.
"""

import re
import select
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx_files import deform_conv2d_model, erfinv_model, late_broadcast_model, relu_model, restamped, unknown_op_model

import symreg
from symreg import cli

REPO = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
SYMREG = str(Path(sys.executable).parent / "symreg")  # the console script installed with the wheel
TIMEOUT_S = 300  # a guard against hangs; the machine may be busy


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli")
    erfinv = erfinv_model(d / "erfinv.onnx")
    (d / "text.onnx").write_text("hello, I am not a model\n")
    (d / "truncated.onnx").write_bytes(erfinv.read_bytes()[:300])
    return {
        "erfinv": erfinv,
        "unknown_op": unknown_op_model(d / "unknown_op.onnx"),
        "ir99": restamped(erfinv, d / "ir99.onnx", 99),
        "relu17": relu_model(d / "relu17.onnx", opset=17, ir_version=10),
        "relu21": relu_model(d / "relu21.onnx", opset=21, ir_version=10),
        "text": d / "text.onnx",
        "truncated": d / "truncated.onnx",
        "dir": d,
    }


# Commands that read standard ONNX: the console script runs them without importing torch.
TORCHLESS = {
    "help": ["--help"],
    "version": ["--version"],
    "inspect": ["inspect", "{relu17}"],
    "check": ["check", "{relu17}"],
    "extract": ["extract", "{relu17}", "{dir}/relu_sub.onnx", "--outputs", "y"],
    "convert": ["convert", "{relu17}", "{dir}/relu_ir9.onnx", "--ir-version", "9"],
    "lib": ["lib"],
}
# A program's bare `import symreg` (no attribute touched) still gives torch's TorchScript
# exporter every built-in rule: aten::erfinv, which torch refuses, becomes symreg::Erfinv.
LIBRARY_IMPORT = """
import io, sys, warnings
import onnx, torch
import symreg

class Erfinv(torch.nn.Module):
    def forward(self, x):
        return torch.erfinv(x)

buffer = io.BytesIO()
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    torch.onnx.export(Erfinv(), (torch.rand(3) - 0.5,), buffer, opset_version=13, dynamo=False)
print([(n.domain, n.op_type) for n in onnx.load_from_string(buffer.getvalue()).graph.node])
print("_symreg_launcher" in sys.modules)
"""


@pytest.fixture(scope="module")
def runs(models):
    """Every command of this module run as its own process, started together; results by name."""
    d = models["dir"]
    names = {k: str(v) for k, v in models.items()}
    user_kernels = d / "user_kernels.py"
    user_kernels.write_text(
        "import symreg\nsymreg.kernel('mydomain::Foo', inputs=['float'], outputs=['float'])(lambda x: 2 * x)\n"
    )
    commands = {
        **{
            f"torchless_{name}": [PYTHON, "-X", "importtime", SYMREG, *(a.format(**names) for a in argv)]
            for name, argv in TORCHLESS.items()
        },
        "check_custom_op": [PYTHON, "-X", "importtime", SYMREG, "check", models["erfinv"]],
        "check_import": [SYMREG, "check", models["unknown_op"], "--import", user_kernels],
        "library_import": [PYTHON, "-c", LIBRARY_IMPORT],
        "ops": [SYMREG, "ops"],
        "inspect": [SYMREG, "inspect", models["erfinv"]],
        "check": [SYMREG, "check", models["ir99"]],
        "extract": [PYTHON, "-m", "symreg", "extract", models["erfinv"], d / "sub.onnx",
                    "--inputs", "/Tanh_output_0", "--outputs", "/lin/Gemm_output_0"],
        "convert": [SYMREG, "convert", models["relu17"], d / "ir8.onnx", "--ir-version", "8"],
        "missing": [SYMREG, "inspect", d / "missing.onnx"],
        "example_extract": [PYTHON, REPO / "examples" / "extract_submodel.py"],
        "example_lower_ir": [PYTHON, REPO / "examples" / "lower_ir_version.py"],
    }  # fmt: skip
    procs = {
        # cwd: not the checkout, whose symreg/ (no compiled library) `python -m` would import
        name: subprocess.Popen(list(map(str, cmd)), cwd=d, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for name, cmd in commands.items()
    }
    results = {}
    for name, proc in procs.items():
        out, err = proc.communicate(timeout=TIMEOUT_S)
        results[name] = subprocess.CompletedProcess(commands[name], proc.returncode, out, err)
    return results


def _ok(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 0, f"{result.args}: rc {result.returncode}\n{result.stdout}\n{result.stderr}"
    return result.stdout


def _imported(stderr: str) -> set[str]:
    """The modules a ``python -X importtime`` process imported, from its stderr."""
    lines = (line.split("|") for line in stderr.splitlines() if line.startswith("import time:"))
    return {parts[-1].strip() for parts in lines if len(parts) == 3}


def _one_error_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("symreg: error: "), stderr
    assert "Traceback" not in stderr
    return lines[0]


def _main(capsys, *argv) -> tuple[int, str, str]:
    code = cli.main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# --- each subcommand as a process -----------------------------------------------------------
# (--help and the no-netron message run in process, below.)


def test_help_documents_subcommands_and_exit_codes(capsys):
    code, out, _ = _main(capsys, "--help")
    assert code == 0
    for command in ("ops", "inspect", "check", "extract", "convert", "lib", "view"):
        assert re.search(rf"^\s+{command}\s", out, re.MULTILINE), command
    assert "exit status:" in out and "2  usage error" in out and "--verbose" in out


@pytest.mark.parametrize("name", TORCHLESS)
def test_commands_on_standard_models_do_not_import_torch(runs, name):
    result = runs[f"torchless_{name}"]
    _ok(result)
    imported = _imported(result.stderr)
    assert "symreg.cli" in imported, "not an importtime listing"
    assert "torch" not in imported and "symreg.ops" not in imported, sorted(m for m in imported if "torch" in m)
    assert ("onnx" in imported) is (name not in ("help", "version"))  # argparse alone answers those


def test_check_of_a_custom_op_loads_the_op_pack_for_its_schema(runs):
    result = runs["check_custom_op"]
    assert re.search(r"^ok\s+checker\s+onnx.checker .* accepts the model$", _ok(result), re.MULTILINE)
    assert re.search(r"^ok\s+kernels\s+symreg::Erfinv \(version 1\): C\+\+$", result.stdout, re.MULTILINE)
    assert {"torch", "symreg.ops"} <= _imported(result.stderr)


def test_import_option_gets_the_whole_package(runs):
    out = _ok(runs["check_import"])
    assert re.search(r"^ok\s+kernels\s+mydomain::Foo \(version 1\): Python$", out, re.MULTILINE), out


def test_import_symreg_still_registers_every_rule_with_torch(runs):
    """Only the console script defers `symreg/__init__.py`; a program's `import symreg` runs it."""
    nodes, launcher = _ok(runs["library_import"]).splitlines()
    assert "('symreg', 'Erfinv')" in nodes and launcher == "False"


def test_ops_lists_rules_and_custom_op_kernels(runs):
    out = _ok(runs["ops"])
    assert re.search(r"^aten::erfinv\s+9\+\s+-$", out, re.MULTILINE), out
    assert re.search(r"^symreg::Erfinv\s+1\s+float, double\s+C\+\+$", out, re.MULTILINE), out


def test_inspect_shows_symbolic_dims_and_the_custom_op_kernel(runs):
    out = _ok(runs["inspect"])
    assert "IR version:  7" in out and "opsets:      ai.onnx 13, symreg 1" in out
    assert "parameters:  20 (80 bytes)" in out
    assert re.search(r"^input\s+x\s+float\s+\(batch, 4\)$", out, re.MULTILINE), out
    assert re.search(r"^symreg::Erfinv\s+1\s+1\s+yes\s+C\+\+$", out, re.MULTILINE), out


def test_check_diagnoses_an_ir_version_too_new(runs):
    result = runs["check"]
    assert result.returncode == 1, result
    assert re.search(
        r"^FAIL\s+onnxruntime\s+IR version 99 is too new .* --ir-version \d+$", result.stdout, re.MULTILINE
    )
    assert result.stdout.rstrip().endswith("fails: 2 problem(s)")  # checker and onnxruntime


def test_extract_writes_a_submodel_that_runs(runs, models):
    assert "2 node(s), inputs /Tanh_output_0 -> outputs /lin/Gemm_output_0" in _ok(runs["extract"])
    session = symreg.ort.InferenceSession(str(models["dir"] / "sub.onnx"))
    (y,) = session.run(None, {"/Tanh_output_0": np.zeros((3, 4), np.float32)})
    assert y.shape == (3, 4)


def test_convert_lowers_the_ir_version(runs, models):
    assert "IR version 10 -> 8, opset 17 -> 17" in _ok(runs["convert"])
    assert onnx.load(models["dir"] / "ir8.onnx").ir_version == 8


def test_lib_shows_path_and_minimum_onnxruntime(runs):
    out = _ok(runs["torchless_lib"])
    assert f"library:               {symreg.ort.library_path()}" in out
    assert f"minimum onnxruntime:   {symreg.ort.MIN_ORT_VERSION}" in out and "symreg::Erfinv" in out


def test_a_user_error_is_one_line_without_traceback(runs, models):
    result = runs["missing"]
    assert result.returncode == 1 and not result.stdout
    assert _one_error_line(result.stderr) == f"symreg: error: {models['dir'] / 'missing.onnx'}: no such file"


def test_view_without_netron_says_how_to_install_it(capsys, monkeypatch, models):
    monkeypatch.setitem(sys.modules, "netron", None)  # `import netron` raises ImportError
    code, out, err = _main(capsys, "view", models["erfinv"])
    assert code == 1 and not out
    assert "pip install netron" in _one_error_line(err) and "symreg-onnx[view]" in err


@pytest.mark.parametrize("example", ["example_extract", "example_lower_ir"])
def test_examples_run(runs, example):
    out = _ok(runs[example])
    expected = {"example_extract": "sub-model vs PyTorch", "example_lower_ir": "converted: IR version"}[example]
    assert expected in out


def test_view_serves_the_model_on_localhost_until_interrupted(models):
    cmd = [SYMREG, "view", str(models["erfinv"]), "--port", "0", "--serve-seconds", "60", "--no-browser"]
    proc = subprocess.Popen(cmd, cwd=models["dir"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = _read_line(proc, deadline=time.monotonic() + TIMEOUT_S)
        url = re.fullmatch(r"serving \S+ at (http://localhost:\d+)\n", line).group(1)
        page = urllib.request.urlopen(url, timeout=10).read().decode()
        data_path = re.search(r'<meta name="file" content="([^"]+)">', page).group(1)
        served = urllib.request.urlopen(url + data_path, timeout=10).read()
        assert served == models["erfinv"].read_bytes()
        proc.send_signal(signal.SIGINT)  # Ctrl-C: stops serving, exits 0
        assert proc.wait(timeout=20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()


def _read_line(proc: subprocess.Popen, deadline: float) -> str:
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], 0.5)
        if ready:
            return proc.stdout.readline()
        assert proc.poll() is None, proc.stderr.read()
    raise AssertionError("symreg view printed no URL in time")


# --- in process: user errors and exit codes ---------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["inspect", "{dir}/missing.onnx"], r"{dir}/missing.onnx: no such file"),
        (["check", "{text}"], r"{text}: not an ONNX model"),
        (["inspect", "{truncated}"], r"{truncated}: truncated or corrupt ONNX file"),
        (["inspect", "{dir}"], r"{dir}: is a directory"),
        (["extract", "{erfinv}", "{dir}/o.onnx", "--outputs", "/lin/Gemm_outpt_0"],
         r"unknown output tensor '/lin/Gemm_outpt_0'; did you mean '/lin/Gemm_output_0'"),
        (["extract", "{erfinv}", "{dir}/o.onnx", "--inputs", "nope", "--outputs", "y"], r"unknown input tensor 'nope'"),
        (["convert", "{relu21}", "{dir}/o.onnx", "--ir-version", "8"],
         r"cannot lower IR version 10 to 8: opset ai.onnx 21 needs IR version >= 10"),
        (["convert", "{erfinv}", "{dir}/o.onnx", "--opset", "99"], r"opset 99 is outside what the installed onnx"),
        (["inspect", "{erfinv}", "--import", "no_such_module_xyz"], r"No module named 'no_such_module_xyz'"),
    ],
)  # fmt: skip
def test_user_errors_exit_1_with_one_line(capsys, models, argv, message):
    names = {k: str(v) for k, v in models.items()}
    code, _out, err = _main(capsys, *(a.format(**names) for a in argv))
    assert code == 1
    assert re.search(re.escape("symreg: error: ") + message.format(**names), _one_error_line(err)), err
    assert not (models["dir"] / "o.onnx").exists()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], None),
        (["frobnicate"], r"invalid choice: 'frobnicate'"),
        (["inspect"], r"the following arguments are required: MODEL"),
        (["extract", "{erfinv}", "{dir}/o.onnx"], r"required: --outputs"),
        (["convert", "{erfinv}", "{dir}/o.onnx"], r"convert needs --ir-version N, --opset N or both"),
        (["convert", "{erfinv}", "{dir}/o.onnx", "--opset", "seventeen"], r"argument --opset: 'seventeen' is not an integer"),
        (["extract", "{erfinv}", "{dir}/o.onnx", "--outputs", "a,,b"], r"not a comma-separated list"),
        (["view", "{erfinv}", "--port", "70000"], r"70000 is not a port number"),
    ],
)  # fmt: skip
def test_usage_errors_exit_2(capsys, models, argv, message):
    names = {k: str(v) for k, v in models.items()}
    code, _out, err = _main(capsys, *(a.format(**names) for a in argv))
    assert code == 2
    if message is None:  # no subcommand: the help, on stderr
        assert err.startswith("usage: symreg")
    else:
        assert re.search(message, _one_error_line(err)), err


def test_verbose_shows_the_traceback(capsys, models):
    code, _, err = _main(capsys, "--verbose", "inspect", models["text"])
    assert code == 1 and "Traceback (most recent call last)" in err and "ModelError" in err
    assert err.rstrip().splitlines()[-1].startswith("symreg: error: ")
    code, _, err = _main(capsys, "inspect", models["text"], "--verbose")  # after the subcommand too
    assert code == 1 and "Traceback" in err


def test_check_names_a_custom_op_without_kernel(capsys, models):
    code, out, _ = _main(capsys, "check", models["unknown_op"])
    assert code == 1
    assert re.search(
        r"^FAIL\s+kernels\s+mydomain::Foo \(version 1\) has no kernel: load the custom-op library", out, re.MULTILINE
    )
    assert re.search(r"^ok\s+checker", out, re.MULTILINE)


@pytest.mark.parametrize(
    ("attrs", "problem"),
    [
        ({"strides": [0, -1], "pads": [1], "group": 0}, "pads must have 4 values (top, left, bottom, right), got [1]"),
        ({"strides": [0, -1]}, "strides must be positive, got [0, -1]"),
        ({"pads": [1]}, "pads must have 4 values (top, left, bottom, right), got [1]"),
        ({"group": 0}, "group must be positive, got 0"),
    ],
    ids=["issue-12", "strides", "pads", "group"],
)
def test_check_reports_invalid_kernel_attributes(capsys, tmp_path, attrs, problem):
    """The kernel checks its attributes when ORT creates it, so check fails instead of the first run."""
    code, out, _ = _main(capsys, "check", deform_conv2d_model(tmp_path / "bad.onnx", **attrs))
    assert code == 1, out
    line = next(line for line in out.splitlines() if line.startswith("FAIL"))
    assert re.match(r"FAIL\s+onnxruntime\s+", line) and f"symreg::DeformConv2d: {problem}" in line, out


def test_check_passes_a_valid_deform_conv2d(capsys, tmp_path):
    code, out, _ = _main(capsys, "check", deform_conv2d_model(tmp_path / "ok.onnx", strides=[1, 1], group=1))
    assert code == 0 and out.rstrip().endswith("passes"), out


def test_check_passes_and_inspect_lists_tensors(capsys, models):
    code, out, _ = _main(capsys, "check", models["erfinv"])
    assert code == 0 and out.rstrip().endswith("passes")
    code, out, _ = _main(capsys, "inspect", models["erfinv"], "--tensors")
    assert code == 0 and re.search(r"^/Erfinv_output_0\s+symreg::Erfinv$", out, re.MULTILINE), out


def test_check_runs_the_model_with_the_shapes_given(capsys, tmp_path):
    path = late_broadcast_model(tmp_path / "late.onnx")
    code, out, _ = _main(capsys, "check", path)
    assert code == 1 and re.search(r"^FAIL\s+run\s+the model fails at its first run", out, re.MULTILINE), out
    code, out, _ = _main(capsys, "check", path, "--shape", "x:5x4")
    assert code == 0 and re.search(r"^ok\s+run\s+runs on generated inputs \(x: float32\[5, 4\]\)", out, re.M), out


@pytest.mark.parametrize("shape", ["x:2xA", "x", ":2x4", "x:-1x4"])
def test_check_shape_usage_errors(capsys, tmp_path, shape):
    code, _, err = _main(capsys, "check", late_broadcast_model(tmp_path / "late.onnx"), "--shape", shape)
    assert code == 2 and "give NAME:D1xD2x..." in err, err


def test_convert_opset_keeps_custom_domains(capsys, models, tmp_path):
    out_path = tmp_path / "opset17.onnx"
    code, out, _ = _main(capsys, "convert", models["erfinv"], out_path, "--opset", "17")
    assert code == 0 and "IR version 7 -> 8, opset 13 -> 17" in out
    converted = onnx.load(out_path)
    assert {o.domain: o.version for o in converted.opset_import} == {"": 17, "symreg": 1}
    onnx.checker.check_model(converted, full_check=True)
    assert _main(capsys, "check", out_path)[0] == 0


def test_lib_path_prints_only_the_path(capsys):
    assert _main(capsys, "lib", "--path") == (0, symreg.ort.library_path() + "\n", "")


@pytest.mark.parametrize(("opsets", "text"), [((9,), "9+"), ((9, 13), "9-12, 13+"), ((9, 10, 18), "9, 10-17, 18+")])
def test_opset_ranges(opsets, text):
    assert cli.opset_ranges(opsets) == text


def test_import_option_loads_user_kernels(capsys, models, tmp_path):
    module = tmp_path / "cli_user_kernels.py"
    module.write_text(
        "import symreg\nsymreg.kernel('mydomain::Foo', inputs=['float'], outputs=['float'])(lambda x: 2 * x)\n"
    )
    try:
        code, out, _ = _main(capsys, "check", models["unknown_op"], "--import", module)
        assert code == 0 and re.search(r"^ok\s+kernels\s+mydomain::Foo \(version 1\): Python$", out, re.MULTILINE)
    finally:
        symreg.unregister_kernel("mydomain::Foo")
        sys.modules.pop("cli_user_kernels", None)
