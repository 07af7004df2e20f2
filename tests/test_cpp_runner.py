"""libsymreg_ort.so from C++ without Python: examples/cpp/run_model.cc and tests/cpp/register_check.cc,
compiled with g++ against ORT's headers and the onnxruntime wheel's libonnxruntime."""

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import onnxruntime
import pytest
import torch
from onnx import TensorProto

import symreg.ort
from symreg import _meta

REPO = Path(__file__).resolve().parent.parent
DTYPES = {"float32": (np.float32, TensorProto.FLOAT), "float64": (np.float64, TensorProto.DOUBLE)}
RTOL = {"float32": 1e-6, "float64": 1e-12}  # as ERFINV in tests/kernels/kernel_table.py


def _ort_include_dir() -> Path:
    env = os.environ.get("ONNXRUNTIME_INCLUDE_DIR")
    candidates = [Path(env), Path(env) / "onnxruntime"] if env else []
    candidates.append(REPO / ".deps" / "onnxruntime" / "include" / "onnxruntime")
    for path in candidates:
        if (path / "onnxruntime_cxx_api.h").is_file():
            return path
    pytest.fail(
        "ONNX Runtime C++ headers not found in "
        + ", ".join(map(str, candidates))
        + "; set ONNXRUNTIME_INCLUDE_DIR or run `make headers`"
    )


def _ort_library_dir(tmp: Path) -> Path:
    """A folder holding libonnxruntime.so.1 (the wheel's library under its soname)."""
    found = sorted((Path(onnxruntime.__file__).parent / "capi").glob("libonnxruntime.so.1.*"))
    assert found, f"no libonnxruntime.so.1.* in the onnxruntime wheel at {Path(onnxruntime.__file__).parent}"
    lib_dir = tmp / "lib"
    lib_dir.mkdir()
    (lib_dir / "libonnxruntime.so.1").symlink_to(found[-1])
    return lib_dir


@pytest.fixture(scope="session")
def cpp_programs(tmp_path_factory):
    """Compiles the two C++ programs once; returns {name: path}."""
    assert shutil.which("g++"), "g++ is needed to build the C++ examples (Debian: g++)"
    tmp = tmp_path_factory.mktemp("cpp")
    include, lib_dir = _ort_include_dir(), _ort_library_dir(tmp)
    programs = {}
    for name, source in [("run_model", "examples/cpp/run_model.cc"), ("register_check", "tests/cpp/register_check.cc")]:
        out = tmp / name
        cmd = [
            "g++",
            "-std=c++17",
            "-O2",
            "-Wall",
            "-Wextra",
            "-Werror",
            f"-I{include}",
            str(REPO / source),
            "-o",
            str(out),
            f"-L{lib_dir}",
            "-l:libonnxruntime.so.1",
            f"-Wl,-rpath,{lib_dir}",
            "-ldl",
        ]
        result = subprocess.run(cmd, capture_output=True, text=True)
        assert result.returncode == 0, f"{' '.join(cmd)}\n{result.stderr}"
        programs[name] = out
    return programs


def _run_model(program, model: Path, x: np.ndarray, dtype: str, tmp: Path):
    x.tofile(tmp / "x.bin")
    cmd = [str(program), symreg.ort.library_path(), str(model), str(tmp / "x.bin"), dtype, str(tmp / "y.bin")]
    return subprocess.run(cmd + [str(d) for d in x.shape], capture_output=True, text=True, timeout=120)


def test_programs_do_not_link_libpython(cpp_programs):
    for program in cpp_programs.values():
        deps = subprocess.run(["ldd", str(program)], check=True, capture_output=True, text=True).stdout
        assert "libonnxruntime.so.1" in deps and "not found" not in deps
        assert "libpython" not in deps


@pytest.mark.parametrize("shape", [(), (0,), (7,), (2, 3, 4), (50_000,)], ids=str)
@pytest.mark.parametrize("dtype", DTYPES)
def test_run_model_matches_torch(cpp_programs, custom_op_model, tmp_path, dtype, shape):
    np_dtype, elem = DTYPES[dtype]
    model = tmp_path / "erfinv.onnx"
    model.write_bytes(custom_op_model("Erfinv", elem, [f"d{i}" for i in range(len(shape))]))
    x = np.random.default_rng(0).uniform(-1, 1, size=shape).astype(np_dtype)
    result = _run_model(cpp_programs["run_model"], model, x, dtype, tmp_path)
    assert result.returncode == 0, result.stderr
    got = np.fromfile(tmp_path / "y.bin", dtype=np_dtype).reshape(shape)
    expected = torch.erfinv(torch.from_numpy(x.astype(np.float64))).numpy()
    np.testing.assert_allclose(got, expected, rtol=RTOL[dtype])


def test_run_model_reports_ort_errors(cpp_programs, custom_op_model, tmp_path):
    model = tmp_path / "erfinv_int32.onnx"
    model.write_bytes(custom_op_model("Erfinv", TensorProto.INT32, ["n"]))
    result = _run_model(cpp_programs["run_model"], model, np.zeros(3, np.float32), "float32", tmp_path)
    assert result.returncode == 1, result.stderr  # an ORT error, not a signal
    assert "run_model:" in result.stderr and "Erfinv" in result.stderr and "tensor(int32)" in result.stderr


def test_register_custom_ops_answers_every_caller(cpp_programs):
    """Runtimes down to _meta's MIN_ORT_VERSION register; an older one gets a message naming it."""
    result = subprocess.run(
        [str(cpp_programs["register_check"]), symreg.ort.library_path(), str(_meta.MIN_ORT_API)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    lines = dict(line.split(": ", 1) for line in result.stdout.splitlines())
    too_old = lines["too old runtime"]
    assert too_old.startswith("error: ")
    assert f"needs ONNX Runtime >= {_meta.MIN_ORT_VERSION} (C API version {_meta.MIN_ORT_API})" in too_old
    assert f"runs ONNX Runtime 1.{_meta.MIN_ORT_API - 1}.1" in too_old
    assert lines["oldest runtime"] == "ok"
    assert lines["current runtime"] == "ok" and lines["current runtime again"] == "ok"
    assert lines["null options"].startswith("error: ")


class _DeformBlock(torch.nn.Module):
    """DCNv2: offsets and mask predicted by a convolution, then torchvision's deform_conv2d."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.offset_mask = torch.nn.Conv2d(8, 27, 3, padding=1)
        self.deform = __import__("torchvision").ops.DeformConv2d(8, 16, 3, padding=1)

    def forward(self, x):
        offset, mask = torch.split(self.offset_mask(x), [18, 9], dim=1)
        return self.deform(x, offset * 3, torch.sigmoid(mask))


def test_run_model_runs_an_exported_deformable_convolution(cpp_programs, tmp_path):
    """The issue-4 story: export a DCNv2 block at opset 11, run it from C++ with no Python."""
    import warnings

    import onnx

    import symreg

    model, path = _DeformBlock().eval(), tmp_path / "dcn.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        symreg.export(model, (torch.randn(1, 8, 12, 12),), str(path), opset_version=11, input_names=["x"],
                      dynamic_axes={"x": {0: "n", 2: "h", 3: "w"}})  # fmt: skip
    assert "DeformConv2d" in {n.op_type for n in onnx.load(path).graph.node}
    x = np.random.default_rng(1).standard_normal((2, 8, 15, 9)).astype(np.float32)
    result = _run_model(cpp_programs["run_model"], path, x, "float32", tmp_path)
    assert result.returncode == 0, result.stderr
    with torch.no_grad():
        expected = model(torch.from_numpy(x)).numpy()
    got = np.fromfile(tmp_path / "y.bin", dtype=np.float32).reshape(expected.shape)
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-4)
