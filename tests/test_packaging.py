"""How symreg is built and installed: a platform wheel carrying both compiled products."""

import importlib.metadata
import os
import subprocess
import sys
from pathlib import Path

import symreg

REPO = Path(__file__).resolve().parent.parent


def test_installed_from_a_platform_wheel_with_both_products():
    dist = importlib.metadata.distribution("symreg")
    files = {str(f) for f in dist.files}
    assert "symreg/libsymreg_ort.so" in files
    assert any(f.startswith("symreg/_kernels.") and f.endswith(".so") for f in files)
    wheel = dist.read_text("WHEEL")
    assert "Root-Is-Purelib: false" in wheel and "linux_x86_64" in wheel
    assert Path(symreg.ort.library_path()).parent == Path(symreg.__file__).parent


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
