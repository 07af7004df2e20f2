"""How symreg is built and installed: a platform wheel carrying both compiled products."""

import importlib.metadata
import os
import re
import subprocess
import sys
import tarfile
from pathlib import Path

import numpy as np
import pytest
from onnx import TensorProto

import symreg
import symreg.ort
from symreg import _kernels, _meta

REPO = Path(__file__).resolve().parent.parent


def test_installed_from_a_platform_wheel_with_both_products():
    dist = importlib.metadata.distribution(_meta.DISTRIBUTION)
    files = {str(f) for f in dist.files}
    assert "symreg/libsymreg_ort.so" in files
    assert any(f.startswith("symreg/_kernels.") and f.endswith(".so") for f in files)
    wheel = dist.read_text("WHEEL")
    assert "Root-Is-Purelib: false" in wheel and "linux_x86_64" in wheel
    assert Path(symreg.ort.library_path()).parent == Path(symreg.__file__).parent


def test_the_distribution_name_has_one_source():
    """pyproject.toml's name is _meta.DISTRIBUTION (``symreg`` on PyPI is an unrelated package)."""
    text = (REPO / "pyproject.toml").read_text()
    assert re.search(r'^name = "([^"]+)"', text, re.MULTILINE)[1] == _meta.DISTRIBUTION != "symreg"


def test_missing_headers_stop_the_build_with_a_fix(tmp_path):
    env = {**os.environ, "ONNXRUNTIME_INCLUDE_DIR": str(tmp_path / "nowhere")}
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", str(tmp_path), str(REPO)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=300,
    )
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "ONNX Runtime C/C++ headers not found" in output
    assert "ONNXRUNTIME_INCLUDE_DIR" in output and "libonnxruntime-dev" in output


def test_native_ops_are_what_the_ort_library_registers():
    """_kernels.NATIVE_OPS (from csrc/native_ops.def, as the ORT registration is) against ORT's own answer."""
    ops = _kernels.NATIVE_OPS
    assert isinstance(ops, tuple) and ops and list(ops) == sorted(set(ops))
    for name in ops:
        assert name.startswith(f"{_meta.DOMAIN}::"), name
        assert symreg.ort.has_native_kernel(name), f"{name} is in NATIVE_OPS; libsymreg_ort.so does not register it"
        assert not symreg.ort.has_native_kernel(name, with_library=False), f"{name} is ORT's own op"
    assert not symreg.ort.has_native_kernel(f"{_meta.DOMAIN}::NoSuchOp")  # the probe can answer no


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
def test_both_products_run_the_same_kernel_code(custom_op_model, dtype):
    """The kernel objects are linked into both products: ORT and NumPy give identical bits."""
    edges = [0.0, -0.0, 1e-9, -1e-9, 1 - 1e-8, -(1 - 1e-8), 1.0, -1.0, 2.0]
    x = np.concatenate([np.linspace(-1, 1, 100_001), edges]).astype(dtype)
    elem = TensorProto.FLOAT if dtype == np.float32 else TensorProto.DOUBLE
    session = symreg.ort.InferenceSession(custom_op_model("Erfinv", elem, ["n"]))
    np.testing.assert_array_equal(session.run(None, {"x": x})[0], _kernels.erfinv(x))


def test_the_sdist_holds_every_file_the_build_needs(tmp_path):
    """An sdist built from the tracked files holds each of them that a wheel build reads (csrc's headers,
    export map and native-op list included), so ``pip wheel symreg_onnx-*.tar.gz`` builds; ``make dist``
    builds that wheel."""
    needed = ["csrc", "symreg", "setup.py", "pyproject.toml", "MANIFEST.in", "_symreg_launcher.py", "LICENSE"]
    needed.append("THIRD_PARTY_NOTICES")  # license-files: the vendored torch code's licenses
    listed = subprocess.run(
        ["git", "ls-files", *needed, "README.md"], capture_output=True, text=True, cwd=REPO, check=True
    )
    tracked = listed.stdout.split()
    if not tracked:
        pytest.skip("not a git checkout")
    tree = tmp_path / "tree"
    for name in tracked:
        (tree / name).parent.mkdir(parents=True, exist_ok=True)
        (tree / name).write_bytes((REPO / name).read_bytes())
    build = "from setuptools import build_meta; print(build_meta.build_sdist(%r))" % str(tmp_path)
    result = subprocess.run([sys.executable, "-c", build], capture_output=True, text=True, cwd=tree, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    sdist = tmp_path / result.stdout.split()[-1]
    with tarfile.open(sdist) as archive:
        names = {n.split("/", 1)[1] for n in archive.getnames() if "/" in n}
    assert sdist.name.startswith(_meta.DISTRIBUTION.replace("-", "_"))
    assert sorted(set(tracked) - names) == []
