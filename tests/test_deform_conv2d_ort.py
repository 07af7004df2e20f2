"""symreg::DeformConv2d in ONNX Runtime: hand-built models against torchvision, and every bad input."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
import onnxruntime
import pytest
from deform_conv2d_cases import ATOL, BAD, CASES, Case, inputs, reference
from onnx import TensorProto, helper, numpy_helper
from ortcheck import assert_matches

import symreg.ort
from symreg import _kernels

ELEM = {np.float32: TensorProto.FLOAT, np.float64: TensorProto.DOUBLE}
NAMES = ["x", "weight", "offset", "mask", "bias"]  # the op's input order: mask before B
RANKS = {"x": 4, "weight": 4, "offset": 4, "mask": 4, "bias": 1}


def model(dtype, present=NAMES, attrs: dict | None = None, ranks: dict | None = None) -> bytes:
    """One symreg::DeformConv2d node; inputs not in ``present`` are omitted (empty name); all dims dynamic."""
    ranks = {**RANKS, **(ranks or {})}
    used = [n for n in NAMES if n in present]
    node_inputs = [n if n in present else "" for n in NAMES]
    while node_inputs[-1] == "":
        node_inputs.pop()
    node = helper.make_node("DeformConv2d", node_inputs, ["y"], domain="symreg", **(attrs or {}))
    graph = helper.make_graph(
        [node],
        "deform_conv2d",
        [helper.make_tensor_value_info(n, ELEM[dtype], [f"{n}{i}" for i in range(ranks[n])]) for n in used],
        [helper.make_tensor_value_info("y", ELEM[dtype], ["n", "c", "h", "w"])],
    )
    opsets = [helper.make_opsetid("", 17), helper.make_opsetid("symreg", 1)]
    return helper.make_model(graph, opset_imports=opsets, ir_version=10).SerializeToString()


def with_constant_weight(data: bytes, weight: np.ndarray, bias: np.ndarray | None = None) -> bytes:
    """The model with W (and B) turned from graph inputs into initializers: constants the kernel packs once."""
    proto = onnx.load_from_string(data)
    constants = {"weight": weight, "bias": bias}
    for name, value in constants.items():
        if value is None:
            continue
        proto.graph.initializer.append(numpy_helper.from_array(value, name))
        inputs = [i for i in proto.graph.input if i.name != name]
        del proto.graph.input[:]
        proto.graph.input.extend(inputs)
    return proto.SerializeToString()


def session(data: bytes, threads: int = 1) -> onnxruntime.InferenceSession:
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    return symreg.ort.InferenceSession(data, options)


def feeds(args: dict) -> dict:
    return {k: v for k, v in args.items() if v is not None}


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("case", CASES, ids=str)
def test_matches_torchvision(case, dtype, threads):
    args = inputs(case, dtype)
    present = [n for n in NAMES if args[n] is not None]
    (got,) = session(model(dtype, present, case.attrs), threads).run(None, feeds(args))
    expected = reference(case, **args)
    assert got.dtype == dtype and got.shape == expected.shape
    if got.size:
        assert np.abs(got - expected).max() <= ATOL[dtype]


@pytest.mark.parametrize(
    "present",
    [["x", "weight", "offset"], ["x", "weight", "offset", "bias"], ["x", "weight", "offset", "mask"]],
    ids=["no-mask-no-bias", "bias-only(mask-empty-name)", "mask-only"],
)
def test_omitted_optional_inputs(present):
    case = Case((2, 4, 7, 6), 6, group=2, offset_group=2, pads=(1, 1, 1, 1))
    args = {k: (v if k in present else None) for k, v in inputs(case).items()}
    (got,) = session(model(np.float32, present, case.attrs)).run(None, feeds(args))
    assert np.abs(got - reference(case, **args)).max() <= ATOL[np.float32]


@pytest.mark.parametrize("threads", [1, 2])
def test_one_session_serves_two_input_sizes(threads):
    base = dict(kernel=(3, 2), group=2, offset_group=2, strides=(2, 1), pads=(1, 0, 1, 1))
    cases = [Case((1, 4, 9, 7), 6, **base), Case((3, 4, 16, 21), 6, **base), Case((1, 4, 9, 7), 6, **base)]
    sess = session(model(np.float32, NAMES, cases[0].attrs), threads)
    for seed, case in enumerate(cases):
        args = inputs(case, seed=seed)
        # the same weight in every call, as a deployed model has
        args["weight"], args["bias"] = inputs(cases[0])["weight"], inputs(cases[0])["bias"]
        (got,) = sess.run(None, feeds(args))
        assert np.abs(got - reference(case, **args)).max() <= ATOL[np.float32]


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("case", CASES, ids=str)
def test_constant_weight_is_packed_once(case, dtype):
    """W as an initializer: packed at kernel creation, then used by every run, at any input size. The output
    is bit for bit that of the same model with W fed at run time (packed per call)."""
    args = inputs(case, dtype)
    present = [n for n in NAMES if args[n] is not None]
    fed = session(model(dtype, present, case.attrs))
    constant = session(with_constant_weight(model(dtype, present, case.attrs), args["weight"], args["bias"]))
    bigger = dataclasses.replace(case, x=(case.x[0] + 1, case.x[1], case.x[2] + 3, case.x[3] + 2))
    for run_case in (case, bigger):
        run_args = {**inputs(run_case, dtype, seed=1), "weight": args["weight"], "bias": args["bias"]}
        (got,) = constant.run(None, {k: v for k, v in feeds(run_args).items() if k not in ("weight", "bias")})
        (expected_fed,) = fed.run(None, feeds(run_args))
        np.testing.assert_array_equal(got, expected_fed)
        if got.size:
            assert np.abs(got - reference(run_case, **run_args)).max() <= ATOL[dtype]


def test_constant_weight_that_fits_no_group_is_an_ort_error():
    """A constant W whose C_out the group does not divide is not packed; the run reports the shape problem."""
    case = Case((1, 4, 6, 6), 6, group=2)
    args = inputs(case)
    weight = np.zeros((5, 2, 3, 3), np.float32)
    data = with_constant_weight(model(np.float32, NAMES, case.attrs), weight)
    run_args = {k: v for k, v in feeds(args).items() if k != "weight"}
    text = _run_bad(data, run_args)
    assert re_search(r"symreg::DeformConv2d: C_out = 5 \(W dim 0\) is not divisible by group = 2", text), text


def test_thread_counts_agree():
    case = Case((2, 32, 24, 24), 16, group=2, offset_group=4, pads=(1, 1, 1, 1), offset_scale=4.0)
    args = feeds(inputs(case))
    one, two = (session(model(np.float32, NAMES, case.attrs), t).run(None, args)[0] for t in (1, 2))
    np.testing.assert_array_equal(one, two)


# --- non-finite values: torchvision's results, NaN and inf positions included ---------------
# torchvision's bilinear_interpolate returns 0 for a sample outside (-1, H) x (-1, W) and
# adds only the corners inside the image, so an inf or NaN pixel reaches an output only
# through a corner inside the image (times its weight, 0 * inf = NaN included); the mask
# multiplies every sample, those outside too (NaN * 0 = NaN).


def _outside(case: Case, offset: np.ndarray) -> np.ndarray:
    """(N, offset_group * kH * kW, oH, oW): whether each sample falls outside (-1, H) x (-1, W)."""
    (kh, kw), (sh, sw), (dh, dw) = case.kernel, case.strides, case.dilations
    oh, ow = case.out_hw
    k = kh * kw
    dy, dx = (offset.reshape(offset.shape[0], case.offset_group, k, 2, oh, ow)[:, :, :, i] for i in (0, 1))
    ki, kj = np.divmod(np.arange(k), kw)
    y = (np.arange(oh) * sh - case.pads[0])[None, None, None, :, None] + (ki * dh)[None, None, :, None, None] + dy
    x = (np.arange(ow) * sw - case.pads[1])[None, None, None, None, :] + (kj * dw)[None, None, :, None, None] + dx
    h, w = case.x[2:]
    return ((y <= -1) | (y >= h) | (x <= -1) | (x >= w)).reshape(offset.shape[0], -1, oh, ow)


def _corners(args, value):
    args["x"][..., 0, 0] = value
    args["x"][..., -1, -1] = value


def _borders(args, value):
    args["x"][0, 0, 0, 2] = np.inf  # top
    args["x"][0, 1, 3, 0] = np.nan  # left
    args["x"][-1, -1, -1, 1] = -np.inf  # bottom
    args["x"][-1, 0, 2, -1] = value  # right


def _mask_outside(args, case, value):
    outside = _outside(case, args["offset"])
    assert outside.any() and not outside.all()
    args["mask"][outside] = value


def _zero_offsets(args):
    args["offset"][:] = 0


def _mask_inside(args, case, value):
    """value at every third sample inside the image: the mask multiplies the blend, inf * 0 included."""
    every_third = np.arange(args["mask"].size).reshape(args["mask"].shape) % 3 == 0
    args["mask"][~_outside(case, args["offset"]) & every_third] = value


def _every_other_mask(args, value):
    args["mask"].reshape(-1)[::2] = value


# (id, case, what to make non-finite in the inputs)
NONFINITE = [
    ("inf-top-left-zero-offsets", Case((1, 1, 6, 6), 1, pads=(1, 1, 1, 1)),
     lambda a, c: (_zero_offsets(a), a["x"].__setitem__((0, 0, 0, 0), np.inf))),
    ("inf-top-left", Case((1, 2, 6, 6), 3, pads=(1, 1, 1, 1)), lambda a, c: a["x"].__setitem__((0, 0, 0, 0), np.inf)),
    ("inf-corners", Case((2, 4, 7, 9), 6, pads=(1, 1, 1, 1), offset_scale=3.0), lambda a, c: _corners(a, np.inf)),
    ("nan-corners-nomask", Case((1, 3, 8, 8), 4, mask=False, bias=False, pads=(2, 2, 2, 2), dilations=(2, 2),
                                offset_scale=4.0), lambda a, c: _corners(a, np.nan)),
    ("borders-groups", Case((2, 4, 7, 9), 6, group=2, offset_group=2, pads=(1, 2, 1, 2), offset_scale=3.0),
     lambda a, c: _borders(a, -np.inf)),
    ("borders-asymmetric-pads", Case((1, 4, 9, 8), 4, pads=(0, 1, 2, 3), strides=(2, 3), offset_scale=3.0),
     lambda a, c: _borders(a, np.nan)),
    ("nan-mask-outside", Case((1, 4, 6, 6), 6, pads=(1, 1, 1, 1), offset_scale=3.0),
     lambda a, c: _mask_outside(a, c, np.nan)),
    ("inf-mask-outside", Case((2, 8, 9, 7), 6, group=2, offset_group=2, pads=(1, 1, 1, 1), offset_scale=3.0),
     lambda a, c: _mask_outside(a, c, np.inf)),
    ("nan-mask-outside-inf-corners", Case((1, 4, 6, 6), 6, pads=(1, 1, 1, 1), offset_scale=2.0),
     lambda a, c: (_mask_outside(a, c, np.nan), _corners(a, np.inf))),
    ("inf-mask-inside", Case((1, 4, 6, 6), 6, pads=(1, 1, 1, 1), offset_scale=1.0),
     lambda a, c: _mask_inside(a, c, np.inf)),
    ("inf-mask-zero-offsets", Case((2, 4, 6, 7), 6, group=2, offset_group=2, pads=(1, 1, 1, 1)),
     lambda a, c: (_zero_offsets(a), _mask_inside(a, c, -np.inf))),
    # no rows (or no columns): the padding alone makes the output, every sample reads 0, times the mask
    ("nan-mask-no-rows", Case((1, 4, 0, 5), 6, kernel=(1, 3), group=2, offset_group=2, pads=(1, 1, 1, 1)),
     lambda a, c: _every_other_mask(a, np.nan)),
    ("inf-mask-no-columns", Case((2, 2, 3, 0), 3, kernel=(2, 1), pads=(0, 2, 1, 1), strides=(1, 2)),
     lambda a, c: _every_other_mask(a, -np.inf)),
]  # fmt: skip


def nonfinite_inputs(name: str, dtype) -> tuple[Case, dict]:
    _, case, poke = next(entry for entry in NONFINITE if entry[0] == name)
    args = inputs(case, dtype)
    poke(args, case)
    return case, args


def assert_same_values(got: np.ndarray, expected: np.ndarray, atol: float) -> None:
    """NaN, +inf and -inf exactly where torchvision has them; the finite values within atol."""
    assert_matches(got, expected, rtol=0, atol=atol)


@pytest.mark.parametrize("isa", _kernels.cpu_isas())
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("name", [n for n, _, _ in NONFINITE])
def test_nonfinite_values_match_torchvision_in_every_build(name, dtype, isa):
    """Each build of the tile code (AVX-512, AVX2 + FMA, baseline: those this CPU runs), called directly."""
    case, args = nonfinite_inputs(name, dtype)
    got = _kernels.deform_conv2d(*(args[n] for n in NAMES), **case.attrs, isa=isa)
    assert_same_values(got, reference(case, **args), ATOL[dtype])


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("name", [n for n, _, _ in NONFINITE])
def test_nonfinite_values_match_torchvision(name, dtype, threads):
    case, args = nonfinite_inputs(name, dtype)
    present = [n for n in NAMES if args[n] is not None]
    (got,) = session(model(dtype, present, case.attrs), threads).run(None, feeds(args))
    assert_same_values(got, reference(case, **args), ATOL[dtype])


_NONFINITE_SCRIPT = """
import numpy as np
from symreg import _kernels
from deform_conv2d_cases import ATOL, reference
from test_deform_conv2d_ort import NAMES, NONFINITE, assert_same_values, feeds, model, nonfinite_inputs, session

print(_kernels.cpu_isa())
for name, _, _ in NONFINITE:
    for dtype in (np.float32, np.float64):
        case, args = nonfinite_inputs(name, dtype)
        present = [n for n in NAMES if args[n] is not None]
        (got,) = session(model(dtype, present, case.attrs)).run(None, feeds(args))
        assert_same_values(got, reference(case, **args), ATOL[dtype])
"""


@pytest.mark.parametrize("isa", _kernels.cpu_isas()[1:])  # the best runs in the test above
def test_nonfinite_values_match_torchvision_in_every_isa_through_ort(isa):
    env = {**os.environ, "SYMREG_CPU_ISA": isa}
    out = subprocess.run(
        [sys.executable, "-c", _NONFINITE_SCRIPT], env=env, capture_output=True, text=True, cwd=Path(__file__).parent
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == [isa]


# Run in a process with SYMREG_CPU_ISA set: the ORT library's error against torchvision,
# and which builds of the pybind kernel give bit for bit ORT's output (case 0 differs in
# the last bits between every two builds, FMA or not and GEMM blocking).
_ISA_SCRIPT = """
import json
import numpy as np
from symreg import _kernels
from deform_conv2d_cases import CASES, inputs, reference
from test_deform_conv2d_ort import NAMES, feeds, model, session

case, report = CASES[0], {"cpu_isa": _kernels.cpu_isa()}
for dtype in (np.float32, np.float64):
    args = inputs(case, dtype)
    (got,) = session(model(dtype, NAMES, case.attrs)).run(None, feeds(args))
    report[dtype.__name__] = {
        "error": float(np.abs(got - reference(case, **args)).max()),
        "same_as": [isa for isa in _kernels.cpu_isas() if np.array_equal(got, _kernels.deform_conv2d(
            *(args[n] for n in NAMES), **case.attrs, isa=isa))],
    }
print(json.dumps(report))
"""


@pytest.mark.parametrize("isa", _kernels.cpu_isas()[1:])  # the best runs in every other test
def test_environment_picks_the_isa(isa):
    """SYMREG_CPU_ISA makes ORT run a lower build of the kernel: the AVX2 and baseline paths get tested here."""
    env = {**os.environ, "SYMREG_CPU_ISA": isa}
    out = subprocess.run(
        [sys.executable, "-c", _ISA_SCRIPT], env=env, capture_output=True, text=True, cwd=Path(__file__).parent
    )
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["cpu_isa"] == isa
    for dtype in (np.float32, np.float64):
        assert report[dtype.__name__]["error"] <= ATOL[dtype]
        assert report[dtype.__name__]["same_as"] == [isa]


def _run_bad(data: bytes, arrays: dict):
    with pytest.raises(Exception) as error:
        session(data, threads=2).run(None, arrays)
    return str(error.value)


@pytest.mark.parametrize(("problem", "shapes", "attrs"), BAD, ids=[b[0][:60] for b in BAD])
def test_bad_input_is_an_ort_error(problem, shapes, attrs):
    arrays = {k: np.zeros(v, np.float32) for k, v in shapes.items()}
    ranks = {k: len(v) for k, v in shapes.items()}
    text = _run_bad(model(np.float32, NAMES, attrs, ranks), arrays)
    assert re_search(r"symreg::DeformConv2d: " + problem, text), text


@pytest.mark.parametrize("missing", ["x", "weight", "offset"])
def test_missing_required_input_is_an_ort_error(missing):
    case = Case((1, 4, 6, 6), 6)
    present = [n for n in NAMES if n != missing]
    args = {k: v for k, v in feeds(inputs(case)).items() if k != missing}
    text = _run_bad(model(np.float32, present, case.attrs), args)
    label = {"x": "X", "weight": "W", "offset": "offset"}[missing]
    assert f"symreg::DeformConv2d: input {label} is missing" in text, text


# Attributes are checked when ORT creates the kernel (at session creation), so a bad model
# fails to load rather than at its first run; each error names the op, the attribute and the value.
INVALID_ATTRS = [
    ({"strides": [0, -1]}, "strides must be positive, got [0, -1]"),
    ({"strides": [1, 0]}, "strides must be positive, got [1, 0]"),
    ({"strides": [1]}, "strides must have 2 values (h, w), got [1]"),
    ({"pads": [1]}, "pads must have 4 values (top, left, bottom, right), got [1]"),
    ({"pads": [1, 1, 1, 1, 1]}, "pads must have 4 values (top, left, bottom, right), got [1, 1, 1, 1, 1]"),
    ({"pads": [0, -1, 0, 0]}, "pads must be non-negative, got [0, -1, 0, 0]"),
    ({"dilations": [1, 0]}, "dilations must be positive, got [1, 0]"),
    ({"dilations": [-2, 1]}, "dilations must be positive, got [-2, 1]"),
    ({"dilations": [1, 1, 1]}, "dilations must have 2 values (h, w), got [1, 1, 1]"),
    ({"group": 0}, "group must be positive, got 0"),
    ({"group": -2}, "group must be positive, got -2"),
    ({"offset_group": 0}, "offset_group must be positive, got 0"),
    ({"offset_group": -1}, "offset_group must be positive, got -1"),
    ({"kernel_shape": [3]}, "kernel_shape must have 2 values (kH, kW), got [3]"),
    ({"kernel_shape": [3, 0]}, "kernel_shape must be positive, got [3, 0]"),
    ({"strides": [0, -1], "pads": [1], "group": 0}, "pads must have 4 values (top, left, bottom, right), got [1]"),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize(("attrs", "problem"), INVALID_ATTRS, ids=[str(a) for a, _ in INVALID_ATTRS])
def test_invalid_attribute_fails_session_creation(attrs, problem, dtype):
    data = model(dtype, NAMES, attrs)
    with pytest.raises(Exception) as error:
        session(data)
    assert f"symreg::DeformConv2d: {problem}" in str(error.value), str(error.value)
    # also with W an initializer (the kernel then packs it at creation)
    args = inputs(Case((1, 4, 6, 6), 6), dtype)
    with pytest.raises(Exception) as error:
        session(with_constant_weight(data, args["weight"], args["bias"]))
    assert f"symreg::DeformConv2d: {problem}" in str(error.value), str(error.value)


def test_kernel_shape_is_checked_against_w():
    case = Case((1, 4, 6, 6), 6)
    given = model(np.float32, NAMES, {**case.attrs, "kernel_shape": [3, 3]})
    onnx.checker.check_model(given, full_check=True)  # the schema declares kernel_shape, as the kernel reads it
    (got,) = session(given).run(None, feeds(inputs(case)))
    assert np.abs(got - reference(case, **inputs(case))).max() <= ATOL[np.float32]
    text = _run_bad(model(np.float32, NAMES, {**case.attrs, "kernel_shape": [3, 2]}), feeds(inputs(case)))
    assert "symreg::DeformConv2d: kernel_shape [3, 2] differs from W's kernel (dims 2, 3) [3, 3]" in text, text


@pytest.mark.parametrize(
    ("attrs", "problem"),
    [
        ({"strides": [1.0, 1.0]}, "attribute strides must be a list of ints"),
        ({"pads": "same"}, "attribute pads must be a list of ints"),
        ({"dilations": 2}, "attribute dilations must be a list of ints"),
        ({"group": 1.5}, "attribute group must be an int"),
        ({"offset_group": [1]}, "attribute offset_group must be an int"),
    ],
    ids=["strides-floats", "pads-string", "dilations-scalar", "group-float", "offset_group-list"],
)
def test_wrongly_typed_attribute_fails_session_creation(attrs, problem):
    with pytest.raises(Exception) as error:
        session(model(np.float32, NAMES, attrs))
    assert f"symreg::DeformConv2d: {problem}" in str(error.value), str(error.value)


def re_search(pattern: str, text: str) -> bool:
    import re

    return re.search(pattern, text) is not None
