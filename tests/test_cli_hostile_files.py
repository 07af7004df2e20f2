"""Every model-reading CLI command on hostile files: the right exit code, one line, no traceback, bounded memory.

Files nobody can read as ONNX (empty, truncated, random bytes, text, a directory, a missing path,
64 MB of zeros) make every command exit 1 with one line ``symreg: error: <path>: ...``. Files that
parse but are broken (a cycle, an input nobody produces, a custom node with missing or mistyped
attributes, external data pointing outside the model's folder) are still described by ``inspect``
(exit 0), and refused, with no traceback, by ``check`` (its FAIL lines), ``extract`` and
``convert`` (one error line). ``view`` reads the file before it serves it, so the unreadable ones
stop it too. A custom node with no attributes at all is a valid model: symreg's ops give every
attribute a default, which the kernels apply.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper
from onnx_files import deform_conv2d_model, graph_model, relu_model

from symreg import cli

UNREADABLE = ["empty", "truncated", "random-bytes", "text", "directory", "missing", "zeros"]
BROKEN = ["cycle", "undefined-input", "custom-mistyped-attrs", "external-data-outside"]
ZEROS_BYTES = 64 << 20
#: Peak resident set of one command's process on the 64 MB file of zeros: it must not be read more than once
#: or grow a parse tree from it (measured 130 MB, of which ~65 MB is the interpreter and onnx).
ZEROS_RSS_BOUND = 400 << 20


def _external_outside(path: Path) -> None:
    """y = x + w, w's bytes said to be in ../../../../etc/passwd."""
    w = helper.make_tensor("w", TensorProto.FLOAT, [3], [1.0, 2.0, 3.0])
    model = graph_model(None, [helper.make_node("Add", ["x", "w"], ["y"])])
    model.graph.initializer.append(w)
    w = model.graph.initializer[0]
    w.ClearField("float_data")
    w.data_location = TensorProto.EXTERNAL
    for key, value in {"location": "../../../../etc/passwd", "offset": "0", "length": "12"}.items():
        entry = w.external_data.add()
        entry.key, entry.value = key, value
    onnx.save(model, path)


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("hostile")
    good = relu_model(d / "good.onnx")
    paths = {name: d / f"{name}.onnx" for name in [*UNREADABLE, *BROKEN]}
    paths["empty"].write_bytes(b"")
    paths["truncated"].write_bytes(good.read_bytes()[:40])
    paths["random-bytes"].write_bytes(np.random.default_rng(0).bytes(4096))
    paths["text"].write_text("hello, I am not a model\n")
    paths["directory"].mkdir()
    with open(paths["zeros"], "wb") as f:  # sparse where the file system allows
        f.truncate(ZEROS_BYTES)
    cycle = [helper.make_node("Add", ["x", "b"], ["a"]), helper.make_node("Relu", ["a"], ["b"]),
             helper.make_node("Relu", ["a"], ["y"])]  # fmt: skip
    graph_model(paths["cycle"], cycle)
    graph_model(paths["undefined-input"], [helper.make_node("Add", ["x", "nowhere"], ["y"])])
    deform_conv2d_model(paths["custom-mistyped-attrs"], group="two", strides=[1.5, 1.0])
    _external_outside(paths["external-data-outside"])
    return paths


def _argv(command: str, model: Path, out: Path) -> list[str]:
    return {
        "inspect": ["inspect", model],
        "check": ["check", model],
        "extract": ["extract", model, out, "--outputs", "y"],
        "convert": ["convert", model, out, "--ir-version", "9"],
        "view": ["view", model, "--port", "0"],
    }[command]


def _run(capsys, argv) -> tuple[int, str, str]:
    code = cli.main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize("command", ["inspect", "check", "extract", "convert", "view"])
@pytest.mark.parametrize("name", UNREADABLE)
def test_an_unreadable_file_is_one_error_line(capsys, files, tmp_path, name, command):
    code, out, err = _run(capsys, _argv(command, files[name], tmp_path / "out.onnx"))
    lines = err.strip().splitlines()
    assert code == 1 and out == "", (code, out, err)
    assert len(lines) == 1 and lines[0].startswith(f"symreg: error: {files[name]}: "), err
    assert not (tmp_path / "out.onnx").exists()


@pytest.mark.parametrize("name", BROKEN)
def test_inspect_describes_a_broken_model(capsys, files, tmp_path, name):
    code, out, err = _run(capsys, _argv("inspect", files[name], tmp_path / "out.onnx"))
    assert code == 0 and err == "" and out.startswith(f"model:       {files[name]}"), (code, out, err)


@pytest.mark.parametrize("name", BROKEN)
def test_check_reports_a_broken_model_without_a_traceback(capsys, files, tmp_path, name):
    code, out, err = _run(capsys, _argv("check", files[name], tmp_path / "out.onnx"))
    assert code == 1, out
    assert "FAIL" in out and out.strip().splitlines()[-1].startswith(f"{files[name]} fails: "), out
    assert err == "", err  # ORT logs nothing of its own: check reports each error itself


def test_a_custom_node_without_attributes_passes_check(capsys, tmp_path):
    model = deform_conv2d_model(tmp_path / "custom-no-attrs.onnx")
    code, out, err = _run(capsys, _argv("check", model, tmp_path / "out.onnx"))
    assert code == 0 and out.strip().endswith(f"{model} passes") and err == "", (out, err)


@pytest.mark.parametrize("command", ["extract", "convert"])
@pytest.mark.parametrize("name", BROKEN)
def test_extract_and_convert_refuse_a_broken_model_in_one_line(capsys, files, tmp_path, name, command):
    code, out, err = _run(capsys, _argv(command, files[name], tmp_path / "out.onnx"))
    lines = err.strip().splitlines()
    assert code == 1 and out == "", (code, out, err)
    assert len(lines) == 1 and lines[0].startswith("symreg: error: "), err
    assert "run with --verbose" not in err, f"an unexpected exception, not a user error: {err}"
    assert not (tmp_path / "out.onnx").exists()


# The console script (which imports torch only for commands that need it) in a process of its own that prints
# its peak resident set last, on stdout. VmHWM, not getrusage's ru_maxrss: that one keeps the high-water mark of
# the process before its exec, which was a fork of this one.
MEASURED_MAIN = """
import re, sys
import _symreg_launcher
sys.argv[0] = "symreg"
code = _symreg_launcher.main()
with open("/proc/self/status") as f:
    print(int(re.search(r"VmHWM:\\s*(\\d+) kB", f.read()).group(1)) * 1024)
sys.exit(code)
"""


@pytest.mark.parametrize("command", ["inspect", "check", "extract", "convert"])
def test_a_large_file_of_zeros_runs_in_bounded_memory(files, tmp_path, command):
    argv = [str(a) for a in _argv(command, files["zeros"], tmp_path / "out.onnx")]
    # cwd: not the checkout, whose symreg/ (no compiled parts) the child would import first
    result = subprocess.run([sys.executable, "-c", MEASURED_MAIN, *argv], capture_output=True, text=True,
                            timeout=300, cwd=tmp_path)  # fmt: skip
    assert result.returncode == 1 and result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.stderr
    peak = int(result.stdout.split()[-1])
    assert peak <= ZEROS_RSS_BOUND, f"symreg {command} on {ZEROS_BYTES >> 20} MB of zeros peaked at {peak >> 20} MB"
