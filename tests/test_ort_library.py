"""libsymreg_ort.so as ONNX Runtime sees it: exports, dependencies, symreg::Erfinv in sessions."""

import gc
import importlib.metadata
import random
import shutil
import subprocess
from pathlib import Path

import numpy as np
import onnxruntime
import pytest
import torch
from onnx import TensorProto

import symreg
import symreg.ort

DTYPES = {np.float32: TensorProto.FLOAT, np.float64: TensorProto.DOUBLE}
RTOL = {np.float32: 1e-6, np.float64: 1e-12}  # as ERFINV in tests/kernels/kernel_table.py


def _tool_output(*cmd: str) -> str:
    assert shutil.which(cmd[0]), f"{cmd[0]} is needed for this test (Debian: binutils / libc-bin)"
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


def _inputs(shape, dtype, seed=0) -> np.ndarray:
    x = np.random.default_rng(seed).uniform(-1, 1, size=shape).astype(dtype)
    return np.ascontiguousarray(x)


def _check(got: np.ndarray, x: np.ndarray):
    assert got.dtype == x.dtype and got.shape == x.shape
    expected = torch.erfinv(torch.from_numpy(x.astype(np.float64))).numpy()
    np.testing.assert_allclose(got, expected, rtol=RTOL[x.dtype.type])


def _options(threads: int) -> onnxruntime.SessionOptions:
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    return options


def test_library_path_is_the_installed_library():
    path = Path(symreg.ort.library_path())
    assert path.is_absolute() and path.is_file()
    assert path == Path(symreg.__file__).resolve().parent / "libsymreg_ort.so"


def test_library_path_names_the_fix_when_missing(monkeypatch):
    monkeypatch.setattr(symreg.ort, "_LIBRARY", "no_such_library.so")
    with pytest.raises(FileNotFoundError, match=r"library_path\(\).*no_such_library\.so is missing.*make install"):
        symreg.ort.library_path()


def test_exports_exactly_register_custom_ops():
    lines = _tool_output("nm", "-D", "--defined-only", symreg.ort.library_path()).splitlines()
    assert [line.split()[-1] for line in lines if line.strip()] == ["RegisterCustomOps"]


def test_does_not_link_libpython():
    deps = _tool_output("ldd", symreg.ort.library_path())
    assert "not found" not in deps
    assert "libpython" not in deps


def test_compiled_constants_are_symreg_meta():
    """setup.py hands symreg/_meta.py's values to the compiler; the build must carry them."""
    from symreg import _kernels, _meta

    assert (_kernels.VERSION, _kernels.DOMAIN) == (_meta.VERSION, _meta.DOMAIN)
    assert symreg.__version__ == importlib.metadata.version(_meta.DISTRIBUTION) == _meta.VERSION
    assert symreg.ort.MIN_ORT_VERSION == _meta.MIN_ORT_VERSION
    assert _meta.MIN_ORT_VERSION == f"1.{_meta.MIN_ORT_API}"  # release 1.N has C API version N


SHAPES = [(), (0,), (1,), (2, 3, 4), (3, 0, 2), (100_003,), (64, 1025)]


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("dynamic", [False, True], ids=["static", "dynamic"])
@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
def test_erfinv_matches_torch(custom_op_model, dtype, shape, dynamic, threads):
    dims = [f"d{i}" for i in range(len(shape))] if dynamic else shape
    session = symreg.ort.InferenceSession(custom_op_model("Erfinv", DTYPES[dtype], dims), _options(threads))
    x = _inputs(shape, dtype)
    _check(session.run(None, {"x": x})[0], x)


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
def test_dynamic_model_serves_many_shapes(custom_op_model, dtype):
    session = symreg.ort.InferenceSession(custom_op_model("Erfinv", DTYPES[dtype], ["n", "m"]), _options(2))
    for shape in [(1, 1), (0, 5), (5, 0), (3, 7), (1000, 13), (2, 1)]:
        x = _inputs(shape, dtype)
        _check(session.run(None, {"x": x})[0], x)


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
def test_thread_count_does_not_change_results(custom_op_model, dtype):
    model = custom_op_model("Erfinv", DTYPES[dtype], ["n"])
    x = _inputs((250_000,), dtype)
    one, two = (symreg.ort.InferenceSession(model, _options(t)).run(None, {"x": x})[0] for t in (1, 2))
    np.testing.assert_array_equal(one, two)


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
def test_edge_values(custom_op_model, dtype):
    session = symreg.ort.InferenceSession(custom_op_model("Erfinv", DTYPES[dtype], ["n"]))
    x = np.array([1, -1, 1.5, -2, np.inf, np.nan, 0.0, -0.0], dtype=dtype)
    got = session.run(None, {"x": x})[0]
    np.testing.assert_array_equal(got, np.array([np.inf, -np.inf, np.nan, np.nan, np.nan, np.nan, 0.0, -0.0], dtype))
    assert np.signbit(got[-1]) and not np.signbit(got[-2])


def test_many_sessions_created_and_destroyed_in_any_order(custom_op_model):
    rng = random.Random(0)
    models = {dtype: custom_op_model("Erfinv", elem, ["n"]) for dtype, elem in DTYPES.items()}
    shared = symreg.ort.session_options(_options(2))
    live = []
    for step in range(40):
        dtype = rng.choice(list(DTYPES))
        options = shared if step % 3 == 0 else _options(rng.choice([1, 2]))
        live.append((dtype, symreg.ort.InferenceSession(models[dtype], options)))
        if len(live) > 4 and rng.random() < 0.6:
            del live[rng.randrange(len(live))]
            gc.collect(1)  # the young generations hold the session; a full collection costs seconds in a big process
        for dtype, session in rng.sample(live, min(3, len(live))):
            x = _inputs((rng.randrange(0, 9000),), dtype, seed=step)
            _check(session.run(None, {"x": x})[0], x)
    del shared
    gc.collect()
    for dtype, session in live:
        x = _inputs((17,), dtype)
        _check(session.run(None, {"x": x})[0], x)


def test_registers_on_a_user_supplied_base_once(custom_op_model):
    base = _options(2)
    base.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_DISABLE_ALL
    assert symreg.ort.session_options(base) is base
    assert symreg.ort.session_options(base) is base  # ORT would refuse the domain twice at session creation
    session = symreg.ort.InferenceSession(custom_op_model("Erfinv", TensorProto.FLOAT, ["n"]), sess_options=base)
    assert base.intra_op_num_threads == 2
    x = _inputs((9,), np.float32)
    _check(session.run(None, {"x": x})[0], x)


def test_default_options_are_fresh_and_cpu_only(custom_op_model):
    assert symreg.ort.session_options() is not symreg.ort.session_options()
    session = symreg.ort.InferenceSession(custom_op_model("Erfinv", TensorProto.DOUBLE, [3]))
    assert session.get_providers() == ["CPUExecutionProvider"]


@pytest.mark.parametrize("as_path", [str, Path], ids=["str", "Path"])
def test_loads_model_files(custom_op_model, tmp_path, as_path):
    path = tmp_path / "erfinv.onnx"
    path.write_bytes(custom_op_model("Erfinv", TensorProto.FLOAT, ["n"]))
    x = _inputs((5,), np.float32)
    _check(symreg.ort.InferenceSession(as_path(path)).run(None, {"x": x})[0], x)


def test_without_the_library_ort_does_not_know_the_op(custom_op_model):
    with pytest.raises(Exception, match="Erfinv"):
        onnxruntime.InferenceSession(
            custom_op_model("Erfinv", TensorProto.FLOAT, ["n"]), providers=["CPUExecutionProvider"]
        )


@pytest.mark.parametrize(
    "elem", [TensorProto.INT32, TensorProto.INT64, TensorProto.FLOAT16], ids=["int32", "int64", "float16"]
)
def test_unsupported_dtype_is_refused_at_session_creation(custom_op_model, elem):
    with pytest.raises(Exception, match=r"Erfinv") as error:
        symreg.ort.InferenceSession(custom_op_model("Erfinv", elem, ["n"]))
    assert "tensor(" in str(error.value)


@pytest.mark.parametrize(
    "inputs,message",
    [
        ([], r"symreg::Erfinv: input 0 is missing: the node has 0 input\(s\), the op takes 1"),
        ([""], r"symreg::Erfinv: input 0 is missing \(empty in the node\); the op needs it"),
        (["x", "x"], r"Erfinv.*has input size 2"),  # ORT's own schema check, before any kernel exists
    ],
    ids=["none", "empty-name", "two"],
)
def test_a_node_with_the_wrong_inputs_is_refused_at_session_creation(inputs, message):
    """The lite API declares every input optional: without symreg's check at kernel creation, the first two
    failed at the first run ("invalid indice for Ort::Custom::Tensor"), and a run after the second crashed."""
    from onnx import helper

    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [3])
    xs = [helper.make_tensor_value_info("x", TensorProto.FLOAT, [3])] if "x" in inputs else []
    node = helper.make_node("Erfinv", inputs, ["y"], domain="symreg")
    opsets = [helper.make_opsetid("", 17), helper.make_opsetid("symreg", 1)]
    model = helper.make_model(helper.make_graph([node], "g", xs, [y]), opset_imports=opsets, ir_version=10)
    with pytest.raises(Exception, match=message):
        symreg.ort.InferenceSession(model.SerializeToString())
