"""Bad nodes and inputs of the scan and mode kernels: ORT fails with an error naming the op and the argument (never
a crash), pybind raises ValueError; a 0-d input is legal (axis -1 or 0, as torch's dims). Wrong dtypes are the kernel
table's (tests/kernels/test_kernel_table.py)."""

from __future__ import annotations

import numpy as np
import pytest
from kernel_table import KERNELS
from ortcheck import node_model, run

from symreg import _kernels

SCAN_KERNELS = [e for e in KERNELS if e.op in ("symreg::Cumprod", "symreg::Cumsum", "symreg::Cummax",
                                                 "symreg::Cummin", "symreg::LogCumSumExp", "symreg::Mode")]  # fmt: skip
OPS = [e.op for e in SCAN_KERNELS]
PYBIND = {"symreg::Cumprod": "cumprod", "symreg::Cumsum": "cumsum", "symreg::Cummax": "cummax",
          "symreg::Cummin": "cummin", "symreg::LogCumSumExp": "logcumsumexp", "symreg::Mode": "mode"}  # fmt: skip


def _outputs(op: str):
    entry = next(e for e in SCAN_KERNELS if e.op == op)
    return None if entry.outputs is None else [1 if t is None else 7 for t in entry.outputs]  # float, int64


def _run(op: str, x: np.ndarray, **attrs):
    return run(node_model(op, [x], attrs, outputs=_outputs(op)), [x])


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize(("shape", "axis"), [((2, 3), 2), ((2, 3), -3), ((4,), 1), ((), 1), ((), -2)])
def test_axis_out_of_range(op: str, shape, axis: int):
    x = np.ones(shape, np.float32)
    span = max(len(shape), 1)
    expected = (
        rf"{op}: attribute axis {axis} is out of range for input X of shape .* \(expected {-span} \.\.\. {span - 1}\)"
    )
    with pytest.raises(Exception, match=expected):
        _run(op, x, axis=axis)
    with pytest.raises(ValueError, match=rf"symreg\._kernels\.{PYBIND[op]}: attribute axis {axis} is out of range"):
        getattr(_kernels, PYBIND[op])(x, axis)


@pytest.mark.parametrize("op", OPS)
def test_axis_of_another_type(op: str):
    with pytest.raises(Exception, match=rf"{op}: attribute axis must be an int"):
        _run(op, np.ones((2, 3), np.float32), axis=1.5)


def test_mode_keepdims_must_be_0_or_1():
    with pytest.raises(Exception, match=r"symreg::Mode: attribute keepdims must be 0 or 1, got 2"):
        _run("symreg::Mode", np.ones((2, 3), np.float32), axis=1, keepdims=2)


@pytest.mark.parametrize(("shape", "axis"), [((0,), 0), ((3, 0, 2), 1), ((2, 0), -1), ((0, 0), 0)])
def test_mode_of_an_empty_slice(shape, axis: int):
    """torch raises "mode(): Expected reduction dim ... to have non-zero size", even with no slices; so do we."""
    x = np.ones(shape, np.float32)
    with pytest.raises(Exception, match=r"symreg::Mode: axis \d+ of input X .* has no elements"):
        _run("symreg::Mode", x, axis=axis)
    with pytest.raises(ValueError, match=r"symreg\._kernels\.mode: axis \d+ of x has no elements"):
        _kernels.mode(x, axis)


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("axis", [0, -1])
def test_a_0d_input_is_one_element(op: str, axis: int):
    x = np.array(-2.5, np.float32)
    ys = _run(op, x, axis=axis)
    assert all(y.shape == () for y in ys)
    assert ys[0] == np.float32(-2.5)  # each scan and mode of one element: itself
    if len(ys) > 1:
        assert ys[1] == 0
