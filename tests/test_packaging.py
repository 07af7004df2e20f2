"""How symreg is built and installed: a platform wheel carrying both compiled products."""

import importlib.metadata
import os
import re
import shutil
import subprocess
import sys
import tarfile
import venv
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
        ["git", "ls-files", *needed, "README.md", "tests"], capture_output=True, text=True, cwd=REPO, check=True
    )
    tracked = listed.stdout.split()
    if not tracked:
        pytest.skip("not a git checkout")
    tests = [name for name in tracked if name.startswith("tests/")]
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
    assert sorted(set(tracked) - set(tests) - names) == []
    assert tests and sorted(n for n in names if n.startswith("tests/")) == []  # not part of one (MANIFEST.in)


def _newest_versions_needed(library: str) -> dict[str, tuple[int, ...]]:
    """The newest GLIBC_ and GLIBCXX_ symbol version that an ELF file requires (its version references)."""
    dump = subprocess.run(["objdump", "-p", library], capture_output=True, text=True, check=True).stdout
    needed: dict[str, tuple[int, ...]] = {}
    for name, version in re.findall(r"\b(GLIBC|GLIBCXX)_(\d+(?:\.\d+)*)\b", dump):
        needed[name] = max(needed.get(name, ()), tuple(map(int, version.split("."))))
    return needed


@pytest.mark.skipif(shutil.which("objdump") is None, reason="objdump (binutils) reads the symbol versions")
def test_the_readme_states_what_the_compiled_files_need_at_run_time():
    """This build needs no newer glibc or libstdc++ than README.md promises (a newer toolchain can raise it)."""
    readme = " ".join((REPO / "README.md").read_text().split())
    ort = re.search(r"`libsymreg_ort.so` needs glibc >= ([\d.]+) and a libstdc\+\+ with `GLIBCXX_([\d.]+)`", readme)
    kernels = re.search(r"`symreg._kernels` needs glibc >= ([\d.]+)", readme)
    assert ort and kernels, "README.md's run-time requirements are not where this test looks"
    stated = {
        symreg.ort.library_path(): {"GLIBC": ort[1], "GLIBCXX": ort[2]},
        _kernels.__file__: {"GLIBC": kernels[1], "GLIBCXX": ort[2]},
    }
    for library, promised in stated.items():
        needed = _newest_versions_needed(library)
        for name, version in promised.items():
            found = ".".join(map(str, needed.get(name, ())))
            assert needed.get(name, ()) <= tuple(map(int, version.split("."))), (
                f"{Path(library).name} needs {name}_{found}; README.md says {version}"
            )


#: make dist-check sets it to the wheel that make dist repaired.
DIST_WHEEL = os.environ.get("SYMREG_DIST_WHEEL")


@pytest.mark.skipif(not DIST_WHEEL, reason="make dist-check runs it (installs torch into a fresh venv: minutes)")
def test_the_wheel_installs_and_runs_the_quickstart_without_compiler_or_headers(tmp_path):
    """The wheel that ``make dist`` repaired, in a fresh venv, outside the checkout, with no compiler on PATH
    (CC and CXX fail) and no ORT or Eigen headers: pip takes only wheels, then examples/quickstart.py and
    ``symreg lib`` run."""
    wheel = Path(DIST_WHEEL).resolve()
    assert re.fullmatch(r"symreg_onnx-.+-cp\d+-cp\d+-manylinux_\d+_\d+_x86_64\.whl", wheel.name), wheel.name
    fresh = tmp_path / "fresh"
    venv.create(fresh, with_pip=True)
    hidden = ("ONNXRUNTIME_INCLUDE_DIR", "EIGEN3_INCLUDE_DIR", "PYTHONPATH", "VIRTUAL_ENV")
    env = {k: v for k, v in os.environ.items() if k not in hidden}
    env.update(PATH=str(fresh / "bin"), CC="/bin/false", CXX="/bin/false")
    assert not [c for c in ("cc", "c++", "gcc", "g++", "clang") if shutil.which(c, path=env["PATH"])]

    def run(*command, timeout=1200):
        result = subprocess.run(command, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=timeout)
        assert result.returncode == 0, f"{command}:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        return result.stdout

    run(fresh / "bin" / "python", "-m", "pip", "install", "--quiet", "--only-binary", ":all:", wheel)
    shutil.copy(REPO / "examples" / "quickstart.py", tmp_path)
    out = run(fresh / "bin" / "python", "quickstart.py", timeout=600)
    assert f"custom-op library: {fresh}" in out and out.count("max abs error vs PyTorch") == 4, out
    out = run(fresh / "bin" / "symreg", "lib", timeout=300)
    assert "(loads it)" in out and "symreg::Erfinv" in out, out
