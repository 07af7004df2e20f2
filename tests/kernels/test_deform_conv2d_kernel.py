"""symreg._kernels.deform_conv2d beyond the kernel table: non-finite offsets, defaults, errors, packed weights.

The kernel table (tests/kernels/kernel_table.py) runs every case of tests/deform_conv2d_cases.py
through pybind and ORT against torchvision.
"""

import numpy as np
import pytest
from deform_conv2d_cases import ATOL, BAD, CASES, Case, inputs, reference

from symreg import _kernels

DTYPES = [np.float32, np.float64]


def run(case: Case, args: dict, **kwargs) -> np.ndarray:
    return _kernels.deform_conv2d(
        args["x"], args["weight"], args["offset"], args["mask"], args["bias"], case.strides, case.pads,
        case.dilations, case.group, case.offset_group, **kwargs,
    )


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case_geometry_is_torchvisions(case):
    """The output size the cases derive offsets from is torchvision's: (N, C_out, out_h, out_w)."""
    assert reference(case, **inputs(case)).shape == (case.x[0], case.c_out, *case.out_hw)


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
def test_non_finite_offsets_sample_zero(dtype):
    """NaN and +-inf positions fall outside the image (zero), like a far finite one: no UB, no garbage."""
    case = Case((1, 4, 6, 6), 3, pads=(1, 1, 1, 1))
    args = inputs(case, dtype)
    far = dict(args, offset=args["offset"].copy())
    odd = dict(args, offset=args["offset"].copy())
    for i, value in enumerate([np.nan, np.inf, -np.inf]):
        odd["offset"][0, i::3, 1::2, :] = value
        far["offset"][0, i::3, 1::2, :] = 1e30
    np.testing.assert_array_equal(run(case, odd), run(case, far))


def test_mixed_dtypes_are_refused():
    args = inputs(Case((1, 4, 6, 6), 3), np.float32)
    with pytest.raises(TypeError, match="float32 or float64 arrays, all of one dtype"):
        _kernels.deform_conv2d(args["x"], args["weight"].astype(np.float64), args["offset"])
    with pytest.raises(TypeError, match="float32 or float64"):
        _kernels.deform_conv2d(args["x"].astype(np.int32), args["weight"], args["offset"])


def test_defaults():
    """Without mask, bias and attributes: no mask, no bias, stride 1, no padding, dilation 1, one group."""
    case = Case((1, 4, 6, 6), 3, mask=False, bias=False)
    args = inputs(case, np.float64)
    got = _kernels.deform_conv2d(args["x"], args["weight"], args["offset"])
    assert np.abs(got - reference(case, **args)).max() <= ATOL[np.float64]


@pytest.mark.parametrize(("problem", "shapes", "attrs"), BAD, ids=[b[0][:60] for b in BAD])
def test_bad_input_is_a_value_error(problem, shapes, attrs):
    arrays = {k: np.zeros(v, np.float32) for k, v in shapes.items()}
    with pytest.raises(ValueError, match=r"^symreg::DeformConv2d: " + problem):
        _kernels.deform_conv2d(
            arrays["x"], arrays["weight"], arrays["offset"], arrays["mask"], arrays["bias"], **attrs
        )


@pytest.mark.parametrize("isa", _kernels.cpu_isas())
@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("case", CASES, ids=str)
def test_packed_weights_give_the_same_output(case, dtype, isa):
    """W packed once (what the ORT kernel does with a constant W) is bit for bit W packed in the call."""
    args = inputs(case, dtype)
    packed = _kernels.DeformConv2dWeights(args["weight"], case.group, isa=isa)
    np.testing.assert_array_equal(run(case, args, isa=isa, packed=packed), run(case, args, isa=isa))


def test_packed_weights_of_another_call_are_refused():
    case = Case((1, 4, 6, 6), 6, group=2)
    args = inputs(case)
    other_group = _kernels.DeformConv2dWeights(args["weight"], 1)  # (6, 2, 3, 3) also fits group 1, C_in 2
    with pytest.raises(ValueError, match="packed was made for another W shape, group or isa"):
        run(case, args, packed=other_group)
    with pytest.raises(TypeError, match="packed holds float64 weights; this call's arrays are float32"):
        run(case, args, packed=_kernels.DeformConv2dWeights(args["weight"].astype(np.float64), 2))
    if len(_kernels.cpu_isas()) > 1:
        lower = _kernels.DeformConv2dWeights(args["weight"], 2, isa=_kernels.cpu_isas()[1])
        with pytest.raises(ValueError, match="packed was made for another"):
            run(case, args, isa=_kernels.cpu_isas()[0], packed=lower)


@pytest.mark.parametrize(
    ("shape", "group"), [((6, 2, 3), 1), ((6, 2, 0, 3), 1), ((5, 2, 3, 3), 2), ((6, 2, 3, 3), 0)],
    ids=["rank-3", "empty-kernel", "group-does-not-divide-C_out", "group-0"],
)
def test_bad_weights_to_pack_are_a_value_error(shape, group):
    with pytest.raises(ValueError, match=r"DeformConv2dWeights: w must be 4-D .* got w of shape"):
        _kernels.DeformConv2dWeights(np.zeros(shape, np.float32), group)
