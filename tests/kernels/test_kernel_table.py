"""Every native kernel of the kernel table (tests/kernels/kernel_table.py), through pybind and through ORT.

Each call of each entry, in each dtype, runs through the kernel's pybind function and through
a one-node ONNX Runtime model with symreg's library, at 1 and 2 threads (pybind at 2 only where
it takes ``threads=``), and must match the reference within the entry's tolerance, with NaN
and ±inf exactly where the reference has them. The pybind function must return a new
C-contiguous array and leave its inputs as they were.
"""

from __future__ import annotations

import numpy as np
import pytest
from kernel_table import KERNELS, Call, KernelEntry
from onnx import helper
from ortcheck import assert_matches, node_model, run

import symreg.ort

THREADS = (1, 2)


def run_kernel(entry: KernelEntry, call: Call, arrays, path: str, threads: int):
    """The kernel's output (a tuple of them where the entry declares several ``outputs``)."""
    if path == "ort":
        present = [a for a in arrays if a is not None]
        first = next(a for a in arrays if a is not None)
        types = None if entry.outputs is None else [helper.np_dtype_to_tensor_dtype(np.dtype(t or first.dtype))
                                                    for t in entry.outputs]  # fmt: skip
        ys = run(node_model(entry.op, arrays, call.attrs, outputs=types), present, threads=threads)
        return ys[0] if entry.outputs is None else tuple(ys)
    kwargs = {"threads": threads} if entry.pybind_threads else {}
    return entry.pybind(*arrays, **call.attrs, **kwargs)


def _each(value) -> tuple:
    return value if isinstance(value, tuple) else (value,)


def _id(entry: KernelEntry) -> str:
    return entry.op.replace("::", ".")  # "::" separates the parts of a pytest node id


def _params():
    for entry in KERNELS:
        for dtype in entry.dtypes:
            for call in entry.calls(dtype):
                for path in ("pybind", "ort"):
                    xfail = call.ort_xfail if path == "ort" else None
                    for threads in THREADS if path == "ort" or entry.pybind_threads else (1,):
                        yield pytest.param(
                            entry, dtype, call, path, threads,
                            id=f"{_id(entry)}-{dtype.__name__}-{call.name}-{path}-t{threads}",
                            marks=[pytest.mark.xfail(strict=True, reason=xfail)] if xfail else [],
                        )  # fmt: skip


@pytest.mark.parametrize(("entry", "dtype", "call", "path", "threads"), list(_params()))
def test_matches_reference(entry: KernelEntry, dtype, call: Call, path: str, threads: int):
    arrays = call.make()
    before = [None if a is None else a.copy() for a in arrays]
    got = run_kernel(entry, call, arrays, path, threads)
    rtol, atol = entry.tolerance[dtype]
    expected = entry.reference(*arrays, **call.attrs)
    what = f"{entry.op} {call.name} {path} threads={threads}"
    assert len(_each(got)) == len(_each(expected)), f"{what}: {len(_each(got))} outputs"
    for i, (y, e) in enumerate(zip(_each(got), _each(expected))):
        assert_matches(
            y, e, rtol=rtol, atol=atol * call.scale, what=f"{what} output {i}",
            dtype=dtype if e.dtype.kind == "f" else e.dtype, signed_zeros=entry.signed_zeros,
        )  # fmt: skip
        if path == "pybind":
            assert y.flags.c_contiguous and y.flags.owndata, f"{what}: output {i} is not a new C-contiguous array"
        for a, b in zip(arrays, before):
            np.testing.assert_array_equal(a, b, err_msg=f"{what}: an input changed")


def _thread_params():
    for entry in KERNELS:
        for path in ("pybind", "ort") if entry.pybind_threads else ("ort",):
            for threads in (2, 3):
                yield pytest.param(entry, path, threads, id=f"{_id(entry)}-{path}-t{threads}")


@pytest.mark.parametrize(("entry", "path", "threads"), list(_thread_params()))
def test_thread_count_does_not_change_results(entry: KernelEntry, path: str, threads: int):
    call = entry.threads_call
    arrays = call.make()
    one = _each(run_kernel(entry, call, arrays, path, 1))
    for y, y1 in zip(_each(run_kernel(entry, call, arrays, path, threads)), one):
        np.testing.assert_array_equal(y, y1)


def _refused(in_onnx: bool = False):
    for entry in KERNELS:
        for dtype in entry.refused:
            if not in_onnx or np.dtype(dtype).kind in "fiub":  # ONNX has no object or complex kernels to ask for
                yield pytest.param(entry, dtype, id=f"{_id(entry)}-{np.dtype(dtype).name}")


def _cast_inputs(entry: KernelEntry, dtype) -> list:
    """The entry's first float32 call, cast to ``dtype``."""
    call = entry.calls(np.float32)[0]
    with np.errstate(invalid="ignore", over="ignore"):  # inf and NaN have no integer value
        return [None if a is None else a.astype(dtype) for a in call.make()]


@pytest.mark.parametrize(("entry", "dtype"), list(_refused()))
def test_pybind_refuses_other_dtypes(entry: KernelEntry, dtype):
    call = entry.calls(np.float32)[0]
    with pytest.raises(TypeError, match=entry.refused_message):
        entry.pybind(*_cast_inputs(entry, dtype), **call.attrs)


@pytest.mark.parametrize(("entry", "dtype"), list(_refused(in_onnx=True)))
def test_ort_refuses_other_dtypes_at_session_creation(entry: KernelEntry, dtype):
    call = entry.calls(np.float32)[0]
    elem = helper.np_dtype_to_tensor_dtype(np.dtype(dtype))
    outputs = None if entry.outputs is None else [elem] * len(entry.outputs)
    model = node_model(entry.op, _cast_inputs(entry, dtype), call.attrs, elem_type=elem, outputs=outputs)
    op_type = entry.op.split("::")[1]
    with pytest.raises(Exception, match=rf"Type 'tensor\(\w+\)' of input parameter \(in0\) of operator \({op_type}\)"):
        symreg.ort.InferenceSession(model)
